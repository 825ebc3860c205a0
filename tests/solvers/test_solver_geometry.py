"""Index-map solvers (dihedral, tiling, mirroring, scaling, crops) on synthetic and real tasks."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import assert_solves_real_task, make_examples, ort_exact, random_grids

from trmgolf.compiler.driver import compile_graph
from trmgolf.scoring.official import measure
from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.geometry import estimated_cost, fit_index_map

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


DIHEDRAL = {
    "identity": lambda g: g,
    "fliplr": np.fliplr,
    "flipud": np.flipud,
    "rot180": lambda g: np.rot90(g, 2),
    "transpose": lambda g: g.T,
    "rot90": np.rot90,
    "rot270": lambda g: np.rot90(g, 3),
    "antitranspose": lambda g: np.rot90(g, 2).T,
}


def square_grids(n: int, seed: int, lo: int = 2, hi: int = 12) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 10, size=(s, s)) for s in rng.integers(lo, hi + 1, size=n)]


def _ops(g) -> list[str]:
    return [n.op for n in g.nodes if n.op != "constant"]


@pytest.mark.parametrize("square", [True, False], ids=["square", "non_square"])
@pytest.mark.parametrize("name", list(DIHEDRAL))
def test_dihedral_maps_relative_to_the_run_time_size(name, square):
    """Each of the 8 dihedral maps, measured against the grid's own size at run time, is exact
    under onnxruntime on sizes the fit never saw (30 x 30 included: no all-zero line left)."""
    rule = DIHEDRAL[name]
    grids = square_grids if square else random_grids
    fit = make_examples(grids(5, 20, hi=9), rule)
    held = make_examples(grids(4, 21, hi=16) + [np.random.default_rng(3).integers(0, 10, (30, 30))], rule)
    g = SOLVERS["geometry"].build(fit)
    if name == "identity":
        assert g is None  # not an index map worth a network: the identity is left to others
        return
    assert g is not None and check(g, held) and ort_exact(g, fit + held)
    ops = _ops(g)
    assert ("reduce_l2" in ops) == (square and name not in ("transpose",))
    assert "transpose" not in ops or ops == ["transpose"]  # a lone transpose is free, else routed
    # a flip: ~150 (square) / ~280 bytes + params; a turn: one 30 x 30 route matrix (~4.7 KB) shared by
    # both reversed axes of a square grid; a non-square grid measures and routes each axis
    bound = {"transpose": 0, "fliplr": 300, "flipud": 300, "rot180": 4_700 if square else 9_600,
             "antitranspose": 4_700 if square else 9_600}.get(name, 4_900)
    assert estimated_cost(g) <= bound


def test_square_flip_is_the_l2_size_and_one_gather():
    """A left-right flip of square grids: ReduceL2 -> Cast int32 -> Sub ramp -> Gather (158 as
    emitted: 128 bytes of memory, 30 params)."""
    fit = make_examples(square_grids(5, 22), np.fliplr)
    g = SOLVERS["geometry"].build(fit)
    assert _ops(g) == ["reduce_l2", "cast", "sub", "gather"]
    validity, cost = measure(compile_graph(g).model)
    assert validity.valid and cost is not None and (cost.memory, cost.params) == (128, 30)


def test_rotation_is_one_einsum_on_the_input():
    """A quarter turn = transpose + flip: one Einsum with a run-time route matrix, no Transpose
    (36 KB); square and non-square grids alike."""
    for grids in (square_grids(5, 23), random_grids(5, 24)):
        g = SOLVERS["geometry"].build(make_examples(grids, np.rot90))
        assert _ops(g)[-1] == "einsum" and "transpose" not in _ops(g)
        assert estimated_cost(g) < 5_000


def test_square_size_does_not_hold_for_non_square_grids():
    """The L2 size is sqrt(h * w): fitted on square grids only, the flip is wrong on a
    non-square one (the held-out gate's job), and one non-square fit grid avoids it."""
    fit = make_examples(square_grids(4, 25), np.fliplr)
    wide = make_examples([np.random.default_rng(5).integers(0, 10, (3, 7))], np.fliplr)
    g = SOLVERS["geometry"].build(fit)
    assert "reduce_l2" in _ops(g) and not check(g, wide)
    g = SOLVERS["geometry"].build(fit + wide)
    assert "reduce_l2" not in _ops(g) and check(g, fit + wide)


def test_a_flip_against_a_fixed_width_does_not_fit():
    """A map relative to a fixed width (column c reads column 9 - c of grids of any width,
    padded with colour 0) is not relative to the grid's size: no index map fits."""
    def fixed_flip(g):
        wide = np.zeros((g.shape[0], 10), int)
        wide[:, : g.shape[1]] = g
        return wide[:, ::-1][:, : g.shape[1]]

    fit = make_examples(random_grids(5, 26, lo=3, hi=8, colors=9) , lambda g: fixed_flip(g + 1))
    fit = [type(e)((np.asarray(e.input) + 1).tolist(), e.output) for e in fit]
    assert fit_index_map(fit) is None
    assert SOLVERS["geometry"].build(fit) is None
