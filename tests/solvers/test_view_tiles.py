"""Tilings by the grid's own run-time size, then a local rule: the view rule's routes are
built from the measured extent on a canvas as large as the largest fit output, so the
network holds nothing 10 x 30 x 30, and stays exact on grids of every fit size."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import make_examples, ort_exact, real_task
from test_view_routes import official_cost, ops

from trmgolf.solvers import SOLVERS, check, view_routes, views


def dots(n: int, seed: int, lo: int = 2, hi: int = 5, square: bool = False) -> list[np.ndarray]:
    """Sparse grids of several shapes (the first hi x hi: the canvas is the largest fit output),
    each holding a few cells of one colour."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        h, w = (hi, hi) if i == 0 else (int(v) for v in rng.integers(lo, hi + 1, 2))
        if square:
            w = h
        g = np.zeros((h, w), int)
        g[rng.random((h, w)) < 0.25] = int(rng.integers(1, 4))
        out.append(g)
    return out


def diagonal_eights(g: np.ndarray) -> np.ndarray:
    """Empty cells with a coloured diagonal neighbour become 8."""
    h, w = g.shape
    p = np.pad(g != 0, 1)
    diag = p[:h, :w] | p[:h, 2:] | p[2:, :w] | p[2:, 2:]
    return np.where((g == 0) & diag, 8, g)


def tiled(ky: int, kx: int, flips: tuple[tuple[bool, ...], tuple[bool, ...]] = ((), ())):
    """Tile the grid ky x kx by its own size (block i of an axis mirrored where flips say), then
    the diagonal rule."""
    def rule(g: np.ndarray) -> np.ndarray:
        rows = [g[::-1] if flips[0] and flips[0][i] else g for i in range(ky)]
        col = np.vstack(rows)
        blocks = [col[:, ::-1] if flips[1] and flips[1][j] else col for j in range(kx)]
        return diagonal_eights(np.hstack(blocks))
    return rule


def without_runtime_routes(examples, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(views, "runtime_routed_conv_graph", lambda *args: None)
        return SOLVERS["view_rule"].build(examples)


@pytest.mark.parametrize("rule", [
    tiled(2, 2),  # task019's shape
    tiled(3, 3),
    tiled(2, 2, ((False, True), ())),  # the lower half mirrored upside down
    tiled(2, 2, ((False, True), (False, True))),  # a mirror tiling on both axes
])
def test_runtime_tile_then_local_rule_is_exact_and_cheap(rule, monkeypatch):
    fit, held = make_examples(dots(40, 5), rule), make_examples(dots(12, 2), rule)
    graph = SOLVERS["view_rule"].build(fit)
    assert graph is not None and check(graph, held)
    assert ops(graph) & {"conv2d", "pad"} == set() and graph.nodes[-1].op == "einsum"
    assert ort_exact(graph, fit + held)
    old = without_runtime_routes(fit, monkeypatch)
    assert old is not None and "conv2d" in ops(old)
    assert official_cost(graph, fit + held) < official_cost(old, fit + held) / 4


def test_runtime_routes_cover_only_the_largest_fit_output():
    """The canvas is the largest fit output (2 x 5 = 10 lines here), not the 30 x 30 grid."""
    fit = make_examples(dots(24, 3), tiled(2, 2))
    graph = SOLVERS["view_rule"].build(fit)
    assert graph is not None
    shapes = {tuple(n.output.type.shape) for n in graph.nodes if n.op == "cast"}
    assert (1, 3, 10, 5) in shapes  # [views, taps, canvas lines, source lines]


def test_square_grids_share_one_route():
    """On square grids one measured side serves both axes: one route for rows and columns."""
    fit = make_examples(dots(24, 1, square=True), tiled(2, 2))
    graph = SOLVERS["view_rule"].build(fit)
    assert graph is not None and ort_exact(graph, fit)
    assert sum(n.op == "equal" for n in graph.nodes) == 1


def test_few_examples_route_over_the_whole_grid():
    """Fewer than CANVAS_MIN_EXAMPLES fit examples may not show the largest grid there is: the
    routes span all 30 lines, so held-out grids larger than any fit grid stay exact."""
    def tile_recolour(g: np.ndarray) -> np.ndarray:
        return np.tile(np.where(g == 3, 5, g), (2, 2))
    fit = make_examples(dots(view_routes.CANVAS_MIN_EXAMPLES - 1, 5, hi=4), tile_recolour)
    held = make_examples(dots(6, 7, lo=5, hi=7), tile_recolour)
    graph = SOLVERS["view_rule"].build(fit)
    assert graph is not None and "conv2d" not in ops(graph)
    assert (1, 1, 30, 30) in {tuple(n.output.type.shape) for n in graph.nodes if n.op == "cast"}
    assert check(graph, held) and ort_exact(graph, fit + held)


def test_period_not_the_grids_own_size_does_not_fit():
    """Tiling the top-left 2 x 2 corner (a fixed period, not the grid's size) is no view."""
    def corner_tiled(g: np.ndarray) -> np.ndarray:
        h, w = g.shape
        return diagonal_eights(np.tile(g[:2, :2], (h, w)))
    fit = make_examples(dots(12, 5, lo=3), corner_tiled)
    assert SOLVERS["view_rule"].build(fit) is None


def test_mixed_orientations_need_square_grids():
    maps = [v.index_map for v in views.dihedral_views()[:5:4]]  # id and T
    shapes = view_routes.Shapes((None, None), (None, None), (5, 4), (5, 4), square=False)
    weights = np.zeros((10, 20, 1, 1), np.float32)
    st = view_routes.Stencil.square(1)
    assert view_routes.runtime_routed_conv_graph(maps, shapes, weights, np.zeros(10, np.float32), st) is None


def test_task019_tiles_on_a_small_canvas():
    """task019 (tile 2 x 2 by the grid's size, then 8s on diagonal neighbours): the run-time
    routes on the 12 x 12 canvas cost under a tenth of the 30 x 30 Gather + Conv (74,592)."""
    _, fit, rest = real_task(19)
    graph = SOLVERS["view_rule"].build(fit)
    assert graph is not None and check(graph, rest[:40])
    assert official_cost(graph, fit + rest) < 7000
