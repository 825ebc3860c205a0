"""The fitted Conv rules (local neighbourhood, overlaid parts) on synthetic and real tasks."""

from __future__ import annotations

import numpy as np
from solver_testlib import make_examples, ort_exact, random_grids, real_task

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.local_rule import Stencil, dataset, features, fit_stencils, keep_colours, stable_colours


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


def test_stable_colours_are_those_never_repainted():
    ex = make_examples([np.array([[0, 1, 2], [2, 0, 1]]), np.array([[1, 1, 0]])],
                       lambda g: np.where(g == 0, 3, g))
    assert stable_colours(ex) == (1, 2)
    assert stable_colours(make_examples([np.zeros((2, 2), np.int64)], lambda g: g[:1])) == ()


def test_keep_colours_pins_kept_cells_and_nothing_else():
    """Random rule: after pinning, a kept centre colour always wins; other cells score as before."""
    rng = np.random.default_rng(0)
    st = Stencil.square(3)
    w = rng.normal(size=(10, 10, 3, 3)).astype(np.float32)
    bias = rng.normal(size=10).astype(np.float32)
    kw, kb = keep_colours(w, bias, st, (2, 7))
    for g in random_grids(6, 3):
        feats = features(g, st).astype(np.float32)
        before = feats @ w.reshape(10, -1).T + bias
        after = feats @ kw.reshape(10, -1).T + kb
        centre = np.full((30, 30), -1)
        centre[: g.shape[0], : g.shape[1]] = g
        centre = centre.ravel()
        for c in (2, 7):
            rows = centre == c
            assert (after[rows, c] > 0).all() and (np.delete(after[rows], c, axis=1) < 0).all()
        rest = ~np.isin(centre, (2, 7))
        assert np.allclose(before[rest], after[rest], atol=1e-4)


def test_kept_colours_fit_only_the_cells_that_change():
    """Background next to a 4 becomes 6; 4 and 5 never change and are left out of the fit."""
    def rule(g):
        near = np.zeros(g.shape, bool)
        p = np.pad(g == 4, 1)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                near |= p[1 + dy: 1 + dy + g.shape[0], 1 + dx: 1 + dx + g.shape[1]]
        return np.where((g == 0) & near, 6, g)

    rng = np.random.default_rng(5)
    grids = [rng.choice([0, 0, 0, 4, 5], size=(int(rng.integers(4, 9)), int(rng.integers(4, 9))))
             for _ in range(12)]
    ex = make_examples(grids, rule)
    kept = stable_colours(ex)
    assert kept == (4, 5)
    g = fit_stencils(ex, [Stencil.square(3)], kept=kept)
    assert g is not None and ort_exact(g, ex)
