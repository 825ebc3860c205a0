"""Wider candidates of the structure search: long one-axis Convs with asymmetric padding, the
colour-tied refit, and ConvTranspose upscales; each checked under onnxruntime through the one
compile path (compile_graph), as the solve worker checks them."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from trmgolf.compiler.driver import compile_graph
from trmgolf.families.contract import fit_data
from trmgolf.scoring.answers import verify
from trmgolf.search import search
from trmgolf.search.conv_lp import AxisTaps, ConvShape, TapCache, conv_shapes, fit_shape_tied
from trmgolf.search.upscale import block_shapes
from trmgolf.tasks import Example, Task


def _examples(rule, n: int, seed: int, sizes: tuple[int, int]) -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        g, o = rule(rng, int(rng.integers(*sizes)), int(rng.integers(*sizes)))
        out.append(Example(g.tolist(), o.tolist()))
    return out


def _onnx_exact(graph, examples: list[Example]) -> onnx.ModelProto:
    """The compiled model, after asserting it is exact on every example under onnxruntime."""
    data = compile_graph(graph).data
    result = verify(data, Task("synthetic", {"train": examples}), threads_check=False)
    assert result.passed and result.points is not None, result.first_failure
    return onnx.load_from_string(data)


def _seed_below(rng, h, w):
    """Red (2) seeds on black; a black cell with a seed 1..6 rows above it turns blue (1)."""
    g = np.where(rng.random((h, w)) < 0.06, 2, 0)
    out = g.copy()
    for r, c in zip(*np.nonzero(g == 2), strict=True):
        below = out[r + 1:r + 7, c]
        below[below == 0] = 1
    return g, out


def _gravity(rng, h, w):
    """At most one coloured cell per column; it falls to the bottom row."""
    g = np.zeros((h, w), np.int64)
    out = g.copy()
    for c in np.nonzero(rng.random(w) < 0.6)[0]:
        g[rng.integers(h), c] = out[h - 1, c] = rng.integers(1, 10)
    return g, out


def _kron(rng, h, w):
    g = rng.integers(0, 10, (h, w))
    return g, np.kron(g, np.ones((2, 3), np.int64))


def test_long_line_kernels_are_tried_at_every_alignment_with_their_own_pads():
    lines = {(s.rows.size, s.rows.offset) for s in conv_shapes() if s.long_axis == "rows"}
    assert {(9, -5), (13, 0), (13, -12), (4, -3)} <= lines
    assert AxisTaps(1, 9, 1, -5).pads == (5, 3)  # the public task032 Conv: kernel 9, pads 5 / 3
    short = [s.params for s in conv_shapes() if not s.long_axis and s.group == 1]
    longs = [s.params for s in conv_shapes() if s.long_axis and s.group == 1]
    assert min(longs) > max(p for p in short if p < min(longs))  # ordered by params with the rest


@pytest.mark.slow
def test_only_a_long_kernel_fits_a_seed_six_cells_above():
    fit = _examples(_seed_below, 24, seed=1, sizes=(10, 20))
    found = next(search(fit, budget_s=240))
    assert found.label.startswith("conv7x1/")
    model = _onnx_exact(found.graph, _examples(_seed_below, 40, seed=2, sizes=(8, 30)))
    (conv,) = [n for n in model.graph.node if n.op_type == "Conv"]
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in conv.attribute}
    assert attrs["pads"] == [6, 0, 0, 0]  # reads its own row and the six above: asymmetric


def test_tied_refit_treats_colours_alike_and_generalises():
    fit = fit_data(_examples(_gravity, 60, seed=3, sizes=(3, 7)))
    shape = ConvShape(AxisTaps(1, 9, 1, -5), AxisTaps(), 1, True)
    graph = fit_shape_tied(TapCache(fit.x), fit.y, shape)
    assert graph is not None
    consts = [v.constant for n in graph.nodes for v in n.inputs if v.is_constant]
    weight, bias = (next(c for c in consts if c.ndim == rank) for rank in (4, 1))
    for o in range(1, 10):
        other = [i for i in range(1, 10) if i != o]
        assert np.array_equal(weight[o, other], np.broadcast_to(weight[1, 2], weight[o, other].shape))
        assert np.array_equal(weight[o, [0, o]], weight[1, [0, 1]]) and bias[o] == bias[1]
    assert weight[1, 1].any() and weight[1, 0].any()  # its own colour above, the background below
    _onnx_exact(graph, _examples(_gravity, 150, seed=4, sizes=(3, 7)))


def test_upscale_shapes_are_ordered_by_params():
    params = [s.params for s in block_shapes()]
    assert params == sorted(params)
    assert (block_shapes()[0].group, block_shapes()[0].params) == (10, 20)  # 1x2 depthwise, no bias


@pytest.mark.slow
def test_conv_transpose_upscales_each_cell_to_a_block():
    # the upscale family's first candidate (a 5-param MaxRoiPool also fits and comes first)
    found = next(f for f in search(_examples(_kron, 10, seed=5, sizes=(2, 9)), budget_s=240)
                 if f.label.startswith("convT"))
    assert (found.label, found.cost) == ("convT2x3/g10", 60)
    model = _onnx_exact(found.graph, _examples(_kron, 30, seed=6, sizes=(1, 11)))
    assert [n.op_type for n in model.graph.node] == ["ConvTranspose"]
