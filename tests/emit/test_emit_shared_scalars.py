"""Single-element initializers of equal value share one tensor where each reader's slot
accepts its shape: Clip's bounds emitted as ``()`` reuse an imported ``[1]`` (task274's
form), and nothing moves where the shape would change a result or onnxruntime refuses it."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h

from trmgolf.compiler.driver import static_cost
from trmgolf.compiler.optimize import compile_imported
from trmgolf.compiler.shared_scalars import share_single_element_initializers
from trmgolf.scoring.answers import run_examples
from trmgolf.tasks import grid_to_onehot

IO = [1, 10, 30, 30]


def _model(nodes: list[onnx.NodeProto], inits: dict[str, np.ndarray], opset: int = 17) -> onnx.ModelProto:
    graph = h.make_graph(nodes, "g", [h.make_tensor_value_info("input", T.FLOAT, IO)],
                         [h.make_tensor_value_info("output", T.FLOAT, IO)],
                         [onnx.numpy_helper.from_array(v, k) for k, v in inits.items()])
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], ir_version=10)


def _grids() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [grid_to_onehot(rng.integers(0, 10, size=(6, 5)).tolist()) for _ in range(2)]


def _same_answers(a: onnx.ModelProto, b: onnx.ModelProto) -> None:
    for got, want in zip(run_examples(a, _grids()), run_examples(b, _grids()), strict=True):
        np.testing.assert_array_equal(got, want)


def test_clip_bounds_reuse_the_imported_one_element_tensors() -> None:
    one, two, three = (np.full(1, v, np.float32) for v in (1.0, 2.0, 3.0))
    model = _model([h.make_node("Mul", ["input", "three"], ["scaled"]),  # {0, 3}
                    h.make_node("Sub", ["scaled", "one"], ["shifted"]),
                    h.make_node("Clip", ["shifted", "one", "two"], ["clipped"]),
                    h.make_node("Mul", ["clipped", "two"], ["output"])],
                   {"one": one, "two": two, "three": three})
    compiled = compile_imported(model, passes=False).model  # the network as written, re-lowered
    assert static_cost(compiled) == static_cost(model)
    assert len(compiled.graph.initializer) == 3  # before: () bounds beside [1] one and two
    _same_answers(compiled, model)


def test_a_bound_keeps_its_rank_and_the_grid_operand_takes_it() -> None:
    s0, s4 = np.float32(3.0).reshape(()), np.full((1, 1, 1, 1), 3.0, np.float32)
    model = _model([h.make_node("Clip", ["input", "", "s0"], ["clipped"]),  # a [1,1,1,1] bound is refused
                    h.make_node("Add", ["clipped", "s4"], ["output"])], {"s0": s0, "s4": s4})
    original = onnx.ModelProto()
    original.CopyFrom(model)
    assert share_single_element_initializers(model, {"clipped": 4, "output": 4}) == 1
    assert [list(n.input) for n in model.graph.node] == [["input", "", "s0"], ["clipped", "s0"]]
    assert [t.name for t in model.graph.initializer] == ["s0"]
    _same_answers(model, original)


def test_two_single_elements_together_stay_as_they_are() -> None:
    s0, s4 = np.float32(3.0).reshape(()), np.full((1, 1, 1, 1), 3.0, np.float32)
    model = _model([h.make_node("Mul", ["s4", "s0"], ["nine"]),  # () or [1,1,1,1]: it depends on s4
                    h.make_node("Add", ["input", "nine"], ["output"])], {"s0": s0, "s4": s4})
    assert share_single_element_initializers(model, {"nine": 4, "output": 4}) == 0
