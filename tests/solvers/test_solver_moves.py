"""Zero-filled shifts and gravity on synthetic and real tasks."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import make_examples, ort_exact, random_grids

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.moves import fall, shifted
from trmgolf.tasks import load_task


def sparse_grids(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = rng.integers(3, 10, 2)
        g = rng.integers(0, 10, (h, w))
        g[rng.random((h, w)) < 0.6] = 0
        out.append(g)
    return out


@pytest.mark.parametrize("direction", ["down", "up", "left", "right"])
def test_gravity_generalises(direction):
    fit = make_examples(sparse_grids(5, 1), lambda g: fall(g, direction, 0))
    held = make_examples(sparse_grids(5, 2), lambda g: fall(g, direction, 0))
    g = SOLVERS["gravity"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit + held)


@pytest.mark.parametrize("dy,dx,fill", [(1, 0, 0), (0, -2, 0), (-1, 2, 3)])
def test_shift_fills_vacated_cells(dy, dx, fill):
    fit = make_examples(random_grids(5, 1), lambda g: shifted(g, dy, dx, fill))
    held = make_examples(random_grids(5, 2), lambda g: shifted(g, dy, dx, fill))
    g = SOLVERS["shift"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit + held)


def test_not_a_move():
    ex = make_examples(random_grids(4, 3), np.fliplr)
    assert SOLVERS["shift"].build(ex) is None
    assert SOLVERS["gravity"].build(ex) is None


@pytest.mark.parametrize("num,name", [(32, "gravity"), (78, "gravity"), (53, "shift")])
def test_real_tasks(neurogolf, num, name):
    task = load_task(neurogolf / f"task{num:03d}.json")
    gen = task.splits.get("arc-gen", [])
    fit = task.splits["train"] + gen[: len(gen) // 2]
    rest = task.splits.get("test", []) + gen[len(gen) // 2:]
    g = SOLVERS[name].build(fit)
    assert g is not None and check(g, rest[:40])
