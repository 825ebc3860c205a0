"""The verifier's invariants, the builder's type errors, and interpreter basics."""

from __future__ import annotations

import numpy as np
import pytest

from trmgolf.ir import (
    GRID_TYPE,
    Builder,
    Graph,
    IRTypeError,
    IRVerifyError,
    Node,
    TensorType,
    Value,
    get_op,
    run,
    verify,
)


def _graph() -> Graph:
    b = Builder()
    return b.finish(b.op("relu", b.op("mul", b.input, 2.0)))


def test_a_built_graph_verifies():
    verify(_graph())


def test_undefined_input():
    g = _graph()
    stray = Value(GRID_TYPE)  # produced by nothing in the graph
    g.nodes[-1].set_input(0, stray)
    with pytest.raises(IRVerifyError, match=r"node 2 \(relu\): reads a value that is not defined"):
        verify(g)


def test_input_defined_later_breaks_topological_order():
    g = _graph()
    relu = g.nodes[-1]
    g.insert_before(g.nodes[0], Node("neg", [relu.output], {}, [GRID_TYPE]))
    with pytest.raises(IRVerifyError, match="not defined before it"):
        verify(g)


def test_wrong_result_type():
    g = _graph()
    g.nodes[1].outputs[0].type = TensorType("float32", (1, 10, 30, 31))
    with pytest.raises(IRVerifyError, match=r"node 1 \(mul\): result types"):
        verify(g)


def test_type_rule_rejects_the_inputs():
    g = _graph()
    g.nodes[2].op = "cast"
    g.nodes[2].attrs = {"to": "complex64"}  # not an IR dtype
    with pytest.raises(IRVerifyError, match=r"node 2 \(cast\): cast: unknown target dtype"):
        verify(g)


def test_output_not_pointing_back_at_its_node():
    g = _graph()
    g.nodes[1].outputs[0].index = 3
    with pytest.raises(IRVerifyError, match="does not point back"):
        verify(g)


def test_missing_output():
    g = _graph()
    g.output = None
    with pytest.raises(IRVerifyError, match="no output"):
        verify(g)


def test_output_not_in_graph():
    g = _graph()
    g.output = Value(GRID_TYPE)
    with pytest.raises(IRVerifyError, match="output is not defined"):
        verify(g)


def test_non_grid_output():
    b = Builder()
    y = b.op("reshape", b.input, shape=(10, 900))
    with pytest.raises(IRVerifyError, match=r"maps f32\[1,10,30,30\] to \[1,10,30,30\] of any dtype, not "
                                            r"f32\[1,10,30,30\] to f32\[10,900\]"):
        b.finish(y)
    b.graph.output = y
    verify(b.graph, grid_output=False)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "uint64", "float16", "float64"])
def test_grid_output_of_any_thresholdable_dtype(dtype):
    """The grader only evaluates `output > 0`: a bool or integer grid output is a NeuroGolf graph."""
    b = Builder()
    verify(b.finish(b.op("cast", b.input, to=dtype)))


def test_non_grid_input():
    b = Builder(TensorType("float32", (1, 10, 30, 30)).with_dtype("float16"))
    b.graph.output = b.op("cast", b.input, to="float32")
    with pytest.raises(IRVerifyError, match="maps"):
        verify(b.graph)
    verify(b.graph, grid_output=False)


def test_unknown_op():
    g = _graph()
    g.nodes[2].op = "frobnicate"
    with pytest.raises(IRVerifyError, match="unknown op 'frobnicate'"):
        verify(g)


