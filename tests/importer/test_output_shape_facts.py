"""A data-dependent op whose result is the grid (a Pad with computed pads) stays carried, but
the shape of what follows it is a fact: the graph output is [1,10,30,30] on every input of an
exact network, and it implies the shapes upstream through casts and scalar comparisons. So
the layers after it are modelled and rewrites see them."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h

from trmgolf.compiler.importer import import_model
from trmgolf.compiler.optimize import compile_imported
from trmgolf.scoring.answers import run_examples
from trmgolf.tasks import grid_to_onehot

IO = [1, 10, 30, 30]


def _model(out_shape: list[int] = IO) -> onnx.ModelProto:
    """``input`` padded by zero cells counted at run time, then a float64 round trip."""
    nodes = [
        h.make_node("ReduceMin", ["input"], ["lo"], keepdims=0),  # 0 on a one-hot grid
        h.make_node("Cast", ["lo"], ["lo_i"], to=T.INT64),
        h.make_node("Reshape", ["lo_i", "one_shape"], ["k"]),
        h.make_node("Concat", ["zeros7", "k"], ["pads"], axis=0),
        h.make_node("Pad", ["input", "pads"], ["padded"]),
        h.make_node("Cast", ["padded"], ["wide"], to=T.DOUBLE),
        h.make_node("Cast", ["wide"], ["output"], to=T.FLOAT),
    ]
    inits = [onnx.numpy_helper.from_array(np.zeros(7, np.int64), "zeros7"),
             onnx.numpy_helper.from_array(np.ones(1, np.int64), "one_shape")]
    declared = [h.make_tensor_value_info("padded", T.FLOAT, out_shape),
                h.make_tensor_value_info("wide", T.DOUBLE, out_shape)]
    graph = h.make_graph(nodes, "g", [h.make_tensor_value_info("input", T.FLOAT, IO)],
                         [h.make_tensor_value_info("output", T.FLOAT, out_shape)], inits, value_info=declared)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 17)], ir_version=10)


def _carried(model: onnx.ModelProto) -> list[str]:
    return [n.attrs["op_type"] for n in import_model(model).nodes if n.op == "onnx_node"]


def test_the_layers_after_a_data_dependent_grid_are_modelled() -> None:
    model = _model()
    assert _carried(model) == ["Pad"]  # before: the two Casts were carried too
    compiled = compile_imported(model).model
    assert compiled.graph.node[-1].op_type == "Pad"  # the round trip after it is gone
    assert compiled.graph.node[-1].output[0] == "output"
    rng = np.random.default_rng(0)
    grids = [grid_to_onehot(rng.integers(0, 10, size=(5, 7)).tolist()) for _ in range(3)]
    for got, want in zip(run_examples(compiled, grids), run_examples(model, grids), strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_declared_output_other_than_the_grid_proves_nothing() -> None:
    assert _carried(_model([1, 10, 30, 31])) == ["Pad", "Cast", "Cast"]


def test_a_comparison_with_a_scalar_at_the_output_is_modelled() -> None:
    """Greater(cast(pad), 0): the cast's shape is declared nowhere; the scalar broadcasts, so
    the grid output implies it."""
    model = _model()
    g = model.graph
    g.node[-1].CopyFrom(h.make_node("Greater", ["wide"], ["output"]))
    g.node[-1].input.append("zero")
    g.initializer.append(onnx.numpy_helper.from_array(np.zeros((1, 1), np.float64), "zero"))
    del g.value_info[1:]  # only the Pad's result is declared
    g.output[0].type.tensor_type.elem_type = T.BOOL
    assert _carried(model) == ["Pad"]
    compiled = compile_imported(model).model
    rng = np.random.default_rng(1)
    grids = [grid_to_onehot(rng.integers(0, 10, size=(4, 9)).tolist()) for _ in range(3)]
    for got, want in zip(run_examples(compiled, grids), run_examples(model, grids), strict=True):
        np.testing.assert_array_equal(got, want)
