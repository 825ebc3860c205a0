"""line_fill: every row (column) holding a colour is painted across; checked against its numpy
meaning on many random grids of many sizes, under onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from trmgolf.compiler.driver import compile_graph
from trmgolf.scoring.answers import verify
from trmgolf.solvers.common import arr
from trmgolf.solvers.line_fill import filled, line_fill, line_fill_graph
from trmgolf.tasks import Example, Task


def _marked(rng: np.random.Generator, axis: int) -> np.ndarray:
    """A random grid (1..30 a side) whose lines each hold at most one colour besides 0."""
    h, w = (int(v) for v in rng.integers(1, 31, size=2))
    g = np.zeros((h, w), np.int64)
    lines = g if axis == 1 else g.T
    for line in lines:
        if rng.random() < 0.5:
            cells = rng.random(line.size) < rng.uniform(0.05, 0.6)
            line[cells] = rng.integers(1, 10)
    return g


def _task(axis: int, n: int, seed: int) -> list[Example]:
    rng = np.random.default_rng(seed)
    return [Example((g := _marked(rng, axis)).tolist(), filled(g, axis).tolist()) for _ in range(n)]


@pytest.mark.parametrize("axis", [1, 0], ids=["rows", "cols"])
def test_line_fill_is_exact_on_many_random_grids_under_onnxruntime(axis):
    graph = line_fill(_task(axis, 6, seed=axis))
    assert graph is not None
    check = _task(axis, 120, seed=10 + axis) + [Example([[0]], [[0]]), Example([[4]], [[4]])]
    result = verify(compile_graph(graph).data, Task("t", {"train": check}), threads_check=False)
    assert result.passed, result.first_failure
    assert result.cost is not None and result.cost.memory + result.cost.params < 10_000


def test_rows_and_columns_are_told_apart():
    rows = _task(1, 6, seed=3)
    assert line_fill(rows) is not None
    cols = [Example(arr(e.input).T.tolist(), arr(e.output).T.tolist()) for e in rows]
    assert line_fill(cols) is not None
    assert line_fill([Example(e.input, e.input) for e in rows if arr(e.input).any()]) is None


def test_a_line_of_two_colours_is_not_this_rule():
    assert filled(np.array([[1, 0, 2]]), 1) is None
    assert line_fill([Example([[1, 0, 2]], [[1, 1, 1]])]) is None
    assert line_fill_graph(0) is not None
