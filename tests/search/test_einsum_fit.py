"""The einsum family: separable route / colour maps found from examples, exact under onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest
from search_testlib import exact_in_onnxruntime

from trmgolf.compiler.driver import compile_graph
from trmgolf.families.contract import Budget, Candidate, fit_data
from trmgolf.scoring.official import measure
from trmgolf.search import search
from trmgolf.search.einsum_fit import FACTOR, PICK_IN, candidates, fit_rule, form_graph, forms
from trmgolf.tasks import Example


def _examples(rule, n: int, seed: int, shape: tuple[int, int], colours: int = 10) -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        g = rng.integers(0, colours, size=shape)
        out.append(Example(g.tolist(), rule(g).tolist()))
    return out


def crop_flip_swap(g: np.ndarray) -> np.ndarray:
    """Rows 1-3 of a 5x5 grid, columns reversed, colours 1 and 2 swapped."""
    out = g[1:4, ::-1].copy()
    return np.where(out == 1, 2, np.where(out == 2, 1, out))


def upscale2(g: np.ndarray) -> np.ndarray:
    return np.kron(g, np.ones((2, 2), np.int64))


def transpose_crop(g: np.ndarray) -> np.ndarray:
    """Rows 1-3 of a 4x6 grid, transposed (6x3)."""
    return g[1:4].T


@pytest.mark.parametrize(("rule", "shape", "label"), [
    (crop_flip_swap, (5, 5), "einsum/"),
    (upscale2, (3, 3), "einsum/"),
    (transpose_crop, (4, 6), "einsumT/"),
])
def test_search_finds_the_einsum_and_it_generalises(rule, shape, label):
    fit = _examples(rule, 30, 0, shape)
    # the einsum family's first candidate (a cheaper one of another family, e.g. a 5-param
    # MaxRoiPool for the upscale, may come before it)
    found = next((f for f in search(fit, budget_s=60) if f.label.startswith(label)), None)
    assert found is not None
    assert [n.op for n in found.graph.nodes if n.op != "constant"] in (["einsum"], ["slice", "einsum"],
                                                                       ["matmul"], ["slice", "matmul"])
    assert exact_in_onnxruntime(found.graph, _examples(rule, 40, 123, shape))


def test_upscale_routes_and_cheapest_form():
    """3x3 -> 6x6: output row i reads input row i // 2; one selector [30,3] + one route [3,30]
    serve both axes (identical constants are shared)."""
    rule = fit_rule(fit_data(_examples(upscale2, 20, 1, (3, 3))), False, lambda: False)
    assert rule is not None
    assert rule.rows[:7] == (0, 0, 1, 1, 2, 2, None) and rule.rows == rule.cols
    assert rule.colours == tuple(range(10))
    best = forms(rule)[0]
    assert (best.rows.kind, best.cols.kind, best.colours.kind) == (PICK_IN, PICK_IN, "identity")
    assert best.cost == 30 * 3 + 3 * 30


def test_flip_is_factorised_like_public_task380():
    """A 3x3 grid rotated a quarter turn: S [30,3] P [3,3] S^T on one axis, the other left out."""
    rule = fit_rule(fit_data(_examples(lambda g: np.rot90(g), 20, 2, (3, 3))), True, lambda: False)
    assert rule is not None
    best = forms(rule)[0]
    assert best.rows.kind == FACTOR and best.cols.kind == "identity" and best.cost == 90 + 9
    graph = form_graph(best)
    (node,) = [n for n in graph.nodes if n.op != "constant"]
    assert node.attrs["equation"] == "ncjw,wt,tu,iu->ncij"


def test_estimated_cost_is_the_graders():
    """The family's price of a cropping form (Slice bytes + constants) is what the grader counts."""
    rule = fit_rule(fit_data(_examples(crop_flip_swap, 20, 3, (5, 5))), False, lambda: False)
    assert rule is not None
    cropping = [f for f in forms(rule) if f.crop != (10, 30, 30)]
    assert cropping
    for form in cropping[:3]:
        _, cost = measure(compile_graph(form_graph(form)).data)
        assert cost is not None and cost.memory + cost.params == form.cost, form.label()


def test_candidates_are_cheapest_first_and_deterministic():
    data = fit_data(_examples(crop_flip_swap, 20, 4, (5, 5)))
    steps = [s for s in candidates(data, Budget(10**9, 3600)) if isinstance(s, Candidate)]
    costs = [s.cost for s in steps]
    assert costs == sorted(costs) and len(steps) > 3
    again = [s for s in candidates(data, Budget(10**9, 3600)) if isinstance(s, Candidate)]
    first = [compile_graph(s.graph).data for s in steps[:3]]
    assert first == [compile_graph(s.graph).data for s in again[:3]]


def test_rejects_a_rule_that_is_not_separable():
    """Each output cell depends on two input cells (is it equal to its right neighbour?)."""
    def rule(g):
        return (g[:, :-1] == g[:, 1:]).astype(np.int64) + 1

    data = fit_data(_examples(rule, 30, 5, (4, 5), colours=3))
    assert fit_rule(data, False, lambda: False) is None
    assert fit_rule(data, True, lambda: False) is None
    assert [s for s in candidates(data, Budget(10**9, 3600)) if isinstance(s, Candidate)] == []


def test_rejects_a_colour_map_that_is_not_a_function():
    """Same cells, but colour 1 becomes 2 in some examples and 3 in others."""
    ex = _examples(lambda g: g, 10, 6, (3, 3))
    grid = [[1, 4, 5], [6, 1, 7], [8, 9, 1]]
    ex += [Example(grid, [[3, 4, 5], [6, 3, 7], [8, 9, 3]]), Example(grid, [[2, 4, 5], [6, 2, 7], [8, 9, 2]])]
    assert fit_rule(fit_data(ex), False, lambda: False) is None
