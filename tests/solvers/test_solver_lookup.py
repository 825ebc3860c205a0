"""feature_lookup: on many random small grids the fitted network (IR interpreter and, for one
rule, onnxruntime) equals the numpy lookup; unseen values get the declared default; the fit
refuses conflicting examples, gaps in the values seen and inputs of several shapes."""

from __future__ import annotations

import numpy as np
import pytest

from trmgolf.compiler.driver import compile_graph
from trmgolf.ir.interp import run
from trmgolf.scoring.answers import verify
from trmgolf.solvers.common import pairs
from trmgolf.solvers.lookup import FEATURES, covered, feature_lookup, fit_lookup
from trmgolf.tasks import Example, Task, grid_to_onehot, onehot_to_grid

BY_NAME = {f.name: f for f in FEATURES}
GLYPHS = {1: [[5, 5, 5], [0, 0, 0], [0, 0, 0]], 2: [[5, 0, 0], [0, 5, 0], [0, 0, 5]],
          3: [[0, 0, 5], [0, 5, 0], [5, 0, 0]]}


def _network_answer(graph, grid: np.ndarray) -> np.ndarray:
    return np.asarray(onehot_to_grid(run(graph, grid_to_onehot(grid.tolist()))))


def _rows_grid(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    g = rng.integers(1, 10, size=shape)
    for r in range(shape[0]):
        if rng.random() < 0.4:
            g[r] = g[r, 0]
    return g


def _mirror_grid(rng: np.random.Generator) -> np.ndarray:
    g = np.where(rng.random((3, 3)) < 0.5, 2, 0)
    if rng.random() < 0.5:
        g[:, 2] = g[:, 0]
    return g


def _colours_grid(rng: np.random.Generator, shape: tuple[int, int], most: int = 3) -> np.ndarray:
    palette = rng.choice(np.arange(1, 10), int(rng.integers(1, most + 1)), replace=False)
    g = rng.choice(palette, size=shape)
    g.flat[: len(palette)] = palette  # every colour of the palette appears
    return g


def _rows_rule(a: np.ndarray) -> np.ndarray:
    return np.where((a == a[:, :1]).all(1, keepdims=True), 5, 0) * np.ones_like(a)


def _task(make, rule, n: int, seed: int) -> list[Example]:
    rng = np.random.default_rng(seed)
    return [Example((g := make(rng)).tolist(), rule(g).tolist()) for _ in range(n)]


CASES = {
    "rows": (lambda rng: _rows_grid(rng, (4, 5)), _rows_rule),
    "mirror": (_mirror_grid, lambda a: np.array([[1 if (a[:, ::-1] == a).all() else 7]])),
    "colours": (lambda rng: _colours_grid(rng, (3, 3)),
                lambda a: np.array(GLYPHS[len(np.unique(a))])),
    "one_colour": (lambda rng: np.where(rng.random((5, 5)) < 0.5, rng.integers(1, 4), 0),
                   lambda a: np.full((2, 1 + int(a.max())), int(a.max()))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_network_equals_the_lookup_on_many_random_grids(name):
    make, rule = CASES[name]
    fit = _task(make, rule, 16, seed=1)
    graph = feature_lookup(fit)
    assert graph is not None
    for e in _task(make, rule, 60, seed=2):
        if len(np.unique(e.input)) > 1 or name != "one_colour":
            assert np.array_equal(_network_answer(graph, np.asarray(e.input)), np.asarray(e.output)), e


def test_the_network_is_exact_under_onnxruntime():
    make, rule = CASES["rows"]
    graph = feature_lookup(_task(make, rule, 12, seed=3))
    assert graph is not None
    result = verify(compile_graph(graph).data, Task("t", {"train": _task(make, rule, 80, seed=4)}),
                    threads_check=False)
    assert result.passed, result.first_failure


def test_the_cheapest_explaining_feature_is_kept():
    make, rule = CASES["rows"]
    data = pairs(_task(make, rule, 16, seed=5))
    assert fit_lookup(BY_NAME["row_uniform"], data) is not None
    assert fit_lookup(BY_NAME["colours"], data) is None  # another feature does not explain it
    columns = pairs([Example(np.asarray(e.input).T.tolist(), np.asarray(e.output).T.tolist())
                     for e in _task(make, rule, 16, seed=5)])
    assert fit_lookup(BY_NAME["col_uniform"], columns) is not None
    assert fit_lookup(BY_NAME["row_uniform"], columns) is None


def test_an_unseen_value_gets_the_default_output():
    """Seen: 1 colour (most often) and 2 colours; a 3-colour grid gets the 1-colour glyph."""
    rng = np.random.default_rng(6)
    grids = [np.full((3, 3), int(rng.integers(1, 10))) for _ in range(12)]
    pairs_ = (_colours_grid(rng, (3, 3), most=2) for _ in range(40))
    grids += [g for g in pairs_ if len(np.unique(g)) == 2][:6]
    fit = [Example(g.tolist(), GLYPHS[len(np.unique(g))]) for g in grids]
    graph = feature_lookup(fit)
    assert graph is not None
    three = np.array([[1, 2, 3], [1, 1, 1], [1, 1, 1]])
    assert np.array_equal(_network_answer(graph, three), np.array(GLYPHS[1]))


def test_the_fit_refuses_what_it_does_not_explain():
    make, rule = CASES["colours"]
    fit = _task(make, rule, 20, seed=7)
    assert feature_lookup(fit) is not None
    # a gap: 1 and 3 colours seen, never 2 (the output for 2 colours is unknown)
    gap = [e for e in fit if len(np.unique(e.input)) != 2]
    assert {len(np.unique(e.input)) for e in gap} == {1, 3}
    assert fit_lookup(BY_NAME["colours"], pairs(gap)) is None
    assert not covered({1, 3}) and covered({1, 2, 3}) and not covered({4})
    # the same value with two outputs
    one = next(e for e in fit if len(np.unique(e.input)) == 1)
    clash = fit + [Example(one.input, GLYPHS[3])]
    assert feature_lookup(clash) is None
    # inputs of two shapes: no fixed grid to read
    assert feature_lookup(fit + [Example([[1, 1], [1, 1]], GLYPHS[1])]) is None
    # one output for every input: a constant, not a lookup
    assert feature_lookup([Example(e.input, GLYPHS[1]) for e in fit]) is None


def test_symmetry_tests_equal_their_meaning_on_symmetric_grids():
    """Random grids are rarely symmetric, so the vocabulary's property test seldom sees a
    symmetric one: here half of the grids are made symmetric, of every shape up to 6 x 6."""
    from trmgolf.grid.vocab import MIRRORS, mirror_symmetric, mirror_symmetric_ir
    from trmgolf.ir.builder import Builder

    rng = np.random.default_rng(8)
    symmetric = 0
    for _ in range(60):
        h, w = (int(v) for v in rng.integers(1, 7, 2))
        mirror = str(rng.choice(MIRRORS))
        a = rng.integers(0, 3, (h, w))
        if rng.random() < 0.6 and (mirror != "diag" or h == w):
            a = (a + (a[:, ::-1] if mirror == "lr" else a[::-1] if mirror == "ud" else a.T)) % 3
        b = Builder()
        b.graph.output = mirror_symmetric_ir(b, b.input, mirror, (h, w))
        want = int(mirror_symmetric(a, mirror).flat[0])
        assert int(run(b.graph, grid_to_onehot(a.tolist())).flat[0]) == want, (mirror, a)
        symmetric += want
    assert symmetric >= 20


@pytest.mark.parametrize("chain", [False, True], ids=["einsum", "where_chain"])
def test_both_lowerings_of_a_value_table_are_exact_under_onnxruntime(chain):
    from trmgolf.solvers.lookup import lookup_graph

    make, rule = CASES["colours"]
    fitted = fit_lookup(BY_NAME["colours"], pairs(_task(make, rule, 20, seed=11)))
    assert fitted is not None and len(fitted.table) == 3
    graph = lookup_graph(fitted, (3, 3), chain)
    ops = {n.op for n in graph.nodes}
    assert ("einsum" in ops) != chain and ("where" in ops) == chain
    result = verify(compile_graph(graph).data, Task("t", {"train": _task(make, rule, 60, seed=12)}),
                    threads_check=False)
    assert result.passed, result.first_failure
