"""Sparse Conv kernels (far taps, translated taps, 4x4 squares) and the colour-fill family:
each found by the search on synthetic fit data, exact under onnxruntime through the one
compile path, and absent where the rule is a different one."""

from __future__ import annotations

import numpy as np
import onnx

from trmgolf.compiler.driver import compile_graph
from trmgolf.families.contract import Budget, Candidate, fit_data
from trmgolf.ir.builder import Builder
from trmgolf.ir.interp import run
from trmgolf.scoring.answers import verify
from trmgolf.search import colour_fill, conv_lp, crop_conv
from trmgolf.search.conv_lp import AxisTaps, ConvShape, conv_shapes
from trmgolf.tasks import Example, Task


def _examples(rule, n: int, seed: int, sizes: tuple[int, int]) -> list[Example]:
    rng = np.random.default_rng(seed)
    return [Example(*(g.tolist() for g in rule(rng, int(rng.integers(*sizes)), int(rng.integers(*sizes)))))
            for _ in range(n)]


def _onnx_exact(graph, examples: list[Example]) -> onnx.ModelProto:
    data = compile_graph(graph).data
    result = verify(data, Task("synthetic", {"train": examples}), threads_check=False)
    assert result.passed and result.points is not None, result.first_failure
    return onnx.load_from_string(data)


def _first_conv(examples: list[Example], below: int) -> tuple[str, object] | None:
    """The conv family's first network under ``below`` params."""
    budget = Budget(20_000, 120)
    for step in conv_lp.candidates(fit_data(examples), budget):
        if step.cost >= below:
            return None
        if isinstance(step, Candidate):
            return step.label, step.graph
    return None


def _copy_five_below(rng, h, w):
    """Top half random, bottom half black; each coloured cell is copied five rows down."""
    g = np.where(rng.random((h, w)) < 0.5, rng.integers(1, 10, (h, w)), 0)
    g[5:] = 0
    out = g.copy()
    out[5:] = np.where(g[:-5] > 0, g[:-5], out[5:])
    return g, out


def _cut_and_shift(rng, h, w):
    """The output is the input's columns from 3 on, moved 3 columns left (the right part of a
    grid cut out): a translated tap, read through negative Conv pads."""
    g = rng.integers(0, 10, (h, w + 3))
    return g, g[:, 3:]


def test_far_taps_copy_a_cell_five_rows_down():
    fit = _examples(_copy_five_below, 30, seed=1, sizes=(6, 11))
    label, graph = _first_conv(fit, below=300)
    assert label.startswith("conv2x1/d5x1/"), label
    _onnx_exact(graph, _examples(_copy_five_below, 40, seed=2, sizes=(6, 16)))


def test_translated_tap_uses_negative_pads_and_runs_in_onnxruntime():
    fit = _examples(_cut_and_shift, 12, seed=3, sizes=(2, 9))
    label, graph = _first_conv(fit, below=100)
    assert label == "conv1x1/at0x3/g10", label
    model = _onnx_exact(graph, _examples(_cut_and_shift, 30, seed=4, sizes=(1, 12)))
    (conv,) = [n for n in model.graph.node if n.op_type == "Conv"]
    pads = next(onnx.helper.get_attribute_value(a) for a in conv.attribute if a.name == "pads")
    assert pads == [0, -3, 0, 3]


def test_sparse_kinds_are_ordered_with_the_rest_and_give_30_cells():
    shapes = conv_shapes()
    assert [s.params for s in shapes] == sorted(s.params for s in shapes)
    kinds = {s.kind for s in shapes}
    assert {"far", "shift", "block"} <= kinds
    for s in shapes:
        for axis in (s.rows, s.cols):
            begin, end = axis.pads
            assert (30 + begin + end - axis.dilation * (axis.size - 1) - 1) // axis.stride + 1 == 30
    assert AxisTaps(1, 1, 1, 6).pads == (-6, 6)
    block = ConvShape(AxisTaps(1, 4, 1, -2), AxisTaps(1, 4, 1, -2), 2, True, "block")
    assert block in shapes and block.params == 810 and block.label() == "conv4x4/at-2x-2/g2+bias"


