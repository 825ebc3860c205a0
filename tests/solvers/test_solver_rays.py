"""rays: directional seen-colour planes + a fitted Conv, on synthetic and real tasks."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import assert_solves_real_task, make_examples, ort_exact

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.rays import DIAGONALS, ray_planes_grid


def seeds(n: int, seed: int, colours=(2, 5), lo: int = 5, hi: int = 12) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = rng.integers(lo, hi + 1, 2)
        g = np.zeros((h, w), np.int64)
        for _ in range(rng.integers(1, 4)):
            g[rng.integers(0, h), rng.integers(0, w)] = rng.choice(colours)
        out.append(g)
    return out


def ray_right(g: np.ndarray) -> np.ndarray:
    """Each 2 shoots a ray of 2s to the right edge over the background."""
    out = g.copy()
    for r, c in zip(*np.nonzero(g == 2), strict=True):
        row = out[r, c + 1:]
        row[row == 0] = 2
    return out


def cross_rows(g: np.ndarray) -> np.ndarray:
    """The background of every row holding a 5 becomes 8."""
    out = g.copy()
    rows = (g == 5).any(axis=1)
    out[rows[:, None] & (g == 0)] = 8
    return out


def test_ray_planes_reference():
    """(The network's planes are held equal to these by tests/grid's property test.)"""
    g = np.random.default_rng(0).integers(0, 10, (7, 9))
    ref = ray_planes_grid(g, (1,))
    assert ref[0, 3, 4] == (g[3, :4] == 1).any() and ref[3, 3, 4] == (g[4:, 4] == 1).any()


@pytest.mark.parametrize("rule", [ray_right, cross_rows])
def test_rays_generalise(rule):
    fit = make_examples(seeds(30, 1) + seeds(1, 3, lo=12), rule)  # the crop: 12 x 12
    held = make_examples(seeds(10, 2), rule)
    g = SOLVERS["rays"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit + held)


def test_not_rays():
    ex = make_examples(seeds(4, 3), np.fliplr)
    assert SOLVERS["rays"].build(ex) is None


@pytest.mark.parametrize("num", [43, 299])
def test_real_tasks(num):
    assert_solves_real_task("rays", num)


# -- diagonals ---------------------------------------------------------------------------------


def x_rays(g: np.ndarray) -> np.ndarray:
    """Each 2 shoots 2s along both diagonals, over the background (not over 7s), to the edges."""
    out = g.copy()
    h, w = g.shape
    for r, c in zip(*np.nonzero(g == 2), strict=True):
        for dy, dx in DIAGONALS.values():
            y, x = r + dy, c + dx
            while 0 <= y < h and 0 <= x < w:
                if g[y, x] == 0:
                    out[y, x] = g[r, c]
                y, x = y + dy, x + dx
    return out


def down_right_of_3(g: np.ndarray) -> np.ndarray:
    """Background cells with a 3 somewhere up-left on their diagonal become 8; 2s stay."""
    planes = ray_planes_grid(g, (3,), diagonals=True)
    up_left = planes[4]
    return np.where((g == 0) & (up_left > 0), 8, g)


def test_diagonal_planes_reference():
    g = np.zeros((4, 5), np.int64)
    g[1, 2] = 1
    up_right = ray_planes_grid(g, (1,), diagonals=True)[5]  # order: up_left, up_right, ...
    assert up_right[2, 1] == 1 and up_right[3, 0] == 1 and up_right.sum() == 2


@pytest.mark.parametrize("rule, colours", [(x_rays, (2, 7)), (down_right_of_3, (2, 3))])
def test_rays_diagonal_generalise(rule, colours):
    fit = make_examples(seeds(30, 1, colours) + seeds(1, 3, colours, lo=12), rule)
    held = make_examples(seeds(10, 2, colours), rule)
    g = SOLVERS["rays_diagonal"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:5] + held)


def test_not_diagonal_rays():
    assert SOLVERS["rays_diagonal"].build(make_examples(seeds(4, 3), np.fliplr)) is None
    assert SOLVERS["rays_diagonal"].build(make_examples(seeds(3, 4), lambda g: g)) is None
