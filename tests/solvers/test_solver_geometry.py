"""Index-map solvers (dihedral, tiling, mirroring, scaling, crops) on synthetic and real tasks."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import assert_solves_real_task, make_examples, ort_exact, random_grids

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.geometry import fit_index_map

RULES = {
    "fliplr": np.fliplr,
    "flipud": np.flipud,
    "rot90": np.rot90,
    "rot180": lambda g: np.rot90(g, 2),
    "rot270": lambda g: np.rot90(g, 3),
    "transpose": lambda g: g.T,
    "antitranspose": lambda g: np.rot90(g, 2).T,
    "mirror_h": lambda g: np.hstack([g, np.fliplr(g)]),
    "mirror_4": lambda g: np.vstack([np.hstack([g, np.fliplr(g)]), np.flipud(np.hstack([g, np.fliplr(g)]))]),
    "tile_2x3": lambda g: np.tile(g, (2, 3)),
    "scale_2": lambda g: np.kron(g, np.ones((2, 2), int)),
    "wrap_down": lambda g: np.roll(g, 1, axis=0),
}


@pytest.mark.parametrize("name", sorted(RULES))
def test_variable_size_rules_generalise(name):
    rule = RULES[name]
    fit = make_examples(random_grids(4, 10, hi=8), rule)
    held = make_examples(random_grids(4, 11, lo=2, hi=9), rule)
    g = SOLVERS["geometry"].build(fit)
    assert g is not None
    assert check(g, held)
    assert ort_exact(g, fit + held)


def test_fixed_variant_needs_one_shape_and_is_cheaper():
    rule = RULES["fliplr"]
    grids = [np.random.default_rng(i).integers(0, 10, (5, 7)) for i in range(4)]
    ex = make_examples(grids, rule)
    g = SOLVERS["geometry_fixed"].build(ex)
    assert g is not None and ort_exact(g, ex)
    assert [n.op for n in g.nodes if n.op != "constant"] == ["gather"]
    assert SOLVERS["geometry_fixed"].build(make_examples(random_grids(4, 12), rule)) is None


def test_fixed_crop():
    grids = [np.random.default_rng(i).integers(0, 10, (9, 9)) for i in range(4)]
    ex = make_examples(grids, lambda g: g[2:5, 3:7])
    m = fit_index_map(ex)
    assert m is not None
    g = SOLVERS["geometry_fixed"].build(ex)
    assert g is not None and ort_exact(g, ex)


def test_not_an_index_map():
    ex = make_examples(random_grids(4, 13), lambda g: (g + 1) % 10)
    assert SOLVERS["geometry"].build(ex) is None


@pytest.mark.parametrize("num,name", [(53, "geometry_fixed"), (67, "geometry"), (87, "geometry")])
def test_real_tasks(num, name):
    assert_solves_real_task(name, num, 40)
