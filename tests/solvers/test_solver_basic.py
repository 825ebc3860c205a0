"""identity, constant and colour-map solvers on synthetic and real tasks."""

from __future__ import annotations

import numpy as np
from solver_testlib import make_examples, ort_exact, random_grids, real_task

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.basic import permutation


def test_registry_order_and_families():
    names = list(SOLVERS)
    assert names[:3] == ["identity", "constant", "color_map"]
    assert names.index("geometry_fixed") < names.index("geometry") < names.index("local_rule")
    assert {s.family for s in SOLVERS.values()} >= {"identity", "constant", "color_map", "geometry",
                                                    "local_rule"}


def test_identity():
    ex = make_examples(random_grids(4, 0), lambda g: g)
    g = SOLVERS["identity"].build(ex)
    assert g is not None and not g.nodes and ort_exact(g, ex)
    assert SOLVERS["identity"].build(make_examples(random_grids(3, 1), lambda g: g.T)) is None


def test_constant_small_and_large():
    for out in (np.array([[1, 2], [3, 4]]), np.arange(400).reshape(20, 20) % 10):
        ex = make_examples(random_grids(4, 2), lambda g, out=out: out)
        g = SOLVERS["constant"].build(ex)
        assert g is not None and ort_exact(g, ex)
        assert ort_exact(g, make_examples(random_grids(3, 9), lambda g, out=out: out))


def test_color_map_permutation_is_one_gather():
    perm = np.array([0, 2, 1, 3, 5, 4, 6, 7, 8, 9])
    ex = make_examples(random_grids(5, 3, colors=6), lambda g: perm[g])
    g = SOLVERS["color_map"].build(ex)
    assert g is not None and [n.op for n in g.nodes if n.op != "constant"] == ["gather"]
    assert ort_exact(g, ex)


def test_color_map_many_to_one():
    f = np.array([0, 0, 2, 2, 4, 4, 6, 6, 8, 8])
    ex = make_examples(random_grids(5, 4), lambda g: f[g])
    g = SOLVERS["color_map"].build(ex)
    assert g is not None and ort_exact(g, ex)


def test_color_map_rejects_non_maps():
    ex = make_examples(random_grids(4, 5), lambda g: np.fliplr(g))
    assert SOLVERS["color_map"].build(ex) is None


def test_permutation_keeps_unseen_colours():
    idx = permutation({1: 2, 2: 1})
    assert idx is not None and idx[1] == 2 and idx[2] == 1 and idx[5] == 5
    assert permutation({1: 2, 3: 2}) is None


def test_color_map_real_task016():
    _, fit, rest = real_task(16)
    g = SOLVERS["color_map"].build(fit)
    assert g is not None and check(g, rest)
