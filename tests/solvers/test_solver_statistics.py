"""statistics: colours by frequency rank, counts drawn as cells, a block of a chosen colour."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import assert_solves_real_task, make_examples, ort_exact

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.statistics import chosen_colour, euler_number, fit_rank_map, ranked_colours


def scattered(n: int, seed: int, colours: int = 3, lo: int = 4, hi: int = 9,
              palette: tuple[int, ...] = tuple(range(1, 10))) -> list[np.ndarray]:
    """Grids on 0 with ``colours`` colours of ``palette`` scattered, every count distinct."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        h, w = rng.integers(lo, hi + 1, 2)
        picks = rng.choice(palette, size=colours, replace=False)
        g = rng.choice(np.concatenate([[0], picks]), size=(h, w), p=[0.4] + [0.6 / colours] * colours)
        counts = np.bincount(g.ravel(), minlength=10)
        present = counts[counts > 0]
        if all((g == c).any() for c in picks) and len(np.unique(present)) == len(present):
            out.append(g)
    return out


def by_rank(rule):
    """A rule of the rank list (0 excluded, most frequent first) applied cell by cell."""
    def apply(g):
        ranked = ranked_colours(g, (0,))
        table = rule(ranked)
        return np.vectorize(lambda c: table.get(c, c))(g)
    return apply


def swap_extremes(ranked):
    return {ranked[0]: ranked[-1], ranked[-1]: ranked[0]}


def erase_rarest(ranked):
    return {ranked[-1]: 0}


def all_to_most(ranked):
    return {c: ranked[0] for c in ranked}


def test_rank_reference():
    g = np.array([[1, 1, 1], [2, 2, 0], [3, 0, 0]])
    assert ranked_colours(g, (0,)) == [1, 2, 3]
    assert ranked_colours(g, ()) == [1, 0, 2, 3] or ranked_colours(g, ()) is None  # 0 and 1 tie
    assert ranked_colours(np.array([[1, 2]]), ()) is None
    assert euler_number(np.array([[1, 1, 0], [1, 0, 0], [0, 0, 1]]), 1) == 2
    assert euler_number(np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]]), 1) == 0  # one object, one hole
    assert chosen_colour(np.array([[4, 4, 4, 2, 2]]), "most") == 4
    # a box is the rows times the columns a colour touches: 4 touches 2 columns, 2 touches 3
    assert chosen_colour(np.array([[4, 0, 4, 2, 2, 2]]), "largest_box") == 2
    assert chosen_colour(np.array([[4, 0, 4], [0, 0, 4], [2, 2, 2]]), "largest_box") == 4


@pytest.mark.parametrize("rule", [swap_extremes, erase_rarest, all_to_most])
def test_colour_rank_map_generalises(rule):
    fit = make_examples(scattered(14, 1, colours=3), by_rank(rule))
    held = make_examples(scattered(14, 2, colours=3), by_rank(rule))
    g = SOLVERS["colour_rank_map"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:3] + held[:3])


def test_colour_rank_map_with_a_fixed_colour():
    """Colour 5 becomes the other colour, the other colour becomes 0 (a rule outside the ranking)."""
    def rule(g):
        other = (set(np.unique(g).tolist()) - {0, 5}).pop()
        return np.select([g == 5, g == other], [other, 0], g)

    grids = [g for g in scattered(30, 3, colours=2, palette=(1, 2, 3, 4, 5, 6, 7, 8, 9)) if (g == 5).any()]
    fit, held = make_examples(grids[:8], rule), make_examples(grids[8:], rule)
    rank_map = fit_rank_map([(np.asarray(e.input), np.asarray(e.output)) for e in fit])
    assert rank_map is not None and 5 in rank_map.excluded
    g = SOLVERS["colour_rank_map"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, held[:4])


def test_not_a_rank_map():
    grids = scattered(6, 4)
    assert SOLVERS["colour_rank_map"].build(make_examples(grids, np.fliplr)) is None
    # a fixed colour table is color_map's, not a statistic
    assert SOLVERS["colour_rank_map"].build(make_examples(grids, lambda g: np.where(g == 1, 2, g))) is None


