"""fill_enclosed: the enclosed plane by unrolled propagation, on synthetic and real tasks."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import assert_solves_real_task, make_examples, ort_exact

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.regions import enclosed, steps_needed


def boxes(n: int, seed: int, wall: int = 3, lo: int = 6, hi: int = 12) -> list[np.ndarray]:
    """Grids with one to three hollow rectangles (some with a gap in the wall) and noise."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = rng.integers(lo, hi + 1, 2)
        g = np.zeros((h, w), np.int64)
        for _ in range(rng.integers(1, 4)):
            r0, c0 = rng.integers(0, h - 3), rng.integers(0, w - 3)
            r1, c1 = rng.integers(r0 + 2, h), rng.integers(c0 + 2, w)
            g[r0, c0:c1 + 1] = g[r1, c0:c1 + 1] = wall
            g[r0:r1 + 1, c0] = g[r0:r1 + 1, c1] = wall
            if rng.random() < 0.3:
                g[r0, rng.integers(c0, c1 + 1)] = 0
        out.append(g)
    return out


def fill(g: np.ndarray, colour: int) -> np.ndarray:
    out = g.copy()
    out[enclosed(g, steps_needed(g))] = colour
    return out


def test_enclosed_reference():
    g = np.array([[1, 1, 1, 0],
                  [1, 0, 1, 0],
                  [1, 1, 1, 0],
                  [0, 0, 0, 0]])
    assert steps_needed(g) == 1  # every open cell touches the ring of outside cells
    holes = enclosed(g, steps_needed(g))
    assert holes.sum() == 1 and holes[1, 1]
    # too few steps: the far corner of a long corridor still looks enclosed
    corridor = np.ones((3, 9), np.int64)
    corridor[1, 1:] = 0  # open to the right edge only
    assert steps_needed(corridor) == 8
    assert enclosed(corridor, 2)[1, 1] and not enclosed(corridor, 8).any()


@pytest.mark.parametrize("colour", [4, 1])
def test_fill_generalises(colour):
    fit = make_examples(boxes(8, 1) + boxes(1, 3, lo=12), lambda g: fill(g, colour))  # crop: 12 x 12
    held = make_examples(boxes(8, 2), lambda g: fill(g, colour))
    g = SOLVERS["fill_enclosed"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit + held)


def test_not_a_fill():
    ex = make_examples(boxes(4, 3), np.fliplr)
    assert SOLVERS["fill_enclosed"].build(ex) is None
    nothing_enclosed = make_examples([np.eye(5, dtype=np.int64)] * 2, lambda g: g * 2)
    assert SOLVERS["fill_enclosed"].build(nothing_enclosed) is None


@pytest.mark.slow
@pytest.mark.parametrize("num", [2, 251])
def test_real_tasks(num):
    assert_solves_real_task("fill_enclosed", num)
