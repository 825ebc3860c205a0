"""Official and legacy cost on hand-made models; every expected number is worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh
from onnx_factories import color_map, identity, make, relu_neg

from trmgolf.scoring.cost import points
from trmgolf.scoring.official import count_params, measure
from trmgolf.scoring.profile import runtime_bytes

F32 = 9000 * 4  # a float [1,10,30,30] tensor


def _cost(model, **kw):
    v, c = measure(model, **kw)
    assert v.valid, v
    return c


def test_points_formula():
    assert points(0) == 25.0
    assert points(1) == 25.0
    assert points(math.exp(5)) == pytest.approx(20.0)
    assert points(math.exp(30)) == 1.0


def test_identity_is_free():
    c = _cost(identity())
    assert (c.memory, c.params) == (0, 0)
    assert c.points() == 25.0


def test_one_float_intermediate():
    c = _cost(relu_neg())
    assert (c.memory, c.params) == (F32, 0)
    [t] = c.tensors
    assert (t.name, t.op_type, t.dtype, t.shape, t.bytes) == ("r", "Relu", "float", (1, 10, 30, 30), F32)


def test_fp16_int64_bool_intermediates():
    half = nh.from_array(np.array(0.5, np.float32), "half")  # scalar: 1 param
    zero = nh.from_array(np.zeros((1,), np.float32), "zero")  # 1 param
    m = make(
        [
            h.make_node("Cast", ["input"], ["h16"], to=T.FLOAT16),  # 9000 x 2
            h.make_node("Cast", ["h16"], ["f"], to=T.FLOAT),  # 9000 x 4
            h.make_node("Greater", ["f", "half"], ["mask"]),  # bool 9000 x 1
            h.make_node("ArgMax", ["f"], ["am"], axis=1, keepdims=1),  # int64 900 x 8
            h.make_node("Where", ["mask", "input", "zero"], ["output"]),
        ],
        [half, zero],
    )
    c = _cost(m)
    assert c.params == 2
    assert c.memory == 18000 + 36000 + 9000 + 7200
    dtypes = {t.name: (t.dtype, t.bytes) for t in c.tensors}
    assert dtypes == {
        "h16": ("float16", 18000),
        "f": ("float", 36000),
        "mask": ("bool", 9000),
        "am": ("int64", 7200),
    }


def test_constant_nodes_cost_params_and_memory():
    m = make(
        [
            h.make_node("Constant", [], ["c"], value=nh.from_array(np.ones((1, 10, 1, 1), np.float32))),
            h.make_node("Constant", [], ["s"], value_float=2.0),
            h.make_node("Constant", [], ["vi"], value_ints=[1, 2, 3]),
            h.make_node("Constant", [], ["vf"], value_floats=[1.0, 2.0]),
            h.make_node("Constant", [], ["i1"], value_int=5),
            h.make_node("Mul", ["input", "c"], ["m"]),
            h.make_node("Mul", ["m", "s"], ["output"]),
        ]
    )
    c = _cost(m)
    # value: 10, value_ints: 3, value_floats: 2; the scorer does not count value_float/value_int.
    assert c.params == 10 + 3 + 2
    # outputs: c 40 B, s 4 B, vi int64[3] 24 B, vf float[2] 8 B, i1 int64 scalar 8 B, m 36000 B
    assert c.memory == 40 + 4 + 24 + 8 + 8 + F32
    assert {p.name: p.count for p in c.param_items} == {"c": 10, "s": 0, "vi": 3, "vf": 2, "i1": 0}


def test_scalar_and_dtype_irrelevant_params():
    m = make(
        [h.make_node("Add", ["input", "s"], ["output"])],
        [nh.from_array(np.array(1.0, np.float32), "s"), nh.from_array(np.zeros((2, 3), np.int64), "unused")],
    )
    c = _cost(m)
    assert c.params == 1 + 6
    assert c.memory == 0


def test_stale_value_info_costs_its_declared_size():
    w = nh.from_array(np.ones((3,), np.float32), "w")
    m = make(
        [h.make_node("Relu", ["input"], ["r"]), h.make_node("Identity", ["r"], ["output"])],
        [w],
        value_info=[
            h.make_tensor_value_info("ghost", T.FLOAT16, [3, 4]),  # produced by no node: 24 B
            h.make_tensor_value_info("w", T.FLOAT, [3]),  # value_info of an initializer: 12 B
        ],
    )
    c = _cost(m)
    assert c.memory == F32 + 24 + 12
    assert c.params == 3
    ghost = next(t for t in c.tensors if t.name == "ghost")
    assert (ghost.op_type, ghost.region) == ("value_info", "(graph)")


def test_stale_optional_value_info_costs_nothing():
    opt = h.make_value_info("z", h.make_optional_type_proto(h.make_tensor_type_proto(T.FLOAT, [2])))
    c = _cost(make([h.make_node("Relu", ["input"], ["output"])], value_info=[opt]))
    assert c.memory == 0


def test_duplicate_node_names():
    m = relu_neg()
    for node in m.graph.node:
        node.name = "dup"
    c = _cost(m)
    assert (c.memory, c.params) == (F32, 0)


def test_runtime_shape_raises_the_static_one():
    # r is declared [1,1,1,1] (4 B) but Reshape(input, Shape(input)) really makes 36000 B.
    m = make(
        [
            h.make_node("Shape", ["input"], ["s"]),  # int64 [4]: 32 B
            h.make_node("Reshape", ["input", "s"], ["r"]),
            h.make_node("ReduceSum", ["r"], ["q"], keepdims=1),  # [1,1,1,1]: 4 B
            h.make_node("Add", ["input", "q"], ["output"]),
        ],
        value_info=[h.make_tensor_value_info("r", T.FLOAT, [1, 1, 1, 1])],
    )
    c = _cost(m)
    assert c.memory == F32 + 32 + 4
    r = next(t for t in c.tensors if t.name == "r")
    assert (r.static_bytes, r.bytes) == (4, F32)


def test_runtime_bytes_reads_trace_like_the_scorer():
    events = [
        {"cat": "Node", "name": "a_kernel_time", "args": {"output_type_shape": [{"float": [2, 3]}]}},
        {"cat": "Node", "name": "a_kernel_time", "args": {"output_type_shape": [{"float": [4, 3]}]}},
        {
            "cat": "Node",
            "name": "b_kernel_time",
            "args": {"output_type_shape": [{"float16": []}, {"int64": [5]}]},
        },
        {"cat": "Node", "name": "unknown_kernel_time", "args": {"output_type_shape": [{"float": [99]}]}},
        {"cat": "Node", "name": "a_fence_before", "args": {}},
    ]
    seen = runtime_bytes(events, {"a": ["a"], "b": ["b", "b2"]}, {"a": 4, "b": 2, "b2": 8})
    assert seen == {"a": 48, "b": 2, "b2": 40}


def test_count_params_sparse_initializer():
    vals = nh.from_array(np.array([1.0, 2.0, 3.0], np.float32), "sp")
    idx = nh.from_array(np.array([0, 4, 9], np.int64), "")
    m = make(
        [h.make_node("Relu", ["input"], ["output"])],
        sparse_initializer=[h.make_sparse_tensor(vals, idx, [1, 10, 1, 1])],
    )
    assert [(p.kind, p.count) for p in count_params(m)] == [("sparse_initializer", 3)]


def test_regions_from_doc_string_and_prefix():
    m = make(
        [
            h.make_node("Relu", ["input"], ["a"], name="step0/block1/relu", doc_string="region=s0/b1"),
            h.make_node("Neg", ["a"], ["b"], name="step1/block0/neg"),
            h.make_node("Identity", ["b"], ["output"], name="step1/block0/id"),
        ]
    )
    c = _cost(m, region_prefix=1)
    assert {t.name: t.region for t in c.tensors} == {"a": "s0/b1", "b": "step1"}
    c = _cost(m)
    assert {t.name: t.region for t in c.tensors} == {"a": "s0/b1", "b": "(none)"}


def test_legacy_macs():
    assert _cost(color_map({1: 2}), cost_model="legacy").macs == 9000 * 10  # 1x1 conv, 10 in-ch
    c = _cost(relu_neg(), cost_model="legacy")
    assert c.macs == 9000  # Relu: one per output element; Identity: 0
    assert c.total("legacy") == 9000 + F32
    w = nh.from_array(np.ones((30, 30), np.float32), "w")
    m = make([h.make_node("MatMul", ["input", "w"], ["output"])], [w])
    assert _cost(m, cost_model="legacy").macs == 9000 * 30
    e = make([h.make_node("Einsum", ["input", "w"], ["output"], equation="bchw,wv->bchv")], [w])
    assert _cost(e, cost_model="legacy").macs == 10 * 30 * 30 * 30
    k = nh.from_array(np.ones((10, 10, 3, 3), np.float32), "k")
    conv = make([h.make_node("Conv", ["input", "k"], ["output"], pads=[1, 1, 1, 1])], [k])
    assert _cost(conv, cost_model="legacy").macs == 9000 * 10 * 9
    assert _cost(conv).macs is None


def test_invalid_model_has_no_cost():
    v, c = measure(
        make([h.make_node("NonZero", ["input"], ["z"]), h.make_node("Relu", ["input"], ["output"])])
    )
    assert not v.valid and c is None


def test_legacy_macs_of_recurrent_ops():
    from trmgolf.scoring.legacy_macs import node_macs

    shapes = {"x": (1, 916, 64), "w": (1, 256, 64), "r": (1, 256, 256)}
    for op, gates in (("RNN", 1), ("GRU", 3), ("LSTM", 4)):
        node = h.make_node(op, ["x", "w", "r"], ["", "y"], hidden_size=256)
        assert node_macs(node, shapes) == 916 * gates * 256 * (64 + 256)
    both = h.make_node("RNN", ["x", "w", "r"], ["y"], hidden_size=256, direction="bidirectional")
    assert node_macs(both, shapes) == 2 * 916 * 256 * (64 + 256)