@pytest.mark.parametrize(("column", "skip"), [(True, 0), (False, 1)])
def test_colour_list(column, skip):
    def rule(g):
        seq = np.asarray(ranked_colours(g, (0,))[skip:skip + 3])
        return seq.reshape(-1, 1) if column else seq.reshape(1, -1)

    fit = make_examples(scattered(10, 5, colours=4), rule)
    held = make_examples(scattered(10, 6, colours=4), rule)
    g = SOLVERS["colour_list"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:2] + held[:3])


def test_not_a_colour_list():
    grids = scattered(6, 7, colours=4)
    assert SOLVERS["colour_list"].build(make_examples(grids, lambda g: g[:3, :1])) is None


ORDER = np.array([[1, 2, 3], [8, 9, 4], [7, 6, 5]])  # a spiral: the n-th cell lights up at count n


def test_count_fill_cells_in_a_spiral():
    rng = np.random.default_rng(8)
    grids = []
    for n in list(range(0, 10)) * 2:
        g = np.zeros((5, 5), np.int64)
        g.flat[rng.choice(25, size=n, replace=False)] = 1
        g[g == 0] = rng.choice([0, 3], size=int((g == 0).sum()), p=[0.8, 0.2])
        grids.append(g)
    rule = lambda g: np.where((g == 1).sum() >= ORDER, 2, 0)  # noqa: E731
    fit, held = make_examples(grids[:10], rule), make_examples(grids[10:], rule)
    g = SOLVERS["count_fill"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, held[:5])


def blocks(n: int, seed: int) -> list[np.ndarray]:
    """Grids with 1-5 separate 2 x 2 blocks of colour 2 (objects) and noise cells of colour 4."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        g = np.zeros((9, 9), np.int64)
        for _ in range(int(rng.integers(1, 6))):
            r, c = rng.integers(0, 4, 2) * 2
            g[r:r + 2, c:c + 2] = 2
        g[rng.integers(0, 9, 3), rng.integers(0, 9, 3)] = 4
        out.append(g)
    return out


def test_count_fill_objects_as_a_bar():
    """A 1 x 6 bar with one cell of 1 per object of colour 2 (an Euler-number count)."""
    def rule(g):
        return np.where(np.arange(6)[None, :] < euler_number(g, 2), 1, 0)

    fit, held = make_examples(blocks(16, 9), rule), make_examples(blocks(16, 10), rule)
    g = SOLVERS["count_fill"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, held[:4])


def test_count_fill_count_sized_output():
    """A 1 x N row of the grid's one colour, N = its number of cells (the output's width varies)."""
    rng = np.random.default_rng(11)
    grids = []
    for n in [1, 2, 3, 4, 5, 2, 3, 4, 1, 5, 3, 4]:
        g = np.zeros((3, 3), np.int64)
        g.flat[rng.choice(9, size=n, replace=False)] = rng.integers(1, 10)
        grids.append(g)
    rule = lambda g: np.full((1, int((g != 0).sum())), g.max())  # noqa: E731
    fit, held = make_examples(grids[:8], rule), make_examples(grids[8:], rule)
    g = SOLVERS["count_fill"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:2] + held)


def test_not_a_count_fill():
    grids = blocks(6, 12)
    assert SOLVERS["count_fill"].build(make_examples(grids, np.flipud)) is None


@pytest.mark.parametrize(("statistic", "shape"), [("most", (2, 2)), ("least", None), ("largest_box", (1, 1))])
def test_stat_fill(statistic, shape):
    def rule(g):
        return np.full(shape or g.shape, chosen_colour(g, statistic))

    keep = [g for g in scattered(40, 13, colours=3) if chosen_colour(g, statistic) is not None]
    fit, held = make_examples(keep[:10], rule), make_examples(keep[10:20], rule)
    g = SOLVERS["stat_fill"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:2] + held[:3])


def test_not_a_stat_fill():
    grids = scattered(6, 14)
    assert SOLVERS["stat_fill"].build(make_examples(grids, lambda g: np.full((2, 2), 7))) is None
    assert SOLVERS["stat_fill"].build(make_examples(grids, np.fliplr)) is None


REAL = [(298, "colour_rank_map"), (393, "colour_list"), (186, "count_fill")]


@pytest.mark.parametrize(("num", "name"), REAL)
def test_real_tasks(num, name):
    assert_solves_real_task(name, num, None)
