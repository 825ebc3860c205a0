"""symmetry_complete: masked cells restored through canvas-fixed mirrors, synthetic and real tasks."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import assert_solves_real_task, make_examples, ort_exact

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.symmetry import complete, mirror_grid, obeys
from trmgolf.tasks import Example

MASK = 5


def symmetric_pictures(n: int, seed: int, side: int, kind: str) -> list[np.ndarray]:
    """Pictures without the mask colour: 4-fold mirrored, transpose-symmetric, or mirrored about
    row/column ``side + 1`` (the first two rows and columns stand outside the mirror, as in ARC)."""
    rng = np.random.default_rng(seed)
    colours = np.array([c for c in range(10) if c != MASK])
    out = []
    for _ in range(n):
        g = colours[rng.integers(0, len(colours), (side, side))]
        if kind == "four_fold":
            g = np.maximum(g, g[::-1])
            g = np.maximum(g, g[:, ::-1])
        elif kind == "transpose":
            g = np.triu(g) + np.triu(g, 1).T
        else:  # offset mirrors: row r -> side + 1 - r for rows 2..side-1, columns alike
            g[2:] = np.maximum(g[2:], g[2:][::-1])
            g[:, 2:] = np.maximum(g[:, 2:], g[:, 2:][:, ::-1])
        out.append(g)
    return out


def masked(g: np.ndarray, rng: np.random.Generator, kind: str) -> np.ndarray:
    """``g`` with one rectangle (at most a quarter of each side) painted in the mask colour where
    a mirror can restore it: off the diagonal (transpose), inside the mirrored core (offset)."""
    h, w = g.shape
    rh, rw = rng.integers(1, h // 4 + 1), rng.integers(1, w // 4 + 1)
    r, c = rng.integers(0, h - rh + 1), rng.integers(0, w - rw + 1)
    if kind == "transpose":
        r, c = rng.integers(h // 2, h - rh + 1), rng.integers(0, w // 2 - rw + 1)
    elif kind == "offset":
        r, c = rng.integers(2, h - rh + 1), rng.integers(2, w - rw + 1)
    out = g.copy()
    out[r:r + rh, c:c + rw] = MASK
    return out


def repair_task(kind: str, n: int, seed: int, side: int = 10):
    rng = np.random.default_rng(seed + 100)
    pictures = symmetric_pictures(n, seed, side, kind)
    return [Example(masked(g, rng, kind).tolist(), g.tolist()) for g in pictures]


def test_mirrors_reference():
    g = np.arange(16).reshape(4, 4)
    assert np.array_equal(mirror_grid(g, ("ud", 3)), g[::-1])
    assert np.array_equal(mirror_grid(g, ("lr", 3)), g[:, ::-1])
    assert np.array_equal(mirror_grid(g, ("tr", 0)), g.T)
    assert np.array_equal(mirror_grid(g, ("atr", 3)), np.rot90(g, 2).T)
    shifted = mirror_grid(g, ("ud", 4))  # row r <- row 4 - r: row 0 has no mirror
    assert (shifted[0] == -1).all() and np.array_equal(shifted[1:], g[:0:-1])
    assert obeys(np.array([[1, 2], [2, 1]]), ("tr", 0)) and not obeys(np.array([[1, 2], [3, 1]]), ("tr", 0))
    hole = np.array([[1, 2, 2, 1], [3, MASK, 4, 3]])
    assert np.array_equal(complete(hole, [("lr", 3)], MASK, 1), [[1, 2, 2, 1], [3, 4, 4, 3]])


@pytest.mark.parametrize("kind", ["four_fold", "transpose", "offset"])
def test_symmetry_complete_generalises(kind):
    fit = repair_task(kind, 12, 1)
    held = repair_task(kind, 12, 2)
    g = SOLVERS["symmetry_complete"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:4] + held[:4])


def test_not_a_repair():
    pictures = symmetric_pictures(4, 3, 8, "four_fold")
    assert SOLVERS["symmetry_complete"].build(make_examples(pictures, np.fliplr)) is None
    # the mask is filled with one colour, not from a mirror: no mirror explains it
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 5, (8, 8)) for _ in range(4)]
    ex = make_examples([np.where(g == 0, MASK, g) for g in noise], lambda g: np.where(g == MASK, 7, g))
    assert SOLVERS["symmetry_complete"].build(ex) is None


@pytest.mark.parametrize("num", [74, 287])
def test_real_tasks(num):
    assert_solves_real_task("symmetry_complete", num)
