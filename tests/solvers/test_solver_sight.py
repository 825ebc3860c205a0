"""rays_blocked: the colour first seen in each direction (rays stopped by walls), synthetic tasks."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import make_examples, ort_exact

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.sight import nearest_colour

WALL = 5


def scattered(n: int, seed: int, colours: tuple[int, ...], density: float = 0.12,
              lo: int = 6, hi: int = 12) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = (int(v) for v in rng.integers(lo, hi + 1, 2))
        g = rng.choice(np.asarray(colours), size=(h, w)) * (rng.random((h, w)) < density)
        out.append(g.astype(np.int64))
    return out


def ray_right(g: np.ndarray) -> np.ndarray:
    """Seeds of colour 2 shoot right over background until the first non-background cell."""
    seen = np.stack([nearest_colour(row) for row in g])
    return np.where((g == 0) & (seen == 2), 2, g)


def close_gaps(g: np.ndarray) -> np.ndarray:
    """Background between two facing cells of colour 1 (nothing between) takes it; walls block.

    (With two fill colours the rule is an XOR of the planes: one linear layer cannot draw it.)"""
    left = np.stack([nearest_colour(row) for row in g])
    right = np.stack([nearest_colour(row[::-1])[::-1] for row in g])
    return np.where((g == 0) & (left == right) & (left > 0) & (left != WALL), left, g)


def rise(g: np.ndarray) -> np.ndarray:
    """Every seed (1 or 3) shoots up in its own colour until something blocks it."""
    below = np.stack([nearest_colour(col[::-1])[::-1] for col in g.T]).T
    return np.where((g == 0) & np.isin(below, (1, 3)), below, g)


def test_nearest_colour():
    assert nearest_colour(np.array([0, 2, 0, 0, 5, 0])).tolist() == [-1, -1, 2, 2, 2, 5]


@pytest.mark.parametrize("rule, colours", [
    (ray_right, (2, WALL)),
    (close_gaps, (1, WALL)),
    (rise, (1, 3, WALL)),
])
def test_rays_blocked_generalise(rule, colours):
    fit = make_examples(scattered(24, 1, colours) + scattered(1, 3, colours, lo=12), rule)
    held = make_examples(scattered(10, 2, colours), rule)
    g = SOLVERS["rays_blocked"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:4] + held)


def test_not_blocked_rays():
    ex = make_examples(scattered(4, 3, (2, WALL)), np.fliplr)
    assert SOLVERS["rays_blocked"].build(ex) is None
    unchanged = make_examples(scattered(3, 4, (2, WALL)), lambda g: g)
    assert SOLVERS["rays_blocked"].build(unchanged) is None


def blocks_with_border_seeds(n: int, seed: int) -> list[np.ndarray]:
    """An 8-block in the middle; seeds of colours 1-4 on the left and top borders."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = (int(v) for v in rng.integers(8, 13, 2))
        g = np.zeros((h, w), np.int64)
        top, left = int(rng.integers(2, h - 4)), int(rng.integers(2, w - 4))
        g[top:top + int(rng.integers(2, 4)), left:left + int(rng.integers(2, 4))] = 8
        for _ in range(int(rng.integers(2, 6))):
            if rng.random() < 0.5:
                g[int(rng.integers(h)), 0] = int(rng.integers(1, 5))
            else:
                g[0, int(rng.integers(w))] = int(rng.integers(1, 5))
        out.append(g)
    return out


def mark_hit(g: np.ndarray) -> np.ndarray:
    """An 8 cell that sees a seed first on its left takes the seed's colour; seeds never change,
    whatever their own neighbours see (a seed in the corner sees others on both sides)."""
    left = np.stack([nearest_colour(row) for row in g])
    return np.where((g == 8) & np.isin(left, (1, 2, 3, 4)), left, g)


def test_rays_blocked_keeps_seeds():
    """Only 8 and the background may change: the kept colours pin the seeds, so the rule is
    fitted on the 8 cells alone and generalises to unseen seed layouts."""
    fit = make_examples(blocks_with_border_seeds(40, 5), mark_hit)
    held = make_examples(blocks_with_border_seeds(30, 6), mark_hit)
    g = SOLVERS["rays_blocked"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:3] + held[:10])
