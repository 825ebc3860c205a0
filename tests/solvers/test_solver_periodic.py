"""periodic_repair: restore masked cells from a repeating pattern whose period varies per example."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import assert_solves_real_task, make_examples, ort_exact

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.periodic import Lattice, all_lattices, first_fit

MASK = 0


def pattern(rng: np.random.Generator, h: int, w: int, kind: str, periods: tuple[int, ...]) -> np.ndarray:
    """An h x w grid of colours 1..9 repeating with a period drawn from ``periods``."""
    p = int(rng.choice(periods))
    q = int(rng.choice(periods)) if kind == "rect" else p
    tile = rng.integers(1, 10, size=(p, q))
    rows, cols = np.indices((h, w))
    if kind == "rect":
        return tile[rows % p, cols % q]
    stripe = tile[0]
    return stripe[(rows + cols) % p] if kind == "anti" else stripe[(rows - cols) % p]


def masked(n: int, seed: int, kind: str, periods: tuple[int, ...] = (2, 3, 4),
           mask: int = MASK, lo: int = 9, hi: int = 14) -> list[tuple[np.ndarray, np.ndarray]]:
    """(masked input, pattern) pairs: one or two rectangles of ``mask`` painted over a pattern."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        h, w = (int(v) for v in rng.integers(lo, hi + 1, 2))
        full = pattern(rng, h, w, kind, periods)
        if mask != MASK:
            full[full == mask] = 1  # the mask colour never shows in the answer
        grid = full.copy()
        for _ in range(int(rng.integers(1, 3))):
            r, c = int(rng.integers(0, h - 2)), int(rng.integers(0, w - 2))
            grid[r:r + int(rng.integers(1, 4)), c:c + int(rng.integers(1, 4))] = mask
        found = first_fit(grid, mask, all_lattices())
        if found is not None and np.array_equal(found[1], full):  # the pattern is recoverable
            out.append((grid, full))
    return out


def as_examples(data: list[tuple[np.ndarray, np.ndarray]]):
    lookup = {g.tobytes() + bytes(g.shape): o for g, o in data}
    return make_examples([g for g, _ in data], lambda g: lookup[g.tobytes() + bytes(g.shape)])


def test_first_fit_prefers_fewest_classes():
    rows, cols = np.indices((6, 6))
    stripes = np.array([2, 5, 7])[(rows + cols) % 3]
    grid = stripes.copy()
    grid[3:, 3:] = MASK
    lat, repaired = first_fit(grid, MASK, all_lattices())
    assert lat == Lattice.of("anti", 3, 3) and np.array_equal(repaired, stripes)
    # only the top-left corner known: no rectangular lattice sees every class, the diagonal one does
    corner = np.where(rows + cols <= 2, stripes, MASK)
    assert first_fit(corner, MASK, [lat for lat in all_lattices() if lat.kind == "rect"]) is None
    assert np.array_equal(first_fit(corner, MASK, all_lattices())[1], stripes)


@pytest.mark.parametrize("kind, periods, mask", [
    ("rect", (2, 3, 4), MASK),
    ("rect", (3, 5), 4),
    ("anti", (3, 4, 5), MASK),
    ("diag", (2, 3), MASK),
])
def test_repair_generalises(kind, periods, mask):
    fit = as_examples(masked(12, 1, kind, periods, mask))
    held = as_examples(masked(8, 2, kind, periods, mask))
    g = SOLVERS["periodic_repair"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:4] + held)


def test_not_periodic():
    rng = np.random.default_rng(3)
    noise = [rng.integers(1, 10, size=(8, 8)) for _ in range(4)]
    for g in noise:
        g[2:4, 2:4] = MASK
    # the masked cells are repaired by copying their left neighbour: no lattice explains that
    ex = make_examples(noise, lambda g: np.where(g == MASK, np.roll(g, 2, axis=1), g))
    assert SOLVERS["periodic_repair"].build(ex) is None
    flipped = make_examples([o for _, o in masked(3, 4, "rect")], np.fliplr)
    assert SOLVERS["periodic_repair"].build(flipped) is None  # no mask colour


@pytest.mark.slow
@pytest.mark.parametrize("num", [7, 305])
def test_real_tasks(num):
    assert_solves_real_task("periodic_repair", num)
