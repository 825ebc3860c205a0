"""Every family that unrolls a propagation runs enough steps for the worst grid of its canvas.

The fit examples here hold short regions and small objects only; each network is then run
(reference interpreter) on a serpentine that winds through the whole canvas, where a depth
fitted to the examples stops half-way.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from solver_testlib import make_examples
from test_solver_components import border_green, largest_cut, scenes
from test_solver_flood import WALL, fill_rooms, rooms
from test_solver_regions import boxes, fill

from trmgolf.grid.depth import induced_path_cells, path_steps, ring_steps
from trmgolf.grid.labels import NOT_BACKGROUND, Grouping, label_steps
from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.components import plan
from trmgolf.solvers.flood import flood
from trmgolf.solvers.regions import propagation_steps, steps_needed


def snake(n: int) -> np.ndarray:
    """A one-cell path winding row by row through the interior of an n x n canvas, starting
    at (1, 1) (bool mask)."""
    path = np.zeros((n, n), bool)
    rows = list(range(1, n - 1, 2))
    for i, r in enumerate(rows):
        path[r, 1:n - 1] = True
        if i + 1 < len(rows) and r + 1 < n - 1:
            path[r + 1, n - 2 if i % 2 == 0 else 1] = True
    return path


def test_snake_winds_through_half_the_canvas():
    grid = np.where(snake(12), 0, 3)
    grid[1, 0] = 0  # the corridor opens onto the border at its start
    assert steps_needed(grid) == snake(12).sum() + 1 > 3 * 12


# ---- the bound ---------------------------------------------------------------------------------

def _all_grids(side: int) -> np.ndarray:
    """Every 0/1 side x side grid, [2^(side^2), side, side] bool."""
    codes = np.arange(2 ** (side * side))
    return ((codes[:, None] >> np.arange(side * side)) & 1).astype(bool).reshape(-1, side, side)


def _batched_steps(start: np.ndarray, open_: np.ndarray, connectivity: int) -> np.ndarray:
    """Per grid, the steps after which a 4- or 8-neighbour flood from ``start`` through
    ``open_`` stops (batched over the first axis)."""
    reached, steps, count = start & open_, np.zeros(len(start), int), 0
    while True:
        p = np.pad(reached, ((0, 0), (1, 1), (1, 1)))
        grown = p[:, 1:-1, 1:-1] | p[:, :-2, 1:-1] | p[:, 2:, 1:-1] | p[:, 1:-1, :-2] | p[:, 1:-1, 2:]
        if connectivity == 8:
            grown |= p[:, :-2, :-2] | p[:, :-2, 2:] | p[:, 2:, :-2] | p[:, 2:, 2:]
        grown &= open_
        changed = (grown != reached).any(axis=(1, 2))
        if not changed.any():
            return steps
        count += 1
        steps[changed] = count
        reached = grown


@pytest.mark.parametrize("side", [3, 4])
def test_ring_steps_cover_every_grid(side):
    grids = _all_grids(side)  # True: open (background)
    ring = np.pad(np.zeros_like(grids), ((0, 0), (1, 1), (1, 1)), constant_values=True)
    open_ = np.pad(grids, ((0, 0), (1, 1), (1, 1)), constant_values=True)
    steps = _batched_steps(ring, open_, 4)
    sample = range(0, len(grids), len(grids) // 64)
    assert [steps[i] for i in sample] == [steps_needed(np.where(grids[i], 0, 1)) for i in sample]
    assert steps.max() <= ring_steps(side)


@pytest.mark.parametrize("connectivity", [4, 8])
def test_path_steps_cover_every_object_on_a_4x4_canvas(connectivity):
    """Labels start at one cell of an object and must reach all of it: the farthest cell from
    any cell (a corner, an edge or a middle cell, up to symmetry), over every 4 x 4 object set."""
    grids = _all_grids(4)
    worst = 0
    for r, c in ((0, 0), (0, 1), (1, 1)):
        start = np.zeros_like(grids)
        start[:, r, c] = True
        worst = max(worst, int(_batched_steps(start, grids, connectivity).max()))
    assert worst <= path_steps(4, connectivity)


def test_induced_path_bound():
    assert induced_path_cells(2, 2, 4) == 3 and induced_path_cells(2, 2, 8) == 2
    assert induced_path_cells(3, 3, 4) == 3 + 2 + 2 + 1  # partial blocks hold all their cells
    assert ring_steps(20) == 1 + 3 * 81 and path_steps(20, 8) == 199
    with pytest.raises(ValueError):
        induced_path_cells(3, 3, 6)


# ---- each family's depth on its canvas ---------------------------------------------------------

def test_enclosed_steps_cover_a_serpentine():
    fit = make_examples(boxes(6, 1, lo=6, hi=12), lambda g: fill(g, 4))
    corridor = np.where(snake(12), 0, 3)
    corridor[1, 0] = 0
    assert propagation_steps(fit) >= steps_needed(corridor)  # fill_enclosed, fill_holes_by_shape


def test_fill_enclosed_on_a_serpentine_filling_the_canvas():
    fit = make_examples(boxes(8, 1) + boxes(1, 3, lo=12), lambda g: fill(g, 4))  # canvas 12 x 12
    opened = np.where(snake(12), 0, 3)
    opened[1, 0] = 0  # reached from outside all along: nothing to fill
    closed = np.where(snake(12), 0, 3)  # all enclosed: all filled
    graph = SOLVERS["fill_enclosed"].build(fit)
    assert graph is not None
    assert check(graph, make_examples([opened, closed], lambda g: fill(g, 4)))


def test_flood_from_colour_on_a_serpentine_filling_the_canvas():
    fit = make_examples(rooms(10, 1, (2, 3), lo=7, hi=12), fill_rooms)
    grid = np.where(snake(12), 0, WALL)
    grid[1, 1] = 2  # the seed at one end of the corridor
    assert flood(grid, 2)[1] > 40
    graph = SOLVERS["flood_from_colour"].build(fit)
    assert graph is not None
    assert check(graph, make_examples([grid], fill_rooms))


def _snake_object(n: int) -> np.ndarray:
    """A one-cell-wide object winding through an n x n canvas, touching its border at one end."""
    grid = np.where(snake(n), 5, 0)
    grid[1, 0] = 5
    return grid


@pytest.mark.parametrize("connectivity", [4, 8])
def test_label_steps_cover_a_serpentine_object(connectivity):
    grouping = Grouping(connectivity, (NOT_BACKGROUND,))
    assert plan(grouping, 12)[0] >= label_steps(_snake_object(12), grouping, limit=10_000) > 40


def test_recolour_objects_on_a_serpentine_object():
    fit = make_examples(scenes(16, 1, hi=12), border_green)
    graph = SOLVERS["recolour_objects"].build(fit)
    assert graph is not None
    assert check(graph, make_examples([_snake_object(12)], border_green))


def test_select_object_on_a_serpentine_object():
    fit = make_examples(scenes(16, 5, colours=(1, 5, 8), hi=12), largest_cut)
    grid = _snake_object(12)
    grid[-1, -1] = 8  # a second, smaller object
    graph = SOLVERS["select_object"].build(fit)
    assert graph is not None
    assert check(graph, make_examples([grid], largest_cut))


# ---- recolour_objects: an object's own size before its rank -----------------------------------

def drop_isolated(g: np.ndarray) -> np.ndarray:
    """Cells with no non-background cell among their 8 neighbours are cleared."""
    near = ndimage.convolve((g > 0).astype(int), np.ones((3, 3), int), mode="constant") - (g > 0)
    return np.where(near > 0, g, 0)


def speckles(n: int, seed: int) -> list[np.ndarray]:
    """Scattered cells of one colour, some touching only diagonally; every grid holds a lone
    cell, so "the smallest objects" and "objects of one cell" agree on all of them."""
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    while len(out) < n:
        h, w = (int(v) for v in rng.integers(6, 11, 2))
        g = np.where(rng.random((h, w)) < 0.18, int(rng.integers(1, 10)), 0)
        labels, count = ndimage.label(g > 0, structure=np.ones((3, 3)))
        sizes = np.bincount(labels.ravel())[1:]
        if (sizes == 1).any() and (sizes > 1).any():
            out.append(g)
    return out


def test_lone_diagonal_object_is_kept():
    """task097's failure: the fit grids always hold a single cell, so "clear the smallest
    objects" fits them as well as "clear the one-cell objects"; a grid whose only object is
    three cells on a diagonal tells them apart."""
    fit = make_examples(speckles(30, 1), drop_isolated)
    graph = SOLVERS["recolour_objects"].build(fit)
    assert graph is not None
    lone = np.zeros((9, 5), np.int64)
    lone[2, 1] = lone[3, 2] = lone[4, 3] = 6
    pair = np.zeros((9, 5), np.int64)
    pair[0, 0] = pair[1, 1] = 2  # touching only at a corner: one object of two cells
    assert check(graph, make_examples([lone, pair], drop_isolated))
