"""Local rules over views of the input (mirrors, scalings, tilings, bounding-box crops)."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import make_examples, ort_exact, random_grids

from trmgolf.solvers import SOLVERS, check
from trmgolf.tasks import load_task


def sparse_grids(n: int, seed: int, lo: int = 3, hi: int = 8) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = rng.integers(lo, hi + 1, 2)
        g = rng.integers(1, 4, (h, w))
        g[rng.random((h, w)) < 0.6] = 0
        out.append(g)
    return out


def symmetrise(g: np.ndarray) -> np.ndarray:
    return np.where(g != 0, g, np.fliplr(g))


def fractal(g: np.ndarray) -> np.ndarray:
    return np.kron(g != 0, g)


def crop_recolour(g: np.ndarray) -> np.ndarray:
    rs, cs = np.flatnonzero((g != 0).any(1)), np.flatnonzero((g != 0).any(0))
    return np.where(g[rs[0]:rs[-1] + 1, cs[0]:cs[-1] + 1] == 1, 5, g[rs[0]:rs[-1] + 1, cs[0]:cs[-1] + 1])


def flip_recolour(g: np.ndarray) -> np.ndarray:
    return np.flipud((g + 1) % 10)


def framed(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        g = np.zeros((12, 12), int)
        h, w = rng.integers(2, 6, 2)
        r, c = rng.integers(0, 12 - h), rng.integers(0, 12 - w)
        g[r:r + h, c:c + w] = rng.integers(1, 4, (h, w))
        g[r, c] = g[r + h - 1, c + w - 1] = 2
        out.append(g)
    return out


def halves(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        w = int(rng.integers(3, 7))
        top, bottom = (rng.random((2, 4, w)) < 0.5).astype(int)
        out.append(np.vstack([top * 2, np.full((1, w), 5), bottom * 2]))
    return out


def xor_halves(g: np.ndarray) -> np.ndarray:
    return ((g[:4] != 0) ^ (g[5:] != 0)).astype(int) * 3


def holed(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        half = rng.integers(1, 5, (10, 5))
        g = np.hstack([half, np.fliplr(half)])
        r, c = int(rng.integers(0, 7)), int(rng.integers(0, 2))
        h, w = int(rng.integers(2, 4)), int(rng.integers(2, 4))
        g[r:r + h, c:c + w] = 0
        out.append(g)
    return out


def fill_hole(g: np.ndarray) -> np.ndarray:
    rs, cs = np.flatnonzero((g == 0).any(1)), np.flatnonzero((g == 0).any(0))
    return np.fliplr(g)[rs[0]:rs[-1] + 1, cs[0]:cs[-1] + 1]


@pytest.mark.parametrize("rule,grids", [
    (xor_halves, lambda s: halves(12, s)),
    (fill_hole, lambda s: holed(8, s)),
    (symmetrise, lambda s: sparse_grids(6, s)),
    (fractal, lambda s: sparse_grids(8, s, 3, 3)),
    (flip_recolour, lambda s: random_grids(6, s)),
    (crop_recolour, lambda s: framed(8, s)),
])
def test_view_rules_generalise(rule, grids):
    fit = make_examples(grids(1), rule)
    held = make_examples(grids(2), rule)
    g = SOLVERS["view_rule"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit + held)


def test_not_a_view_rule():
    ex = make_examples(random_grids(6, 4), lambda g: np.roll(g, 1, axis=0) * 0 + g.sum() % 10)
    assert SOLVERS["view_rule"].build(ex) is None


@pytest.mark.parametrize("num", [1, 31, 72, 113, 242, 296])
def test_real_tasks(neurogolf, num):
    task = load_task(neurogolf / f"task{num:03d}.json")
    gen = task.splits.get("arc-gen", [])
    fit = task.splits["train"] + gen[: len(gen) // 2]
    rest = task.splits.get("test", []) + gen[len(gen) // 2:]
    g = SOLVERS["view_rule"].build(fit)
    assert g is not None and check(g, rest[:40])