@pytest.mark.parametrize(("build", "message"), [
    (lambda b, x: b.op("add", x, b.const(np.ones((3,), np.float32))), "do not broadcast"),
    (lambda b, x: b.op("add", x, b.const(np.ones((30,), np.int64))), "share a dtype"),
    (lambda b, x: b.op("reshape", x, shape=(10, 901)), "cannot view"),
    (lambda b, x: b.op("reshape", x, shape=(-1, 900)), "cannot view"),
    (lambda b, x: b.op("transpose", x, perm=(0, 1, 2)), "not a permutation"),
    (lambda b, x: b.op("matmul", x, b.const(np.ones((31, 2), np.float32))), "inner dimensions"),
    (lambda b, x: b.op("matmul", x, b.const(np.ones((30,), np.float32))), "rank >= 2"),
    (lambda b, x: b.op("slice", x, starts=(5,), ends=(5,), axes=(1,)), "empty result"),
    (lambda b, x: b.op("slice", x, starts=(0,), ends=(5,), axes=(1,), steps=(0,)), "step cannot be 0"),
    (lambda b, x: b.op("slice", x, starts=(0,), ends=(5,), axes=(1,), steps=(-1,)), "empty result"),
    (lambda b, x: b.op("slice", x, starts=(0,), ends=(5,), axes=(4,)), "out of range"),
    (lambda b, x: b.op("pad", x, pads=(0, 0, 1, 1)), "need 8 pads"),
    (lambda b, x: b.op("pad", x, pads=(0, 0, 0, -20, 0, 0, 0, -10)), "leave nothing"),
    (lambda b, x: b.op("concat", x, b.const(np.ones((1, 10, 30, 2), np.float32)), axis=1), "does not fit"),
    (lambda b, x: b.ops("split", x, axis=1, sizes=(5, 4)), "do not cover"),
    (lambda b, x: b.op("gather", x, b.const(np.ones(2, np.float32))), "indices must be"),
    (lambda b, x: b.op("expand", x, shape=(7, 30)), "do not broadcast"),
    (lambda b, x: b.op("where", x, x, x), "condition must be bool"),
    (lambda b, x: b.op("and", x, x), "bool inputs"),
    (lambda b, x: b.op("sqrt", b.op("cast", x, to="int64")), "float inputs"),
    (lambda b, x: b.op("cast", x, to="bfloat16"), "unknown target dtype"),
    (lambda b, x: b.op("reduce_sum", x, axes=()), "at least one axis"),
    (lambda b, x: b.op("reduce_max", x, axes=(4,)), "out of range"),
    (lambda b, x: b.op("softmax", x, axis=5), "out of range"),
    (lambda b, x: b.op("conv2d", x, b.const(np.ones((2, 3, 3, 3), np.float32))), "does not match"),
    (lambda b, x: b.op("conv2d", x, b.const(np.ones((2, 10, 3, 3), np.float32)),
                       b.const(np.ones(1, np.float32))), "bias must be"),
    (lambda b, x: b.op("conv2d", x, b.const(np.ones((2, 10, 31, 3), np.float32))), "empty output"),
    (lambda b, x: b.op("einsum", x, equation="abcd"), "explicit output"),
    (lambda b, x: b.op("einsum", x, equation="abc->a"), "does not match"),
    (lambda b, x: b.op("einsum", x, b.const(np.ones((1, 10, 30, 29), np.float32)), equation="abcd,abcd->a"),
     "sizes"),
    (lambda b, x: b.op("neg", x, x), "takes 1 inputs, got 2"),
    (lambda b, x: b.op("nonexistent", x), "unknown op"),
    (lambda b, x: b.node("constant", [], value=[1, 2]), "'value' should be array"),
    (lambda b, x: b.node("onnx_node", [x], op_type="Foo", node=b"", opset=17, out_types=()), "out_types"),
])
def test_builder_rejects_bad_types(build, message):
    b = Builder()
    with pytest.raises(IRTypeError, match=message):
        build(b, b.input)


def test_a_rejected_node_is_not_appended():
    b = Builder()
    before = len(b.graph.nodes)
    with pytest.raises(IRTypeError):
        b.node("reshape", [b.input], shape=(3,))
    assert len(b.graph.nodes) == before


def test_numbers_take_the_dtype_of_the_non_bool_operand():
    b = Builder()
    cond = b.op("less", b.input, 0)
    assert cond.producer.inputs[1].type == TensorType("float32", ())
    y = b.op("where", cond, 0, b.op("cast", b.input, to="int64"))
    assert y.type.dtype == "int64"
    both = b.op("where", cond, 1.0, -1.0)
    assert both.type.dtype == "float32"
    assert list(np.unique(run(b.finish(b.op("mul", b.input, both)), np.ones(GRID_TYPE.shape)))) == [-1.0]


def test_builder_regions_nest_and_unwind():
    b = Builder()
    with b.region("a"):
        with b.region("b"):
            assert b.current_region == "a/b"
        with pytest.raises(RuntimeError), b.region("c"):
            raise RuntimeError
        assert b.current_region == "a"
    assert b.current_region is None


def test_run_of_a_graph_whose_output_is_its_input():
    b = Builder()
    g = b.finish(b.input)
    x = np.arange(9000, dtype=np.float64).reshape(GRID_TYPE.shape)
    out = run(g, x)
    assert out.dtype == np.float32 and np.array_equal(out, x)


def test_ops_declare_consistent_arity():
    for name in ("add", "where", "concat", "constant", "onnx_node"):
        lo, hi = get_op(name).arity
        assert 0 <= lo <= hi


def test_node_attributes_are_frozen_and_sorted():
    node = Node("slice", [Value(GRID_TYPE)], {"starts": [np.int64(1)], "ends": [2], "axes": [np.int32(3)]},
                [GRID_TYPE])
    assert list(node.attrs) == ["axes", "ends", "starts"]
    assert node.attrs["starts"] == (1,) and type(node.attrs["axes"][0]) is int
    assert hash(node.attr_key())
