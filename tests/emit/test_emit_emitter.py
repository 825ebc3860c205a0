"""The emitter's contract: determinism, initializers, the output tensor, kernel selection
and region tags."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from emit_support import check_emitted

from trmgolf.compiler.emit import emit, serialize
from trmgolf.compiler.importer import import_model
from trmgolf.errors import UserError
from trmgolf.ir import GRID_TYPE, Builder, Graph

X = np.random.default_rng(1).normal(size=GRID_TYPE.shape).astype(np.float32)


def _mixed_graph() -> Graph:
    b = Builder()
    with b.region("step0/block1"):
        h = b.op("mul", b.input, 2.0)
        t = b.op("transpose", h, perm=(0, 1, 3, 2))
    with b.region("step1"):
        s = b.op("add", t, b.const(np.linspace(-1, 1, 30, dtype=np.float32)))
    return b.finish(b.op("relu", s))


def test_same_graph_gives_identical_bytes():
    g = _mixed_graph()
    first = emit(g).to_bytes()
    assert emit(g).to_bytes() == first
    assert emit(g.clone()).to_bytes() == first
    assert emit(_mixed_graph()).to_bytes() == first
    assert serialize(onnx.load_from_string(first)) == first


def test_equal_constants_share_one_initializer():
    b = Builder()
    w = np.arange(10, dtype=np.float32).reshape(1, 10, 1, 1)
    y = b.op("add", b.op("mul", b.input, b.const(w)), b.const(w.copy()))
    y = b.op("mul", y, b.const(w.astype(np.float16).astype(np.float32) + 0))  # same content again
    model = check_emitted(b.finish(y), X).model
    assert len(model.graph.initializer) == 1
    assert len(model.graph.node) == 3


def test_unused_constants_are_not_emitted():
    b = Builder()
    b.const(np.ones((3, 3), np.float32))
    model = emit(b.finish(b.op("neg", b.input))).model
    assert len(model.graph.initializer) == 0


def test_final_node_writes_output():
    model = check_emitted(_mixed_graph(), X).model
    assert list(model.graph.node[-1].output) == ["output"]
    assert [i.name for i in model.graph.input] == ["input"]
    assert [o.name for o in model.graph.output] == ["output"]
    assert model.ir_version == 10
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 24)]


def test_output_that_is_the_input_gets_an_identity():
    b = Builder()
    model = check_emitted(b.finish(b.input), X).model
    assert [(n.op_type, list(n.input), list(n.output)) for n in model.graph.node] == [
        ("Identity", ["input"], ["output"])]


def test_output_that_is_a_constant_gets_an_identity():
    b = Builder()
    model = check_emitted(b.finish(b.const(np.ones(GRID_TYPE.shape, np.float32))), X).model
    (node,) = model.graph.node
    assert node.op_type == "Identity" and list(node.output) == ["output"]
    assert list(node.input) == [model.graph.initializer[0].name]


def test_output_read_by_another_node_keeps_its_name():
    """The output value may also feed later (dead) nodes: it is still written as `output`."""
    b = Builder()
    y = b.op("relu", b.input)
    b.op("neg", y)
    model = check_emitted(b.finish(y), X).model
    assert list(model.graph.node[0].output) == ["output"]


def _flattenable() -> Graph:
    b = Builder()
    flat = b.op("reshape", b.input, shape=(10, 900))
    return b.finish(b.op("reshape", b.op("neg", flat), shape=GRID_TYPE.shape))


def test_selection_prefers_flatten_when_it_saves_the_shape_initializer():
    emitted = check_emitted(_flattenable(), X)
    assert [(c.op, c.lowering) for c in emitted.choices] == [
        ("reshape", "flatten"), ("neg", "direct"), ("reshape", "reshape")]
    types = [n.op_type for n in emitted.model.graph.node]
    assert types == ["Flatten", "Neg", "Reshape"]
    (shape,) = emitted.model.graph.initializer  # only the final reshape's
    assert list(onnx.numpy_helper.to_array(shape)) == [1, 10, 30, 30]


def test_forced_lowering_overrides_the_cost():
    emitted = check_emitted(_flattenable(), X, forced={"reshape": "reshape"})
    assert [n.op_type for n in emitted.model.graph.node] == ["Reshape", "Neg", "Reshape"]
    assert len(emitted.model.graph.initializer) == 2


def test_forcing_an_unavailable_lowering_names_it():
    with pytest.raises(UserError, match=r"reshape=flatten is not available"):
        emit(_flattenable(), forced={"reshape": "flatten", "neg": "direct"})  # 2nd is 4-D
    with pytest.raises(UserError, match=r"split=num_outputs is not available at opset 17"):
        emit(_split_graph((5, 5)), "opset17", forced={"split": "num_outputs"})
    with pytest.raises(UserError, match=r"relu=nonsense"):
        emit(_mixed_graph(), forced={"relu": "nonsense"})


def test_unknown_target_is_a_user_error():
    with pytest.raises(UserError, match="unknown target"):
        emit(_mixed_graph(), "opset99")


def _split_graph(sizes: tuple[int, ...]) -> Graph:
    b = Builder()
    parts = b.ops("split", b.input, axis=1, sizes=sizes)
    return b.finish(b.op("concat", *parts[::-1], axis=1))


@pytest.mark.parametrize(("target", "sizes", "lowering", "n_inputs"), [
    ("ng2026", (5, 5), "num_outputs", 1),
    ("opset18", (5, 5), "num_outputs", 1),
    ("opset17", (5, 5), "equal_parts", 1),  # Split-13 given no sizes splits equally
    ("opset17", (4, 6), "sizes_input", 2),
    ("ng2026", (4, 6), "sizes_input", 2),
])
def test_split_equal_parts_use_num_outputs_from_opset_18(target, sizes, lowering, n_inputs):
    """Equal parts need no sizes initializer: num_outputs from opset 18, none at all before
    (public task346's Split re-emitted 2 params over the original's)."""
    emitted = check_emitted(_split_graph(sizes), X, target)
    assert [c.lowering for c in emitted.choices if c.op == "split"] == [lowering]
    split = next(n for n in emitted.model.graph.node if n.op_type == "Split")
    assert len(split.input) == n_inputs
    names = [o for n in emitted.model.graph.node for o in n.output]
    names += [i.name for i in emitted.model.graph.initializer]
    assert len(names) == len(set(names)), "a tensor name is used twice"


def test_region_tags_land_in_doc_string_and_come_back():
    g = _mixed_graph()
    model = check_emitted(g, X).model
    docs = [(n.op_type, n.doc_string) for n in model.graph.node]
    assert docs == [("Mul", "region=step0/block1"), ("Transpose", "region=step0/block1"),
                    ("Add", "region=step1"), ("Relu", "")]
    assert model.graph.node[0].output[0].startswith("step0/block1/")
    back = import_model(model)
    assert [(n.op, n.region) for n in back.nodes if n.op != "constant"] == [
        ("mul", "step0/block1"), ("transpose", "step0/block1"), ("add", "step1"), ("relu", None)]


def test_value_names_do_not_clash_with_reserved_names():
    b = Builder()
    y = b.op("neg", b.input)
    y.name = "output"
    z = b.op("abs", y)
    z.name = "input"
    model = check_emitted(b.finish(b.op("relu", z)), X).model
    assert [list(n.output) for n in model.graph.node] == [["t_output"], ["t_input"], ["output"]]
