"""bench/fresh_examples.py: the rules' numpy versions, the hard cases drawn, and the score."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx_factories import identity

from bench import fresh_examples


def test_fill_enclosed_counts_corner_touching_walls_as_closed():
    a = np.array([[0, 3, 0, 0],
                  [3, 0, 3, 0],
                  [0, 3, 0, 0]])
    out = fresh_examples.fill_enclosed(a, 4)
    assert out[1, 1] == 4 and (out == 4).sum() == 1 and np.array_equal(out[out != 4], a[out != 4])


def test_clear_isolated_keeps_diagonal_neighbours():
    a = np.zeros((5, 5), np.int64)
    a[0, 0] = a[1, 1] = a[2, 2] = 7
    a[4, 4] = 7
    out = fresh_examples.clear_isolated(a)
    assert out[4, 4] == 0 and (out[:3, :3] == a[:3, :3]).all()


@pytest.mark.parametrize("rule", sorted(fresh_examples.GENERATORS))
def test_fresh_is_deterministic_and_changes_cells(rule):
    first = fresh_examples.fresh(rule, 20, 3)
    assert first == fresh_examples.fresh(rule, 20, 3)
    assert any(e.input != e.output for e in first)


def test_score_counts_exact_examples(tmp_path):
    path = tmp_path / "identity.onnx"
    onnx.save(identity(), path)
    examples = fresh_examples.fresh("drop_isolated", 30, 0)
    unchanged = sum(e.input == e.output for e in examples)
    assert fresh_examples.score(str(path), "drop_isolated", 30, 0) == (unchanged, 30)
