"""Each rejection rule of the official scorer, on tiny hand-made models."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh
from onnx_factories import IO, identity, make, relu_neg

from trmgolf.errors import UserError
from trmgolf.scoring.validity import MAX_FILE_BYTES, RULES, scorer_view, validate


def _vi(name, elem=T.FLOAT, shape=(1, 10, 30, 30)):
    return h.make_tensor_value_info(name, elem, list(shape) if shape is not None else None)


def _two_outputs():
    return make(
        [h.make_node("Relu", ["input"], ["output"]), h.make_node("Neg", ["input"], ["o2"])],
        outputs=[_vi("output"), _vi("o2")],
    )


def _function_model():
    m = identity()
    m.functions.append(
        h.make_function(
            "local", "F", ["a"], ["b"], [h.make_node("Relu", ["a"], ["b"])], [h.make_opsetid("", 17)]
        )
    )
    return m


def _foreign_domain():
    m = identity()
    m.opset_import.append(h.make_opsetid("com.microsoft", 1))
    return m


def _if_model():
    branch = h.make_graph([h.make_node("Identity", ["input"], ["y"])], "b", [], [_vi("y")])
    cond = nh.from_array(np.array(True), "cond")
    return make([h.make_node("If", ["cond"], ["output"], then_branch=branch, else_branch=branch)], [cond])


def _big_file():
    w = nh.from_array(np.ones((1, 10, 30, 30 * 45), np.float32)[..., :1300], "w")  # 1.5 MB
    return make([h.make_node("Identity", ["input"], ["output"])], [w])


def _sparse_initializer():
    vals = nh.from_array(np.array([1.0, 2.0, 3.0], np.float32), "sp")
    idx = nh.from_array(np.array([0, 4, 9], np.int64), "")
    sp = h.make_sparse_tensor(vals, idx, [1, 10, 1, 1])
    return make([h.make_node("Mul", ["input", "sp"], ["output"])], sparse_initializer=[sp])


def _bf16_add():
    return make(
        [
            h.make_node("Cast", ["input"], ["b"], to=T.BFLOAT16),
            h.make_node("Add", ["b", "b"], ["c"]),
            h.make_node("Cast", ["c"], ["output"], to=T.FLOAT),
        ]
    )


def _banned(op: str):
    return make([h.make_node(op, ["input"], ["t"]), h.make_node("Relu", ["input"], ["output"])])


CASES = {
    "file_size": (_big_file, "file_size"),
    "parse": (lambda: b"\xff\xff\xff\xff not onnx", "parse"),
    "node_outputs": (
        lambda: make([h.make_node("Relu", ["input"], []), h.make_node("Relu", ["input"], ["output"])]),
        "node_outputs",
    ),
    "kernel_time": (
        lambda: make(
            [
                h.make_node("Relu", ["input"], ["x_kernel_time"]),
                h.make_node("Neg", ["x_kernel_time"], ["output"]),
            ]
        ),
        "kernel_time",
    ),
    "loop": (lambda: _banned("Loop"), "banned_op"),
    "scan": (lambda: _banned("Scan"), "banned_op"),
    "nonzero": (lambda: _banned("NonZero"), "banned_op"),
    "unique": (lambda: _banned("Unique"), "banned_op"),
    "script": (lambda: _banned("Script"), "banned_op"),
    "function": (lambda: _banned("Function"), "banned_op"),
    "compress": (lambda: _banned("Compress"), "banned_op"),
    "lowercase_compress": (lambda: _banned("compress"), "banned_op"),
    "sequence_op": (lambda: _banned("SequenceEmpty"), "banned_op"),
    "functions": (_function_model, "functions"),
    "domain": (_foreign_domain, "domain"),
    "subgraph": (_if_model, "subgraph"),
    "two_outputs": (_two_outputs, "io_count"),
    "two_inputs": (
        lambda: make([h.make_node("Add", ["input", "b"], ["output"])], inputs=[_vi("input"), _vi("b")]),
        "io_count",
    ),
    "init_named_input": (
        lambda: make(
            [h.make_node("Relu", ["input"], ["output"])],
            [nh.from_array(np.zeros(IO, np.float32), "input")],
        ),
        "initializer_io_name",
    ),
    "checker": (lambda: make([h.make_node("Add", ["input", "nope"], ["output"])]), "checker"),
    "shape_mismatch": (
        lambda: make(
            [h.make_node("Relu", ["input"], ["r"]), h.make_node("Neg", ["r"], ["output"])],
            value_info=[_vi("r", shape=(1, 10, 30, 31))],
        ),
        "checker",
    ),
    "duplicate_value_info": (
        lambda: make(
            [h.make_node("Relu", ["input"], ["r"]), h.make_node("Neg", ["r"], ["output"])],
            value_info=[_vi("r"), _vi("r")],
        ),
        "duplicate_value_info",
    ),
    "value_info_for_output": (
        lambda: make([h.make_node("Relu", ["input"], ["output"])], value_info=[_vi("output")]),
        "duplicate_value_info",
    ),
    "stale_sequence": (
        lambda: make(
            [h.make_node("Relu", ["input"], ["output"])],
            value_info=[h.make_tensor_sequence_value_info("s", T.FLOAT, [2])],
        ),
        "sequence_type",
    ),
    "symbolic_input": (
        lambda: make(
            [h.make_node("Relu", ["input"], ["output"])], inputs=[_vi("input", shape=("N", 10, 30, 30))]
        ),
        "static_shape",
    ),
    "stale_symbolic": (
        lambda: make([h.make_node("Relu", ["input"], ["output"])], value_info=[_vi("z", shape=["N"])]),
        "static_shape",
    ),
    "stale_no_shape": (
        lambda: make([h.make_node("Relu", ["input"], ["output"])], value_info=[_vi("z", shape=None)]),
        "static_shape",
    ),
    "zero_dim_initializer": (
        lambda: make(
            [h.make_node("Relu", ["input"], ["output"])], [nh.from_array(np.zeros((0,), np.float32), "e")]
        ),
        "param_dims",
    ),
    "input_not_named_input": (
        lambda: make([h.make_node("Relu", ["x"], ["output"])], inputs=[_vi("x")]),
        "io_signature",
    ),
    "output_bf16": (  # numpy has no bfloat16: the scorer's `output > 0.0` cannot run
        lambda: make(
            [h.make_node("Cast", ["input"], ["output"], to=T.BFLOAT16)], outputs=[_vi("output", T.BFLOAT16)]
        ),
        "io_signature",
    ),
    "input_fp16": (  # the scorer feeds float32: onnxruntime refuses it for a float16 input
        lambda: make(
            [h.make_node("Cast", ["input"], ["output"], to=T.FLOAT)],
            inputs=[_vi("input", T.FLOAT16)],
        ),
        "io_signature",
    ),
    "input_wrong_shape": (
        lambda: make(
            [h.make_node("Pad", ["input", "p"], ["output"])],
            [nh.from_array(np.array([0, 0, 0, 0, 0, 0, 1, 1], np.int64), "p")],
            inputs=[_vi("input", shape=(1, 10, 29, 29))],
        ),
        "io_signature",
    ),
    "sparse_initializer": (_sparse_initializer, "checker"),
    "bf16_no_kernel": (_bf16_add, "ort_load"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rejection_rule(case):
    factory, rule = CASES[case]
    v = validate(factory())
    assert not v.valid
    assert v.rule == rule, v
    assert v.reason and "\n" not in v.reason
    assert v.line().startswith(rule + ": ")


def test_every_rule_reachable_is_tested():
    tested = {rule for _, rule in CASES.values()}
    # shape_inference: check_model(full_check=True) already runs strict inference first;
    # untyped_tensor: no standard op leaves a typed-checker-passing output untyped (unit-tested).
    assert set(RULES) - tested == {"shape_inference", "untyped_tensor"}


def test_untyped_tensor_rule_on_inferred_graph():
    from trmgolf.scoring.validity import _tensors

    g = h.make_graph([h.make_node("Foo", ["input"], ["t"])], "g", [_vi("input")], [_vi("output")])
    assert _tensors(g).rule == "untyped_tensor"
    g.value_info.append(
        h.make_value_info("t", h.make_optional_type_proto(h.make_tensor_type_proto(T.FLOAT, [2])))
    )
    assert _tensors(g).rule == "untyped_tensor"


def test_file_size_limit_is_exact():
    assert MAX_FILE_BYTES == 1.44 * 1024 * 1024
    assert len(_big_file().SerializeToString()) > MAX_FILE_BYTES


def test_valid_models():
    assert validate(identity()).valid
    assert validate(relu_neg()).valid


def test_duplicate_node_names_are_valid_because_the_scorer_renames():
    m = relu_neg()
    for node in m.graph.node:
        node.name = "dup"
    with pytest.raises(Exception, match="same node name"):
        ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    assert validate(m).valid


def test_stale_optional_value_info_is_skipped_like_the_scorer():
    opt = h.make_value_info("z", h.make_optional_type_proto(h.make_tensor_type_proto(T.FLOAT, [2])))
    assert validate(make([h.make_node("Relu", ["input"], ["output"])], value_info=[opt])).valid


def test_kernel_time_in_any_tensor_name():
    w = nh.from_array(np.ones((1,), np.float32), "w_kernel_time")
    v = validate(make([h.make_node("Add", ["input", "w_kernel_time"], ["output"])], [w]))
    assert v.rule == "kernel_time"


def test_scorer_view_renaming_order():
    w1 = nh.from_array(np.ones((1,), np.float32), "w1")
    w2 = nh.from_array(np.ones((1,), np.float32), "w2")
    m = make(
        [
            h.make_node("Add", ["input", "w2"], ["a"], name="first"),
            h.make_node("Mul", ["a", "w1"], ["output"], name="second"),
        ],
        [w1, w2],
        value_info=[_vi("a"), _vi("ghost", shape=(2,))],
    )
    v = scorer_view(m)
    assert [i.name for i in v.graph.initializer] == ["safe_name_0", "safe_name_1"]
    assert list(v.graph.node[0].input) == ["input", "safe_name_1"]
    assert list(v.graph.node[0].output) == ["safe_name_2"]
    assert [n.name for n in v.graph.node] == ["safe_name_2", "output"]
    assert [vi.name for vi in v.graph.value_info] == ["safe_name_2", "safe_name_3"]
    assert m.graph.node[0].name == "first"  # the original is untouched


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not found"):
        validate(tmp_path / "nope.onnx")


def test_path_and_bytes_inputs(tmp_path):
    p = tmp_path / "m.onnx"
    onnx.save(identity(), p)
    assert validate(p).valid and validate(str(p)).valid and validate(p.read_bytes()).valid
