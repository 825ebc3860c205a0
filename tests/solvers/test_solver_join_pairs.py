"""join_pairs: pairs of one colour along rows, columns or diagonals are joined; fitted on a few
random grids, checked against its numpy meaning on many more under onnxruntime, and refused
where the examples say something else."""

from __future__ import annotations

import numpy as np
import pytest

from trmgolf.compiler.driver import compile_graph
from trmgolf.grid.vocab import LINES, nearest_colours
from trmgolf.ir.interp import run
from trmgolf.scoring.answers import verify
from trmgolf.solvers.join_pairs import ANY_COLOUR, join_pairs, join_pairs_graph, joined
from trmgolf.tasks import Example, Task, grid_to_onehot

RULES = {
    "rows, any colour": (("row",), ANY_COLOUR),
    "cols over rows, 8 as 3": (("row", "col"), {(8, 8): 3}),
    "diagonals, two keys": (("diag", "anti"), {(2, 2): 2, (6, 6): 4}),
    "rays from 4, and empty lines": (("col", "row"), {(0, 4): 4, (0, 0): 2}),
}


def _dots(rng: np.random.Generator, side: int | None = None) -> np.ndarray:
    """A random grid (2..15 a side, or ``side``) of a few scattered cells of a few colours."""
    h, w = (side, side) if side else (int(v) for v in rng.integers(2, 16, size=2))
    g = np.zeros((h, w), np.int64)
    colours = rng.choice(np.arange(1, 10), int(rng.integers(1, 4)), replace=False)
    for _ in range(int(rng.integers(2, 8))):
        g[rng.integers(h), rng.integers(w)] = rng.choice(colours)
    # make pairs likely: copy a cell along a line kind
    for _ in range(3):
        r, c = int(rng.integers(h)), int(rng.integers(w))
        dr, dc = [(0, 1), (1, 0), (1, 1), (1, -1)][int(rng.integers(4))]
        t = int(rng.integers(2, 8))
        if g[r, c] and 0 <= r + t * dr < h and 0 <= c + t * dc < w:
            g[r + t * dr, c + t * dc] = g[r, c]
    return g


def _task(lines, colours, n: int, seed: int, side: int | None = None) -> list[Example]:
    rng = np.random.default_rng(seed)
    return [Example((g := _dots(rng, side)).tolist(), joined(g, lines, colours).tolist()) for _ in range(n)]


@pytest.mark.parametrize("name", sorted(RULES))
def test_join_pairs_fits_and_is_exact_on_many_random_grids_under_onnxruntime(name):
    lines, colours = RULES[name]
    fit = [e for e in _task(lines, colours, 400, seed=len(name)) if e.input != e.output][:60]
    fit += _task(lines, colours, 4, seed=50 + len(name), side=15)  # the canvas: 15 a side
    graph = join_pairs(fit)
    assert graph is not None
    check = _task(lines, colours, 60, seed=100 + len(name), side=15)
    check += [Example(g, joined(np.array(g), lines, colours).tolist()) for g in ([[0]], [[4, 0, 0]])]
    result = verify(compile_graph(graph).data, Task("t", {"train": check}), threads_check=False)
    assert result.passed, result.first_failure


def test_graph_equals_meaning_for_every_line_kind_and_size():
    rng = np.random.default_rng(7)
    for lines in [(line,) for line in LINES] + [("anti", "row"), ("col", "diag")]:
        graph = join_pairs_graph(lines, {(3, 3): 5, (7, 7): 7, (0, 3): 4, (3, 7): 6}, side=13)
        for _ in range(6):
            g = _dots(rng, None)[:13, :13]
            g[g == 1] = 3
            want = joined(g, lines, {(3, 3): 5, (7, 7): 7, (0, 3): 4, (3, 7): 6})
            got = run(graph, grid_to_onehot(g.tolist()))[0]
            assert np.array_equal(got.argmax(0)[:g.shape[0], :g.shape[1]], want), lines
            assert not got[:, g.shape[0]:].any() and not got[:, :, g.shape[1]:].any()


def test_nearest_colours_reads_both_sides_of_every_line():
    g = np.array([[1, 0, 2], [0, 0, 0], [3, 0, 4]])
    before, after = nearest_colours(g, "row")
    assert before[0].tolist() == [1, 1, 2] and after[0].tolist() == [1, 2, 2]
    assert nearest_colours(g, "diag")[1][0, 0] == 1 and nearest_colours(g, "diag")[0][2, 2] == 4
    assert nearest_colours(g, "anti")[0][1, 1] == 2 and nearest_colours(g, "anti")[1][1, 1] == 3


def test_refuses_what_it_does_not_explain():
    lines, colours = ("row",), ANY_COLOUR
    fit = _task(lines, colours, 40, seed=3)
    # a seed recoloured: only background may change
    recoloured = []
    for e in fit:
        a, o = np.array(e.input), np.array(e.output)
        o[(a == a.max()) & (a > 0)] = 5
        recoloured.append(Example(a.tolist(), o.tolist()))
    assert join_pairs(recoloured) is None
    # the whole row painted, past the pair: not a join
    painted = []
    for e in fit:
        a = np.array(e.input)
        o = a.copy()
        for r, row in enumerate(a):
            if (row > 0).sum() == 1:
                o[r] = row.max()
        painted.append(Example(a.tolist(), o.tolist()))
    assert join_pairs(painted) is None
    assert join_pairs([Example([[1, 0, 1]], [[1, 0, 1]])]) is None  # nothing changes
