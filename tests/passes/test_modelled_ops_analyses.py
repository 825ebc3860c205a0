"""The value analyses see through the ops modelled on onnxruntime's kernels where they declare
it: max_roi_pool and resize move values (plus 0 in an empty bin, the extrapolation value
outside the ROI), quantize_linear is elementwise and monotone; roi_align and conv_integer
declare nothing and stop them. So the range and sign rewrites now reach across them."""

from __future__ import annotations

import numpy as np
import pytest
from golden_support import sequence
from onehot_support import onehot_grids

from trmgolf.compiler.analysis.ranges import value_ranges
from trmgolf.compiler.passes.dce import dce
from trmgolf.compiler.passes.range_rewrites import range_rewrites
from trmgolf.compiler.passes.sign_rewrites import sign_rewrites
from trmgolf.ir import Builder, Value, run
from trmgolf.ir.sign import sign_only_values

ROIS = np.array([[0, -3, 2, 40, 9]], np.float32)  # runs past the grid: empty bins read 0


def _pool(b: Builder, x: Value) -> Value:
    return b.op("max_roi_pool", x, b.const(ROIS), pooled_shape=(30, 30))


def _resize(b: Builder, x: Value, fill: float = 0.0) -> Value:
    return b.op("resize", x, sizes=(30, 30), axes=(2, 3), roi=(-0.2, 0.1, 1.3, 0.8), nearest_mode="floor",
                coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=fill)


def test_ranges_of_the_moves_and_their_fill():
    b = Builder()
    pooled = _pool(b, b.op("mul", b.input, 3.0))
    resized = _resize(b, b.input, fill=-1.0)
    aligned = b.op("roi_align", b.input, b.const(ROIS[:, 1:]), b.const(np.zeros(1, np.int64)),
                   output_height=30, output_width=30, sampling_ratio=1)
    g = b.finish(b.op("add", b.op("add", pooled, resized), aligned))
    ranges = value_ranges(g)
    assert ranges[pooled].values == {0.0, 3.0}
    assert ranges[resized].values == {-1.0, 0.0, 1.0}
    assert ranges[aligned].values is None and ranges[aligned].nan  # interpolates: declares nothing


@pytest.mark.parametrize(("scale", "zero", "want"), [
    (0.5, None, {0.0, 2.0}), (1 / 255, None, {0.0, 255.0}), (-0.5, None, {0.0}),
    (0.5, np.int8(-5), {-5.0, -3.0})])
def test_quantize_linear_is_run_on_value_sets(scale, zero, want):
    b = Builder()
    crop = b.op("slice", b.input, starts=(2,), ends=(3,), axes=(1,))
    q = b.op("quantize_linear", crop, b.const(np.float32(scale)), *([] if zero is None else [b.const(zero)]))
    b.graph.output = q
    assert value_ranges(b.graph)[q].values == want


def test_conv_integer_declares_nothing():
    b = Builder()
    q = b.op("cast", b.op("slice", b.input, starts=(2,), ends=(3,), axes=(1,)), to="uint8")
    g = b.finish(b.op("conv_integer", q, b.const(np.ones((10, 1, 1, 1), np.int8))))
    r = value_ranges(g)[g.output]
    assert r.integral and r.values is None and r.hi == np.inf  # only what int32 says


@pytest.mark.parametrize("move", [_pool, _resize])
def test_the_sign_flows_back_through_the_moves(move):
    """``output > 0`` reads only the sign of what max_roi_pool and resize move, so a scale
    before them goes; the answers stay the same on one-hot grids."""
    b = Builder()
    g = b.finish(move(b, b.op("mul", b.input, 3.0)))
    assert g.output.producer.inputs[0] in sign_only_values(g)
    out, changed = sequence(sign_rewrites, dce)(g.clone())
    assert changed and [n.op for n in out.nodes if n.op != "constant"] == [g.output.producer.op]
    for x in onehot_grids(4):
        assert np.array_equal(run(out, x) > 0, run(g, x) > 0)


def test_a_relu_after_a_pool_of_the_grid_goes():
    """max_roi_pool of one-hot cells is never negative (its empty bins read 0): the Relu is a no-op."""
    b = Builder()
    g = b.finish(b.op("relu", _pool(b, b.input)))
    out, changed = sequence(range_rewrites, dce)(g.clone())
    assert changed and [n.op for n in out.nodes if n.op != "constant"] == ["max_roi_pool"]
    for x in onehot_grids(3):
        assert np.array_equal(run(out, x), run(g, x))
