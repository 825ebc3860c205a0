"""crop_colour: the box around a selected colour's cells, cut to the top-left; synthetic and real."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import assert_solves_real_task, make_examples, ort_exact

from trmgolf.grid.vocab import boxed
from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.objects import selected_colour


def scenes(n: int, seed: int, lo: int = 8, hi: int = 14) -> list[np.ndarray]:
    """Grids with three to four filled rectangles of distinct colours and distinct areas (later
    ones may overlap earlier ones), plus a few noise cells of colour 9."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        h, w = rng.integers(lo, hi + 1, 2)
        g = np.zeros((h, w), np.int64)
        for colour in rng.permutation(np.arange(1, 9))[: rng.integers(3, 5)]:
            rh, rw = rng.integers(1, h // 2 + 1), rng.integers(1, w // 2 + 1)
            r, c = rng.integers(0, h - rh + 1), rng.integers(0, w - rw + 1)
            g[r:r + rh, c:c + rw] = colour
        counts = np.bincount(g.ravel(), minlength=10)[1:]
        present = counts[counts > 0]
        if len(np.unique(present)) == len(present):  # no ties: every selection is defined
            out.append(g)
    return out


def crop_by(selection: str):
    return lambda g: boxed(g, (selected_colour(g, selection),))


def test_selection_reference():
    g = np.array([[1, 1, 0], [2, 1, 0], [0, 3, 3]])
    assert selected_colour(g, "most") == 1 and selected_colour(g, "least") == 2
    assert selected_colour(g, "colour3") == 3 and selected_colour(g, "colour7") is None
    assert selected_colour(np.array([[1, 2]]), "least") is None  # a tie picks nothing
    assert np.array_equal(boxed(g, (3,)), [[3, 3]])
    assert np.array_equal(boxed(g, (2,)), [[2]])


@pytest.mark.parametrize("selection", ["least", "most", "colour4"])
def test_crop_colour_generalises(selection):
    keep = (lambda g: (g == 4).any()) if selection == "colour4" else (lambda g: True)
    fit = make_examples([g for g in scenes(16, 1) if keep(g)], crop_by(selection))
    held = make_examples([g for g in scenes(16, 2) if keep(g)], crop_by(selection))
    g = SOLVERS["crop_colour"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:4] + held[:4])


def test_not_a_colour_crop():
    grids = scenes(4, 3)
    assert SOLVERS["crop_colour"].build(make_examples(grids, np.fliplr)) is None  # same shape
    assert SOLVERS["crop_colour"].build(make_examples(grids, lambda g: g[:2, :2])) is None


@pytest.mark.parametrize("num", [14, 49, 300, 310])
def test_real_tasks(num):
    assert_solves_real_task("crop_colour", num)
