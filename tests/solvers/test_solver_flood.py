"""flood_from_colour: background regions touching a colour, on synthetic rooms."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import make_examples, ort_exact

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.flood import flood

WALL = 5


def rooms(n: int, seed: int, seeds: tuple[int, ...], lo: int = 7, hi: int = 12) -> list[np.ndarray]:
    """Grids cut into rooms by full wall lines (some with a door), with a few seed cells."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = (int(v) for v in rng.integers(lo, hi + 1, 2))
        g = np.zeros((h, w), np.int64)
        for _ in range(int(rng.integers(2, 4))):
            if rng.random() < 0.5:
                r = int(rng.integers(1, h - 1))
                g[r, :] = WALL
                if rng.random() < 0.3:
                    g[r, int(rng.integers(0, w))] = 0
            else:
                c = int(rng.integers(1, w - 1))
                g[:, c] = WALL
                if rng.random() < 0.3:
                    g[int(rng.integers(0, h)), c] = 0
        empty = np.argwhere(g == 0)
        for i in rng.choice(len(empty), size=min(len(empty), int(rng.integers(1, 3))), replace=False):
            g[tuple(empty[i])] = int(rng.choice(seeds))
        out.append(g)
    return out


def fill_rooms(g: np.ndarray) -> np.ndarray:
    """Each room holding a seed (2 or 3) takes the seed's colour."""
    out = g.copy()
    for c in (2, 3):
        out[flood(g, c)[0]] = c
    return out


def mark_empty_rooms(g: np.ndarray) -> np.ndarray:
    """Rooms no seed of colour 1 reaches are painted 4."""
    out = g.copy()
    out[(g == 0) & ~flood(g, 1)[0]] = 4
    return out


def test_flood_reference():
    """(The network's planes are held equal to it by tests/grid's property test.)"""
    g = np.array([[0, 2, 5, 0],
                  [0, 0, 5, 0],
                  [5, 5, 5, 3]])
    reached, steps = flood(g, 2)
    assert reached.sum() == 3 and steps == 2 and not reached[0, 3]
    assert flood(g, 2, 1)[0].sum() == 2  # one step: only the seed's neighbours


@pytest.mark.parametrize("rule, seeds", [(fill_rooms, (2,)), (fill_rooms, (2, 3)), (mark_empty_rooms, (1,))])
def test_flood_generalises(rule, seeds):
    fit = make_examples(rooms(16, 1, seeds) + rooms(1, 3, seeds, lo=12), rule)
    held = make_examples(rooms(10, 2, seeds), rule)
    g = SOLVERS["flood_from_colour"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:4] + held)


def test_not_a_flood():
    grids = rooms(4, 3, (2,))
    assert SOLVERS["flood_from_colour"].build(make_examples(grids, np.fliplr)) is None
    assert SOLVERS["flood_from_colour"].build(make_examples(grids, lambda g: g)) is None
