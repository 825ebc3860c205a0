"""rays: directional seen-colour planes + a fitted Conv, on synthetic and real tasks."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import make_examples, ort_exact, real_task

from trmgolf.ir.builder import Builder
from trmgolf.ir.interp import run
from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.planes import crop_input
from trmgolf.solvers.rays import ray_planes_build, ray_planes_grid
from trmgolf.tasks import grid_to_onehot


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


def test_planes_match_reference():
    g = np.random.default_rng(0).integers(0, 10, (7, 9))
    b = Builder()
    b.graph.output = ray_planes_build(b, crop_input(b, 9), (1, 4))
    planes = run(b.graph, grid_to_onehot(g.tolist()))[0]
    assert np.array_equal(planes[:, :7], ray_planes_grid(g, (1, 4)))
    assert not planes[:, 7:].any()
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
    _, fit, rest = real_task(num)
    g = SOLVERS["rays"].build(fit)
    assert g is not None and check(g, rest[:30])
