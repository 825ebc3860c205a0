"""grow_rule: a 3 x 3 rule run to its fixpoint (growth that stops by itself), synthetic tasks."""

from __future__ import annotations

import numpy as np
from solver_testlib import make_examples, ort_exact

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.iterate import change_steps, run_steps

STEPS4 = ((1, 0), (-1, 0), (0, 1), (0, -1))
STEPS8 = STEPS4 + ((1, 1), (1, -1), (-1, 1), (-1, -1))


def fixpoint(g: np.ndarray, step) -> np.ndarray:
    out = g.copy()
    while True:
        nxt = step(out)
        if np.array_equal(nxt, out):
            return out
        out = nxt


def spread(colour: int, into: int, moves) -> callable:
    """One step: every ``into`` cell next to a ``colour`` cell (by ``moves``) takes ``colour``."""
    def step(g: np.ndarray) -> np.ndarray:
        p = np.pad(g, 1, constant_values=-1)
        h, w = g.shape
        near = np.zeros(g.shape, bool)
        for dy, dx in moves:
            near |= p[1 + dy: 1 + dy + h, 1 + dx: 1 + dx + w] == colour
        return np.where((g == into) & near, colour, g)
    return step


def mazes(n: int, seed: int, lo: int = 6, hi: int = 11) -> list[np.ndarray]:
    """Walls of 5 (a quarter of the cells) and one seed 3 on the background 0."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = (int(v) for v in rng.integers(lo, hi + 1, 2))
        g = np.where(rng.random((h, w)) < 0.25, 5, 0)
        g[int(rng.integers(h)), int(rng.integers(w))] = 3
        out.append(g)
    return out


def test_change_steps_count_rings_from_the_seed():
    a = np.array([[3, 0, 0, 5, 0]])
    o = np.array([[3, 3, 3, 5, 0]])
    assert change_steps(a, o, 0, 4, True).tolist() == [[0, 1, 2, 0, 0]]
    assert change_steps(np.array([[0, 0]]), np.array([[0, 3]]), 0, 4, True) is None


def flood(g: np.ndarray) -> np.ndarray:
    return fixpoint(g, spread(3, 0, STEPS4))


def diagonal_flood(g: np.ndarray) -> np.ndarray:
    """Spreads through 8-neighbours too: a different rule, and a different step order."""
    return fixpoint(g, spread(3, 0, STEPS8))


def test_grow_rule_flood_through_a_maze():
    fit = make_examples(mazes(30, 1) + mazes(1, 9, lo=11), flood)
    held = make_examples(mazes(15, 2, hi=9), flood)
    g = SOLVERS["grow_rule"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:3] + held[:5])


def test_grow_rule_eight_neighbour_spread():
    fit = make_examples(mazes(30, 3) + mazes(1, 9, lo=11), diagonal_flood)
    held = make_examples(mazes(15, 4, hi=9), diagonal_flood)
    g = SOLVERS["grow_rule"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, held[:5])


def test_not_growth():
    assert SOLVERS["grow_rule"].build(make_examples(mazes(6, 5), np.fliplr)) is None
    assert SOLVERS["grow_rule"].build(make_examples(mazes(4, 6), lambda g: g)) is None


def test_run_steps():
    assert run_steps(10, 7) == 10  # straight growth: a side's worth of steps reaches every cell
    assert run_steps(10, 12) == 24  # winding growth: room for unseen, deeper mazes
