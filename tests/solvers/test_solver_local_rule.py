"""The fitted Conv rules (local neighbourhood, overlaid parts) on synthetic and real tasks."""

from __future__ import annotations

import numpy as np
from solver_testlib import make_examples, ort_exact, real_task

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.local_rule import Stencil, dataset, features


def sparse_grids(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = rng.integers(5, 12, size=2)
        out.append(np.where(rng.random((h, w)) < 0.2, 1, 0))
    return out


def halo(g: np.ndarray) -> np.ndarray:
    """Background cells 4-adjacent to a 1 become 3."""
    p = np.pad(g, 1)
    near = (p[:-2, 1:-1] == 1) | (p[2:, 1:-1] == 1) | (p[1:-1, :-2] == 1) | (p[1:-1, 2:] == 1)
    return np.where((g == 0) & near, 3, g)


def test_features_follow_conv_weight_layout():
    g = np.array([[1, 2], [3, 4]])
    f = features(g, Stencil.square(3)).reshape(30, 30, 10, 3, 3)
    assert f[0, 0, 4, 2, 2] == 1  # cell (0,0) sees colour 4 at offset (+1,+1)
    assert f[0, 0, 1, 1, 1] == 1 and f[0, 0, :, 0, :].sum() == 0


def test_conflicting_views_are_rejected():
    ex = make_examples([np.zeros((3, 3), int)] * 2, lambda g: g)
    ex[1] = type(ex[1])(ex[1].input, [[5, 0, 0], [0, 0, 0], [0, 0, 0]])
    assert dataset(ex, Stencil.square(1)) is None


def test_local_rule_synthetic_generalises():
    fit = make_examples(sparse_grids(12, 0), halo)
    held = make_examples(sparse_grids(6, 1), halo)
    g = SOLVERS["local_rule"].build(fit)
    assert g is not None
    conv = [n for n in g.nodes if n.op == "conv2d"]
    assert len(conv) == 1 and conv[0].inputs[1].type.shape == (10, 10, 3, 3)
    assert check(g, held) and ort_exact(g, fit + held)


def test_local_rule_rejects_size_change():
    ex = make_examples(sparse_grids(3, 2), lambda g: g[:2, :2])
    assert SOLVERS["local_rule"].build(ex) is None


def test_part_rule_synthetic():
    rng = np.random.default_rng(5)
    grids = []
    for _ in range(10):
        left, right = (rng.random((4, 3)) < 0.5).astype(int), (rng.random((4, 3)) < 0.5).astype(int) * 2
        grids.append(np.hstack([left, np.full((4, 1), 5), right]))
    rule = lambda g: np.where((g[:, :3] == 0) & (g[:, 4:] == 0), 8, 0)  # noqa: E731
    g = SOLVERS["part_rule"].build(make_examples(grids[:7], rule))
    assert g is not None and ort_exact(g, make_examples(grids, rule))


def test_local_rule_real_task015():
    _, fit, rest = real_task(15)
    g = SOLVERS["local_rule"].build(fit)
    assert g is not None and check(g, rest[:40])


def test_part_rule_real_task006():
    _, fit, rest = real_task(6)
    g = SOLVERS["part_rule"].build(fit)
    assert g is not None and check(g, rest)
