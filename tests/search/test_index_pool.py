"""index_pool: a colour-order maximum over a window, found, exact under onnxruntime, priced right;
and rules that are no such maximum."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto

from trmgolf.compiler.driver import compile_graph
from trmgolf.families.contract import Budget, Candidate, fit_data
from trmgolf.scoring.answers import verify
from trmgolf.search import index_pool
from trmgolf.tasks import Example, Task


def _examples(rule, n: int, seed: int, size=(4, 5), colours=(0, 0, 0, 3, 7)) -> list[Example]:
    rng = np.random.default_rng(seed)
    return [Example((g := rng.choice(colours, size=size)).tolist(), rule(g).tolist()) for _ in range(n)]


def _candidates(examples: list[Example]):
    budget = Budget(20_000, 60)
    steps = index_pool.candidates(fit_data(examples), budget)
    return [(c.label, c.graph) for c in steps if isinstance(c, Candidate)]


def _max_down_column(g: np.ndarray) -> np.ndarray:
    """Each cell takes the largest colour at or above it in its column (colour 7 beats 3 beats 0)."""
    return np.maximum.accumulate(g, axis=0)


def test_column_maximum_is_found_and_exact_under_onnxruntime():
    """A running maximum down each column of 4x5 grids: the "everything above" window with ranks
    0 < 3 < 7; compiled, valid, exact on unseen grids, bool output, costing the estimate."""
    fit = _examples(_max_down_column, 10, seed=1)
    found = _candidates(fit)
    assert found, "no candidate"
    label, graph = found[0]
    assert label == "index_pool/4x5/window3:4x0:1", label
    data = compile_graph(graph).data
    model = onnx.load_from_string(data)
    assert [n.op_type for n in model.graph.node] == ["Conv", "Cast", "MaxPool", "Equal", "Pad"]
    assert model.graph.output[0].type.tensor_type.elem_type == TensorProto.BOOL
    task = Task("synthetic", {"train": fit, "test": _examples(_max_down_column, 30, seed=2)})
    result = verify(data, task, threads_check=False)
    assert result.validity.valid and result.passed
    assert result.cost is not None and result.cost.memory + result.cost.params == index_pool.cost(
        (4, 5), (4, 5), True)


def _fold_corners(g: np.ndarray) -> np.ndarray:
    """A 5x7 grid folded onto 3x3: output (r, c) is the largest colour among input (r + 2i, c + 2j)."""
    out = np.zeros((3, 3), np.int64)
    for i, j in np.ndindex(2, 3):
        out = np.maximum(out, g[2 * i:2 * i + 3, 2 * j:2 * j + 3])
    return out


def test_folding_window_with_dilation_is_found_and_exact():
    """Output smaller than the input: an unpadded MaxPool of 2x3 taps 2 apart (dilations) on the
    colour index folds 5x7 onto 3x3; exact under onnxruntime at the estimated cost."""
    fit = _examples(_fold_corners, 10, seed=6, size=(5, 7))
    found = _candidates(fit)
    assert found, "no candidate"
    label, graph = found[0]
    assert label == "index_pool/5x7->3x3/window0:2d2x0:3d2", label
    data = compile_graph(graph).data
    task = Task("synthetic", {"train": fit, "test": _examples(_fold_corners, 30, seed=7, size=(5, 7))})
    result = verify(data, task, threads_check=False)
    assert result.validity.valid and result.passed
    assert result.cost is not None and result.cost.memory + result.cost.params == index_pool.cost(
        (5, 7), (3, 3), True)


def test_no_candidate_when_no_order_explains_the_rule():
    """Grids of one size but a colour swap in a window (3 -> 7 and 7 -> 3): no colour outranks the
    other both ways, and a shifted copy has cells whose colour is not in their window's maximum."""
    swap = np.array([0, 1, 2, 7, 4, 5, 6, 3, 8, 9])
    assert _candidates(_examples(lambda g: swap[g], 8, seed=3)) == []


def test_no_candidate_when_grid_sizes_differ():
    """The family needs one grid size: grids of 4x5 and 5x4 give nothing (the Pad is fixed)."""
    fit = _examples(_max_down_column, 4, seed=4) + _examples(_max_down_column, 4, seed=5, size=(5, 4))
    assert _candidates(fit) == []


def test_ranking_breaks_ties_by_colour_and_rejects_cycles():
    sets = np.array([0b1001, 0b0110])  # {0, 3} -> 3 wins, {1, 2} -> 1 wins
    rank = index_pool.ranking(sets, np.array([3, 1]))
    assert rank is not None and rank[3] > rank[0] and rank[1] > rank[2]
    assert index_pool.ranking(np.array([0b11, 0b11]), np.array([0, 1])) is None
