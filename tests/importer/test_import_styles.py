"""Networks trmgolf did not write: hand-built in the styles of public NeuroGolf submissions,
one or a few ONNX ops each. Every one must import (each op modelled in the IR or carried as
``onnx_node``), re-emit as a valid network, answer exactly as the original on one-hot grids
(thresholded, as the grader compares), and ``optimize`` must never return a costlier one.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

from trmgolf.compiler.importer import import_model
from trmgolf.compiler.optimize import optimize_model, reemit
from trmgolf.scoring.answers import run_examples
from trmgolf.scoring.validity import validate
from trmgolf.tasks import Example, Task, grid_to_onehot

GRID = [1, 10, 30, 30]
RNG = np.random.default_rng(11)
PERM = np.array([0, 2, 1, 4, 3, 6, 5, 8, 7, 9])


def i64(*values) -> np.ndarray:
    return np.asarray(values, np.int64)


def net(nodes, inits: dict[str, np.ndarray] | None = None, *, out=T.FLOAT, opset=17,
        value_info=()) -> onnx.ModelProto:
    graph = h.make_graph(nodes, "style", [h.make_tensor_value_info("input", T.FLOAT, GRID)],
                         [h.make_tensor_value_info("output", out, GRID)],
                         initializer=[nh.from_array(v, k) for k, v in (inits or {}).items()],
                         value_info=list(value_info))
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], ir_version=10)


def n(op, ins, outs, **attrs):
    return h.make_node(op, ins, outs if isinstance(outs, list) else [outs], **attrs)


def perm_matrix() -> np.ndarray:
    return np.eye(10, dtype=np.float32)[PERM]


def centre_conv() -> np.ndarray:
    w = np.zeros((10, 10, 3, 3), np.float32)
    w[np.arange(10), PERM, 1, 1] = 1
    return w


STYLES: dict[str, onnx.ModelProto] = {
    # the three wasteful networks of the issue
    "matmul_permutation": net(
        [n("Reshape", ["input", "flat_shape"], "flat"), n("Transpose", ["flat"], "cols", perm=[1, 0]),
         n("MatMul", ["cols", "p1"], "m1"), n("Add", ["m1", "zero"], "a1"),
         n("MatMul", ["a1", "eye"], "m2"), n("Add", ["m2", "zero"], "a2"),
         n("Transpose", ["a2"], "rows", perm=[1, 0]), n("Reshape", ["rows", "grid"], "output")],
        {"flat_shape": i64(10, 900), "p1": perm_matrix().T.copy(), "eye": np.eye(10, dtype=np.float32),
         "zero": np.zeros(10, np.float32), "grid": i64(*GRID)}),
    "conv_centre_relu": net(
        [n("Conv", ["input", "w", "b"], "c", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
         n("Relu", ["c"], "output")], {"w": centre_conv(), "b": np.zeros(10, np.float32)}),
    "float64_float16_round_trip": net(
        [n("Transpose", ["input"], "t", perm=[0, 1, 3, 2]), n("Cast", ["t"], "d", to=T.DOUBLE),
         n("Mul", ["d", "two"], "d2"), n("Cast", ["d2"], "hf", to=T.FLOAT16),
         n("Cast", ["hf"], "f", to=T.FLOAT), n("Greater", ["f", "zero"], "g"),
         n("Cast", ["g"], "output", to=T.FLOAT)],
        {"two": np.asarray(2.0), "zero": np.asarray(0.0, np.float32)}),
    # public-submission idioms
    "gather_channels_bool": net(
        [n("Gather", ["input", "perm"], "g", axis=1), n("Cast", ["g"], "output", to=T.BOOL)],
        {"perm": PERM.astype(np.int64)}, out=T.BOOL),
    "label_equal_arange": net(
        [n("ArgMax", ["input"], "label", axis=1, keepdims=1), n("ReduceMax", ["input"], "any", axes=[1]),
         n("Gather", ["perm", "label"], "mapped", axis=0), n("Equal", ["mapped", "arange"], "eq"),
         n("Cast", ["any"], "anyb", to=T.BOOL), n("And", ["eq", "anyb"], "output")],
        {"perm": PERM.astype(np.int64), "arange": np.arange(10, dtype=np.int64).reshape(1, 10, 1, 1)},
        out=T.BOOL),
    "where_paint_uint8": net(
        [n("Cast", ["input"], "u", to=T.UINT8), n("Slice", ["u", "s0", "s1", "ax"], "blue"),
         n("Cast", ["blue"], "isblue", to=T.BOOL), n("Where", ["isblue", "red", "u"], "output")],
        {"s0": i64(1), "s1": i64(2), "ax": i64(1),
         "red": (np.arange(10) == 2).astype(np.uint8).reshape(1, 10, 1, 1)}, out=T.UINT8),
    "flip_negative_steps": net(
        [n("Slice", ["input", "st", "en", "ax", "sp"], "f"), n("Pad", ["f", "pads"], "output")],
        {"st": i64(-1, -1), "en": i64(-1000, -1000), "ax": i64(2, 3), "sp": i64(-1, -1),
         "pads": i64(0, 0, 0, 0, 0, 0, 0, 0)}),
    "negative_pads_crop_and_pad": net(
        [n("Pad", ["input", "crop"], "c"), n("Pad", ["c", "grow", "val"], "output")],
        {"crop": i64(0, 0, -1, 0, 0, 0, 0, -2), "grow": i64(0, 0, 0, 2, 0, 0, 1, 0),
         "val": np.asarray(0.0, np.float32)}),
    "pad_axes_opset18": net(
        [n("Slice", ["input", "z", "e"], "s"), n("Pad", ["s", "p", "", "ax"], "output")],
        {"z": i64(0, 0, 0, 0), "e": i64(1, 10, 10, 10), "p": i64(0, 0, 20, 20), "ax": i64(2, 3)}, opset=18),
    "grouped_dilated_conv_clip": net(
        [n("Conv", ["input", "w"], "c", group=2, dilations=[2, 1], pads=[2, 0, 2, 2], kernel_shape=[3, 3]),
         n("Clip", ["c", "lo", "hi"], "cl"), n("Slice", ["cl", "z", "e", "ax"], "output")],
        {"w": RNG.integers(-1, 2, size=(10, 5, 3, 3)).astype(np.float32), "lo": np.asarray(0.0, np.float32),
         "hi": np.asarray(1.0, np.float32), "z": i64(0), "e": i64(30), "ax": i64(3)}),
    "rounding_and_sign": net(
        [n("Mul", ["input", "half"], "x"), n("Floor", ["x"], "fl"), n("Ceil", ["x"], "ce"),
         n("Round", ["x"], "ro"), n("Sub", ["ce", "fl"], "d"), n("Add", ["d", "ro"], "s"),
         n("Neg", ["s"], "ng"), n("Abs", ["ng"], "ab"), n("Sign", ["ab"], "output")],
        {"half": np.asarray(0.5, np.float32)}),
    "integer_mod_and_compare": net(
        [n("ArgMax", ["input"], "lab", axis=1), n("Add", ["lab", "one"], "l1"),
         n("Mod", ["l1", "three"], "m"),
         n("GreaterOrEqual", ["m", "one"], "ge"), n("LessOrEqual", ["m", "one"], "le"),
         n("Xor", ["ge", "le"], "x"), n("Not", ["x"], "nx"), n("Less", ["m", "three"], "lt"),
         n("And", ["nx", "lt"], "nl"), n("Or", ["nl", "ge"], "o"),
         n("Cast", ["o"], "of", to=T.FLOAT), n("Mul", ["input", "of"], "output")],
        {"one": i64(1), "three": i64(3)}),
    "min_max_variadic": net(
        [n("Max", ["input", "z", "input"], "mx"), n("Min", ["mx", "one"], "mn"), n("Min", ["mn"], "output")],
        {"z": np.zeros((1, 10, 1, 1), np.float32), "one": np.asarray(1.0, np.float32)}),
    "every_reduce": net(
        [n(op, ["input"], f"r{k}", axes=[2, 3], keepdims=1) for k, op in enumerate(
            ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
             "ReduceSumSquare"])]
        + [n("ReduceSum", ["input", "ax23"], "rs"), n("ReduceLogSumExp", ["input"], "lse", axes=[1]),
           n("ReduceLogSum", ["rs"], "ls", axes=[1])]
        + [n("Sum", [f"r{k}" for k in range(7)] + ["rs", "lse", "ls"], "total"),
           n("Mul", ["input", "total"], "output")],
        {"ax23": i64(2, 3)}),
    "einsum_expand_tile": net(
        [n("Einsum", ["input", "pm"], "e", equation="nchw,cd->ndhw"),
         n("Slice", ["e", "z", "e1", "ax"], "row"),
         n("Tile", ["row", "reps"], "t"), n("Expand", ["t", "shp"], "ex"), n("Mul", ["e", "ex"], "output")],
        {"pm": perm_matrix().T.copy(), "z": i64(0), "e1": i64(1), "ax": i64(2), "reps": i64(1, 1, 30, 1),
         "shp": i64(1, 10, 30, 30)}),
    "shape_size_constantofshape_range": net(
        [n("Shape", ["input"], "shp", start=1, end=2), n("Size", ["input"], "sz"),
         n("ConstantOfShape", ["cshape"], "ones0", value=h.make_tensor("v", T.FLOAT, [1], [1.0])),
         n("Cast", ["shp"], "shpf", to=T.FLOAT), n("Mul", ["ones0", "shpf"], "ones"),
         n("Range", ["z", "ten", "one"], "rg"), n("Cast", ["rg"], "rgf", to=T.FLOAT),
         n("Reshape", ["rgf", "col"], "rgc"), n("Cast", ["sz"], "szf", to=T.FLOAT),
         n("Mul", ["ones", "szf"], "big"), n("Mul", ["input", "big"], "x"), n("Mul", ["x", "rgc"], "output")],
        {"z": np.asarray(0, np.int64), "ten": np.asarray(10, np.int64), "one": np.asarray(1, np.int64),
         "col": i64(1, 10, 1, 1), "cshape": i64(1, 10, 1, 1)}),
    "cumsum_topk_trilu": net(
        [n("CumSum", ["input", "ax"], "cs"), n("Trilu", ["cs"], "tr", upper=1),
         n("TopK", ["input", "k"], ["tv", "ti"], axis=1), n("ReduceSum", ["tv", "ax1"], "tvs"),
         n("Mul", ["tr", "tvs"], "output")],
        {"ax": np.asarray(3, np.int64), "k": i64(2), "ax1": i64(1)}),
    "gather_scatter_family": net(
        [n("ArgMax", ["input"], "lab", axis=1), n("GatherElements", ["input", "lab"], "ge", axis=1),
         n("GatherND", ["input", "nd"], "gnd", batch_dims=0), n("ScatterND", ["input", "snd", "upd"], "sc"),
         n("ScatterElements", ["sc", "lab", "ge"], "se", axis=1), n("Mul", ["se", "gnd"], "output")],
        {"nd": i64(0, 3).reshape(1, 2), "snd": i64(0, 0).reshape(1, 2),
         "upd": np.zeros((1, 30, 30), np.float32)}),
    "onehot_castlike_bitshift": net(
        [n("ArgMax", ["input"], "lab", axis=1, keepdims=0), n("Cast", ["lab"], "u", to=T.UINT8),
         n("BitShift", ["u", "sh"], "bs", direction="LEFT"),
         n("BitShift", ["bs", "sh"], "back", direction="RIGHT"), n("Cast", ["back"], "idx", to=T.INT64),
         n("OneHot", ["idx", "depth", "vals"], "oh", axis=1), n("CastLike", ["oh", "input"], "ohf"),
         n("Mul", ["input", "ohf"], "output")],
        {"sh": np.asarray(2, np.uint8), "depth": np.asarray(10, np.int64),
         "vals": np.asarray([0, 1], np.int64)}),
    "resize_depth_space": net(
        [n("MaxPool", ["input"], "mp", kernel_shape=[2, 2], strides=[2, 2]),
         n("AveragePool", ["input"], "ap", kernel_shape=[2, 2], strides=[2, 2]),
         n("Add", ["mp", "ap"], "pool"), n("Resize", ["pool", "", "scales"], "up", mode="nearest"),
         n("SpaceToDepth", ["input"], "s2d", blocksize=2), n("DepthToSpace", ["s2d"], "d2s", blocksize=2),
         n("Mul", ["up", "d2s"], "output")],
        {"scales": np.asarray([1, 1, 2, 2], np.float32)}),
    "conv_transpose": net(
        [n("MaxPool", ["input"], "mp", kernel_shape=[2, 2], strides=[2, 2]),
         n("ConvTranspose", ["mp", "w"], "output", strides=[2, 2], kernel_shape=[2, 2])],
        {"w": np.ones((10, 10, 2, 2), np.float32) / 10}),
    "quantized": net(
        [n("QuantizeLinear", ["input", "sc", "zp"], "q"),
         n("QLinearConv", ["q", "sc", "zp", "wq", "wsc", "wzp", "sc", "zp"], "qc"),
         n("DequantizeLinear", ["qc", "sc", "zp"], "dq"),
         n("Reshape", ["q", "flat"], "qf"), n("MatMulInteger", ["qf", "wi"], "mi"),
         n("QLinearMatMul", ["qf", "sc", "zp", "wi", "wsc", "wzp", "sc", "zp"], "qm"),
         n("Cast", ["mi"], "mif", to=T.FLOAT), n("Reshape", ["mif", "grid"], "mg"),
         n("DequantizeLinear", ["qm", "sc", "zp"], "qmd"), n("Reshape", ["qmd", "grid"], "qg"),
         n("Add", ["dq", "mg"], "s"), n("Add", ["s", "qg"], "output")],
        {"sc": np.asarray(1.0, np.float32), "zp": np.asarray(0, np.uint8),
         "wq": np.eye(10, dtype=np.uint8)[PERM].reshape(10, 10, 1, 1), "wsc": np.asarray(1.0, np.float32),
         "wzp": np.asarray(0, np.uint8), "flat": i64(300, 30), "wi": np.eye(30, dtype=np.uint8),
         "grid": i64(*GRID)}),
    "data_dependent_slice": net(
        [n("ReduceMax", ["input"], "rows", axes=[1, 3], keepdims=0),
         n("ArgMin", ["rows"], "h0", axis=1, keepdims=0), n("Add", ["h0", "one"], "h"),
         n("Slice", ["input", "zero", "h", "two"], "crop"), n("Shape", ["crop"], "cs"),
         n("Sub", ["grid", "cs"], "rest"), n("Concat", ["zeros4", "rest"], "pads", axis=0),
         n("Pad", ["crop", "pads"], "output")],
        {"zero": i64(0), "one": i64(1), "two": i64(2), "grid": i64(*GRID), "zeros4": i64(0, 0, 0, 0)},
        value_info=[h.make_tensor_value_info("crop", T.FLOAT, [1, 10, 3, 30])]),
}

#: The operators the issue lists; each must appear in some network above.
ISSUE_OPS = """Gather GatherElements GatherND ScatterND ScatterElements CumSum ArgMax ArgMin TopK OneHot
Where Equal Greater Less GreaterOrEqual LessOrEqual And Or Xor Not Mod Sign Abs Neg Clip Min Max
Floor Ceil Round Pad Slice Resize DepthToSpace SpaceToDepth Conv ConvTranspose MaxPool AveragePool
ReduceSum ReduceMean ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceSumSquare ReduceLogSum
ReduceLogSumExp Einsum Range Expand Tile Trilu Shape Size ConstantOfShape MatMulInteger QLinearConv
QLinearMatMul DequantizeLinear QuantizeLinear BitShift Cast CastLike""".split()


def grids() -> list[list[list[int]]]:
    shapes = ((3, 3), (6, 4), (30, 30), (1, 7), (11, 13))
    return [RNG.integers(0, 10, size=shape).tolist() for shape in shapes]


def test_every_issue_op_has_a_style_network():
    used = {node.op_type for model in STYLES.values() for node in model.graph.node}
    assert not set(ISSUE_OPS) - used


@pytest.mark.parametrize("name", sorted(STYLES))
def test_style_network_round_trips_exactly(name):
    model = STYLES[name]
    assert validate(model).valid, validate(model).line()
    graph = import_model(model)
    emitted = reemit(graph, model).model
    verdict = validate(emitted)
    assert verdict.valid, verdict.line()
    inputs = [grid_to_onehot(g) for g in grids()]
    for a, b in zip(run_examples(model, inputs), run_examples(emitted, inputs), strict=True):
        assert a.shape == b.shape
        assert np.array_equal(a > 0, b > 0)


MODELLED = {"matmul_permutation": {"MatMul", "Add", "Reshape", "Transpose"},
            "conv_centre_relu": {"Conv", "Relu"},
            "float64_float16_round_trip": {"Cast", "Mul", "Greater", "Transpose"},
            "rounding_and_sign": {"Floor", "Ceil", "Round", "Sign", "Abs", "Neg"},
            "integer_mod_and_compare": {"Mod", "GreaterOrEqual", "LessOrEqual", "Less", "Xor", "Not", "Or"},
            "negative_pads_crop_and_pad": {"Pad"}, "flip_negative_steps": {"Slice"},
            "grouped_dilated_conv_clip": {"Conv", "Clip", "Slice"}, "pad_axes_opset18": {"Pad"}}


@pytest.mark.parametrize("name", sorted(MODELLED))
def test_ops_that_passes_reason_about_are_modelled(name):
    graph = import_model(STYLES[name])
    carried = {node.attrs["op_type"] for node in graph.nodes if node.op == "onnx_node"}
    assert not carried & MODELLED[name]


def test_a_data_dependent_shape_is_not_reasoned_about():
    """The Slice's bounds are computed: its declared shape is one run's, so the Pad that
    reads it stays as written (not a Pad with pads the importer read from a guess)."""
    graph = import_model(STYLES["data_dependent_slice"])
    carried = [node.attrs["op_type"] for node in graph.nodes if node.op == "onnx_node"]
    assert "Slice" in carried and "Pad" in carried


@pytest.mark.parametrize("name", ["matmul_permutation", "conv_centre_relu", "float64_float16_round_trip",
                                  "min_max_variadic"])
def test_optimize_is_never_worse_and_stays_exact(name):
    model = STYLES[name]
    task = Task(name, {"train": [Example(g, g) for g in grids()]})  # answers checked model vs model
    result = optimize_model(model, name)
    assert result.after.total <= result.before.total
    inputs = [grid_to_onehot(ex.input) for _, ex in task.examples()]
    for a, b in zip(run_examples(model, inputs), run_examples(result.data, inputs), strict=True):
        assert np.array_equal(a > 0, b > 0)
    if result.kept_original:
        assert result.data == model.SerializeToString(deterministic=True)


@pytest.mark.parametrize("name", ["gather_channels_bool", "where_paint_uint8", "quantized"])
def test_optimize_cli_takes_networks_it_did_not_write(name, tmp_path):
    """Bool and integer outputs, carried ops: a written network, never a traceback."""
    from click.testing import CliRunner

    from trmgolf.cli import cli

    src, dst = tmp_path / "in.onnx", tmp_path / "out.onnx"
    onnx.save(STYLES[name], src)
    res = CliRunner().invoke(cli, ["optimize", str(src), "-o", str(dst)])
    assert res.exit_code == 0, res.output
    assert validate(dst.read_bytes()).valid


@pytest.mark.slow
def test_optimize_cli_refuses_what_it_cannot_import_in_one_line(tmp_path):
    import subprocess
    import sys

    model = STYLES["conv_centre_relu"]
    model.graph.node.append(n("Constant", [], "words", value_strings=[b"a"]))
    src = tmp_path / "in.onnx"
    onnx.save(model, src)
    del model.graph.node[-1]
    proc = subprocess.run([sys.executable, "-m", "trmgolf.cli", "optimize", str(src), "-o",
                           str(tmp_path / "out.onnx")], capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "cannot import" in proc.stderr
