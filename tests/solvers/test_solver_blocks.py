"""Block tilings of rotated / reflected copies of the input."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import make_examples, ort_exact, random_grids

from trmgolf.solvers import SOLVERS, check
from trmgolf.tasks import load_task


def square_grids(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 10, (k, k)) for k in rng.integers(2, 8, n)]


def pinwheel(g: np.ndarray) -> np.ndarray:
    return np.vstack([np.hstack([g, np.rot90(g, -1)]), np.hstack([np.rot90(g, 1), np.rot90(g, 2)])])


def test_rotated_tiling_any_square_size():
    fit = make_examples(square_grids(5, 1), pinwheel)
    held = make_examples(square_grids(5, 2), pinwheel)
    g = SOLVERS["block_map"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit + held)


def test_fixed_shape_uses_constant_indices():
    grids = [np.random.default_rng(i).integers(0, 10, (3, 4)) for i in range(4)]
    ex = make_examples(grids, lambda g: np.hstack([g, np.flipud(g), np.rot90(g, 2)]))
    g = SOLVERS["block_map"].build(ex)
    assert g is not None and ort_exact(g, ex)
    assert "gather" in [n.op for n in g.nodes] and all(n.op != "reduce_max" for n in g.nodes)


def test_not_a_block_map():
    ex = make_examples(random_grids(4, 3), lambda g: np.tile(g + 1, (2, 2)) % 10)
    assert SOLVERS["block_map"].build(ex) is None


@pytest.mark.parametrize("num", [106, 194])
def test_real_tasks(neurogolf, num):
    task = load_task(neurogolf / f"task{num:03d}.json")
    gen = task.splits.get("arc-gen", [])
    fit = task.splits["train"] + gen[: len(gen) // 2]
    rest = task.splits.get("test", []) + gen[len(gen) // 2:]
    g = SOLVERS["block_map"].build(fit)
    assert g is not None and check(g, rest[:40])
