"""The importer: foreign ops, Constant nodes, what it refuses, and round trips."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from emit_support import assert_same, check_emitted, ort_run
from onnx import TensorProto as T
from onnx import helper as h

from trmgolf.compiler.emit import emit
from trmgolf.compiler.importer import import_file, import_model, load_model
from trmgolf.errors import UserError
from trmgolf.ir import GRID_TYPE, print_graph, run

GRID = list(GRID_TYPE.shape)
X = np.random.default_rng(2).normal(size=GRID_TYPE.shape).astype(np.float32)
XI = np.round(X)  # whole numbers, so comparisons tie


def _model(nodes, inits=(), opset=17, in_shape=GRID):
    graph = h.make_graph(nodes, "m", [h.make_tensor_value_info("input", T.FLOAT, in_shape)],
                         [h.make_tensor_value_info("output", T.FLOAT, GRID)], initializer=list(inits))
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], ir_version=10)


def _foreign_model():
    """isnan(input) as a float mask: IsNaN has no IR op, so it is carried as an onnx_node."""
    return _model(
        [h.make_node("IsNaN", ["input"], ["le"]),
         h.make_node("Cast", ["le"], ["output"], to=T.FLOAT)],
        [])


def test_unknown_op_imports_as_onnx_node_and_runs():
    model = _foreign_model()
    onnx.checker.check_model(model, full_check=True)
    graph = import_model(model)
    ops = [n.op for n in graph.nodes if n.op != "constant"]
    assert ops == ["onnx_node", "cast"]
    node = graph.nodes[0]
    assert node.attrs["op_type"] == "IsNaN" and node.attrs["opset"] == 17
    assert node.output.type == GRID_TYPE.with_dtype("bool")
    assert_same(run(graph, XI), ort_run(model, XI), "interpreter vs ORT")
    emitted = check_emitted(graph, XI, "opset17")
    assert [n.op_type for n in emitted.model.graph.node] == ["IsNaN", "Cast"]
    assert_same(ort_run(emitted.model, XI), ort_run(model, XI), "re-emitted vs original")
    assert print_graph(import_model(emitted.model)) == print_graph(graph)


def test_foreign_node_keeps_omitted_optional_inputs_in_place():
    """Clip(x, "", max): the max must stay the third input (it used to become the min)."""
    model = _model([h.make_node("Clip", ["input", "", "top"], ["output"])],
                   [h.make_tensor("top", T.FLOAT, [], [0.25])])
    graph = import_model(model)
    assert_same(run(graph, X), ort_run(model, X), "interpreter vs ORT")
    emitted = check_emitted(graph, X, "opset17")
    (clip,) = emitted.model.graph.node
    assert list(clip.input)[:2] == ["input", ""]
    assert_same(ort_run(emitted.model, X), ort_run(model, X))


def test_constant_nodes_become_constants():
    model = _model([
        h.make_node("Constant", [], ["two"], value_float=2.0),
        h.make_node("Constant", [], ["bias"], value=h.make_tensor("b", T.FLOAT, [1, 10, 1, 1],
                                                                   list(range(10)))),
        h.make_node("Constant", [], ["shape"], value_ints=[1, 9000]),
        h.make_node("Mul", ["input", "two"], ["m"]),
        h.make_node("Add", ["m", "bias"], ["a"]),
        h.make_node("Reshape", ["a", "shape"], ["flat"]),
        h.make_node("Reshape", ["flat", "grid"], ["output"]),
    ], [h.make_tensor("grid", T.INT64, [4], GRID)])
    graph = import_model(model)
    text = print_graph(graph)
    assert "%c0 = constant 2.0 : f32[]" in text
    assert [n.op for n in graph.nodes] == ["constant", "constant", "mul", "add", "reshape", "reshape"]
    assert "shape=[1,9000]" in text and "shape=[1,10,30,30]" in text  # shapes read into attributes
    assert_same(run(graph, X), ort_run(model, X))
    check_emitted(graph, X)


def test_known_ops_map_to_ir_ops():
    model = _model([
        h.make_node("Flatten", ["input"], ["f"], axis=2),
        h.make_node("Gemm", ["f", "w"], ["g"]),
        h.make_node("Unsqueeze", ["g", "ax"], ["u"]),
        h.make_node("Squeeze", ["u", "ax"], ["s"]),
        h.make_node("ReduceMax", ["s"], ["r"], axes=[1], keepdims=1),
        h.make_node("Reshape", ["r", "r4"], ["r2"]),
        h.make_node("Expand", ["r2", "grid"], ["output"]),
    ], [h.make_tensor("w", T.FLOAT, [900, 3], np.linspace(-1, 1, 2700)),
        h.make_tensor("ax", T.INT64, [1], [0]), h.make_tensor("grid", T.INT64, [4], GRID),
        h.make_tensor("r4", T.INT64, [4], [1, 10, 1, 1])])
    onnx.checker.check_model(model, full_check=True)
    graph = import_model(model)
    assert [n.op for n in graph.nodes if n.op != "constant"] == [
        "reshape", "matmul", "reshape", "reshape", "reduce_max", "reshape", "expand"]
    assert len(graph.constants()) == 1  # only the weight; shapes and axes became attributes
    assert_same(run(graph, X), ort_run(model, X))
    check_emitted(graph, X)


def test_symbolic_dim_is_a_user_error():
    with pytest.raises(UserError, match="no static tensor type"):
        import_model(_model([h.make_node("Relu", ["input"], ["output"])], in_shape=["N", 10, 30, 30]))


def test_two_outputs_is_a_user_error():
    model = _model([h.make_node("Relu", ["input"], ["output"]), h.make_node("Neg", ["input"], ["o2"])])
    model.graph.output.append(h.make_tensor_value_info("o2", T.FLOAT, GRID))
    with pytest.raises(UserError, match="one input and one output"):
        import_model(model)


def test_corrupt_and_missing_files_are_user_errors(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage that is not a protobuf \xff\xfe")
    with pytest.raises(UserError, match="not a readable ONNX model"):
        load_model(bad)
    with pytest.raises(UserError, match="file not found"):
        load_model(tmp_path / "missing.onnx")
    good = tmp_path / "good.onnx"
    onnx.save(_foreign_model(), str(good))
    assert print_graph(import_file(good)) == print_graph(import_model(_foreign_model()))


def test_emit_import_round_trip_of_a_foreign_model_is_stable():
    once = emit(import_model(_foreign_model()), "opset17").to_bytes()
    twice = emit(import_model(onnx.load_from_string(once)), "opset17").to_bytes()
    assert once == twice


def test_slice_reads_the_int32_indices_a_carried_node_keeps():
    """A hand-written network's int32 Slice indices, read also by a carried node (a Slice whose
    end is computed), are emitted once: the modelled Slice picks int32 indices and shares
    them instead of adding int64 copies (public task109 and task259 re-emitted 3 params over)."""
    i32 = [h.make_tensor("zero", T.INT32, [1], [0]), h.make_tensor("one", T.INT32, [1], [1])]
    nodes = [
        h.make_node("Slice", ["input", "zero", "one", "one"], ["first"]),
        h.make_node("ReduceMax", ["input"], ["top"], axes=[1, 2, 3], keepdims=0),
        h.make_node("Cast", ["top"], ["end"], to=T.INT32),
        h.make_node("Slice", ["input", "zero", "end", "one"], ["computed"]),
        h.make_node("Add", ["first", "computed"], ["both"]),
        h.make_node("Add", ["input", "both"], ["output"]),
    ]
    model = _model(nodes, i32)
    model.graph.value_info.append(h.make_tensor_value_info("computed", T.FLOAT, [1, 1, 30, 30]))
    onehot = np.eye(10, dtype=np.float32)[np.random.default_rng(3).integers(0, 10, (30, 30))]
    grid = onehot.transpose(2, 0, 1)[None]
    graph = import_model(model)
    assert [n.op for n in graph.nodes if n.op not in ("constant", "add")][:1] == ["slice"]
    emitted = check_emitted(graph, grid, "opset17")
    assert_same(ort_run(emitted.model, grid), ort_run(model, grid), "re-emitted vs original")
    assert sorted((t.name, t.data_type) for t in emitted.model.graph.initializer) == [
        ("one", T.INT32), ("zero", T.INT32)]
