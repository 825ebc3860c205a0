"""Printer golden tests: ``print_graph`` of hand-built graphs against tests/golden/ir/*.txt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from golden_support import check_golden
from onnx import helper

from trmgolf.ir import GRID_TYPE, Builder, Graph, TensorType, Value, print_graph


def regions() -> Graph:
    b = Builder()
    with b.region("step0"):
        with b.region("block1"):
            h = b.op("mul", b.input, 2.0)
        h = b.op("relu", h)
    return b.finish(b.op("add", h, b.input))


def constants() -> Graph:
    """Tiny constants print inline (scalar, vector, bool, int); bigger ones as a hash."""
    b = Builder()
    big = b.const(np.arange(10, dtype=np.float32).reshape(1, 10, 1, 1) / 4)
    ints = b.const(np.array([3, -1], dtype=np.int64))
    mask = b.const(np.array([[True], [False]]))
    y = b.op("add", b.input, big)
    y = b.op("mul", y, 0.5)
    z = b.op("cast", b.op("where", b.op("less", y, 0.0), 1.0, -1.0), to="float32")
    z = b.op("gather", b.op("reshape", z, shape=(9000,)), b.op("add", ints, 2))
    sel = b.op("where", mask, b.op("reshape", z, shape=(1, 2)), b.const(np.zeros((1, 2), np.float32)))
    return b.finish(b.op("expand", b.op("reduce_sum", sel, axes=(0, 1), keepdims=1),
                         shape=GRID_TYPE.shape))


def split_and_attrs() -> Graph:
    """A multi-output split, and list, float and string attributes."""
    b = Builder()
    a, c, d = b.ops("split", b.input, axis=1, sizes=(3, 3, 4))
    t = b.op("transpose", a, perm=(0, 1, 3, 2))
    p = b.op("pad", b.op("slice", c, starts=(0, 1), ends=(2, 30), axes=(1, 3), steps=(1, 2)),
             pads=(0, 0, 0, 0, 0, 1, 0, 15), value=-1.5)
    e = b.op("einsum", t, equation="ncij->ncji")
    s = b.op("softmax", b.op("conv2d", d, b.const(np.ones((3, 4, 1, 1), np.float32)), strides=(1, 1)),
             axis=1)
    return b.finish(b.op("concat", e, b.op("add", b.op("reshape", p, shape=(1, 3, 30, 30)), s), d,
                         axis=1))


def foreign() -> Graph:
    b = Builder()
    proto = helper.make_node("LessOrEqual", ["?", "?"], [])
    le = b.node("onnx_node", [b.input, b.const(0.5)], op_type="LessOrEqual",
                node=proto.SerializeToString(deterministic=True), opset=17,
                out_types=(("bool", GRID_TYPE.shape),)).output
    return b.finish(b.op("cast", le, to="float32"))


def resampled() -> Graph:
    """The ops that resample through a box: a MaxRoiPool crop, a reversed RoiAlign, then a
    nearest Resize back to the grid."""
    b = Builder()
    pooled = b.op("max_roi_pool", b.input, b.const(np.array([[0, 2, 1, 11, 10]], np.float32)),
                  pooled_shape=(10, 10))
    flipped = b.op("roi_align", b.input, b.const(np.array([[9.5, 9.5, -0.5, -0.5]], np.float32)),
                   b.const(np.zeros(1, np.int64)), output_height=10, output_width=10, sampling_ratio=1)
    return b.finish(b.op("resize", b.op("max", pooled, flipped), sizes=(30, 30), axes=(2, 3),
                         roi=(0.0, 0.0, 1.5, 1.5), coordinate_transformation_mode="tf_crop_and_resize",
                         nearest_mode="floor"))


def quantized() -> Graph:
    """A cropped colour plane quantized to uint8, read by a ConvInteger padded with its zero point."""
    b = Builder()
    crop = b.op("slice", b.input, starts=(5, 1, 1), ends=(6, 8, 8), axes=(1, 2, 3))
    q = b.op("quantize_linear", crop, b.const(np.float32(0.5)))
    w = b.const(np.arange(-45, 45, dtype=np.int8).reshape(10, 1, 3, 3))
    return b.finish(b.op("conv_integer", q, w, b.const(np.uint8(1)), pads=(2, 2, 23, 23)))


def non_grid() -> Graph:
    b = Builder(TensorType("int64", (2, 3)))
    y = b.op("argmax", b.op("matmul", b.input, b.const(np.eye(3, 4, dtype=np.int64))), axis=1, keepdims=0)
    b.graph.output = y
    return b.graph


GRAPHS = {"regions": regions, "constants": constants, "split_attrs": split_and_attrs,
          "foreign": foreign, "non_grid": non_grid, "resampled": resampled, "quantized": quantized}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_printer_golden(name):
    check_golden(print_graph(GRAPHS[name]()), f"ir/{name}.txt")


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_printing_ignores_value_names_and_is_repeatable(name):
    g = GRAPHS[name]()
    text = print_graph(g)
    assert print_graph(g) == text
    assert print_graph(g.clone()) == text
    for i, v in enumerate(g.values()):
        v.name = f"renamed{i}"
    assert print_graph(g) == text


@pytest.mark.slow
def test_printing_is_stable_across_processes():
    """No dependence on hash seeds or object ids: a fresh interpreter prints the same."""
    here = Path(__file__).resolve().parent
    code = (f"import sys; sys.path[:0] = [{str(here)!r}, {str(here.parent)!r}]; import test_ir_printer as t; "
            "print(''.join(t.print_graph(f()) for f in t.GRAPHS.values()), end='')")
    texts = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=here.parents[1], env={**os.environ, "PYTHONHASHSEED": seed}).stdout
             for seed in ("1", "2")}
    assert texts == {"".join(print_graph(f()) for f in GRAPHS.values())}


def test_constants_print_first_and_undefined_inputs_are_marked():
    b = Builder()
    y = b.op("neg", b.input)
    b.const(1.0)  # defined after the neg, printed first
    g = b.finish(b.op("add", y, b.const(2.0)))
    lines = print_graph(g).splitlines()
    assert lines[1:3] == ["  %c0 = constant 1.0 : f32[]", "  %c1 = constant 2.0 : f32[]"]
    y.producer.set_input(0, Value(GRID_TYPE))  # a value no node of the graph defines
    assert "%<undefined>" in print_graph(g)