def test_conv_interpreter_crops_on_negative_pads():
    b = Builder()
    weight = np.zeros((10, 1, 1, 1), np.float32)
    weight[:, 0] = 1.0
    out = b.op("conv2d", b.input, b.const(weight), pads=(-2, 1, 2, -1), group=10)
    graph = b.finish(out)
    x = np.random.default_rng(0).random((1, 10, 30, 30)).astype(np.float32)
    got = run(graph, x)
    assert np.array_equal(got[:, :, :28, 1:], x[:, :, 2:, :29])
    assert not got[:, :, 28:].any() and not got[:, :, :, 0].any()


def _three_colours(rng, h, w) -> np.ndarray:
    """Cells of three colours, one on most cells (a clear winner), the counts all different."""
    a, b, c = rng.choice(10, 3, replace=False)
    g = np.full(h * w, a)
    minority = rng.choice(h * w, (h * w - 1) // 2, replace=False)
    g[minority[: len(minority) // 3]] = b
    g[minority[len(minority) // 3:]] = c
    return rng.permutation(g).reshape(h, w)


def _most_frequent(rng, h, w):
    g = _three_colours(rng, h, w)
    return g, np.full_like(g, np.argmax(np.bincount(g.ravel(), minlength=10)))


def _least_frequent(rng, h, w):
    g = _three_colours(rng, h, w)
    counts = np.bincount(g.ravel(), minlength=10)
    return g, np.full_like(g, np.argmin(np.where(counts > 0, counts, 10_000)))


def test_colour_fill_paints_the_most_frequent_colour():
    fit = fit_data(_examples(_most_frequent, 20, seed=5, sizes=(3, 8)))
    steps = colour_fill.candidates(fit, Budget(100, 10))
    found = [(c.label, c.graph) for c in steps if isinstance(c, Candidate)]
    label, graph = found[0]
    assert label == "colour_fill/most/grid"
    model = _onnx_exact(graph, _examples(_most_frequent, 40, seed=6, sizes=(2, 12)))
    assert [n.op_type for n in model.graph.node] == ["GlobalAveragePool", "Hardmax", "Einsum"]
    assert not model.graph.initializer


def test_colour_fill_does_not_fit_the_least_frequent_colour():
    fit = fit_data(_examples(_least_frequent, 20, seed=7, sizes=(3, 8)))
    assert not [c for c in colour_fill.candidates(fit, Budget(100, 10)) if isinstance(c, Candidate)]


def _red_corners(rng, h, w):
    """3x5 grids with one red (2) cell; its four diagonal neighbours take colours 3, 6, 8, 7."""
    g = np.zeros((3, 5), np.int64)
    r, c = int(rng.integers(3)), int(rng.integers(5))
    g[r, c] = 2
    out = np.zeros_like(g)
    for (dr, dc), colour in zip(((-1, -1), (-1, 1), (1, -1), (1, 1)), (3, 6, 8, 7), strict=True):
        if 0 <= r + dr < 3 and 0 <= c + dc < 5:
            out[r + dr, c + dc] = colour
    return g, out


def _recolour_all(rng, h, w):
    g = rng.integers(0, 10, (h, w))
    return g, (g + 1) % 10


def _first_crop_conv(examples: list[Example]):
    budget = Budget(20_000, 120)
    steps = crop_conv.candidates(fit_data(examples), budget)
    return next(((c.label, c.graph) for c in steps if isinstance(c, Candidate)), None)


def test_crop_conv_reads_two_channels_of_the_small_grid():
    fit = _examples(_red_corners, 15, seed=8, sizes=(3, 4))
    label, graph = _first_crop_conv(fit)
    assert label == "crop_conv/ch0:3:2/rows0:3,cols0:5/conv3x3/at-1x-1+bias", label  # black and red
    model = _onnx_exact(graph, _examples(_red_corners, 15, seed=9, sizes=(3, 4)))
    assert [n.op_type for n in model.graph.node] == ["Slice", "Conv"]


def test_crop_conv_needs_few_colours():
    assert _first_crop_conv(_examples(_recolour_all, 12, seed=10, sizes=(3, 6))) is None
