"""Task features and the heuristic router on small synthetic tasks."""

from __future__ import annotations

import numpy as np
import pytest
from route_cases import gravity, make

from trmgolf.families.contract import Trait
from trmgolf.router.features import task_features
from trmgolf.router.heuristic import HeuristicRouter, category
from trmgolf.solvers.base import Solver
from trmgolf.submission.registry import load_solvers
from trmgolf.tasks import Example, Task


def fake(name: str, *traits: Trait) -> Solver:
    return Solver(name, name, lambda fit: None, traits=frozenset(traits))


SOLVERS = [
    fake("local_rule", Trait.LOCAL_RULE),
    fake("identity", Trait.IDENTITY),
    fake("color_map", Trait.COLOR_MAP),
    fake("flip_horizontal", Trait.DIHEDRAL),
    fake("tile", Trait.TILES_INPUT),
    fake("upscale", Trait.SCALE),
    fake("crop_object", Trait.OUT_IS_SUBGRID, Trait.OBJECTS),
    fake("gravity", Trait.MOVES),
    fake("mystery", Trait.PARTS),
]


CASES = [
    ("identity", lambda g: g, "identity", "identity"),
    ("flip", lambda g: g[:, ::-1], "flip_horizontal", "dihedral:flip_lr"),
    ("recolour", lambda g: np.where(g == 1, 7, g), "color_map", "color_map"),
    ("tile", lambda g: np.tile(g, (2, 2)), "tile", "tile"),
    ("upscale", lambda g: np.kron(g, np.ones((2, 2), int)), "upscale", "scale_up"),
    ("crop", lambda g: g[1:3, 1:4], "crop_object", "crop"),
    ("gravity", gravity, "gravity", "same_shape"),
]


@pytest.mark.parametrize("name, fn, first, label", CASES, ids=[c[0] for c in CASES])
def test_router_puts_the_matching_family_first(name, fn, first, label):
    task = make(fn)
    route = HeuristicRouter().route(task, SOLVERS)
    assert route.first == first
    assert sorted(route.solvers) == sorted(s.name for s in SOLVERS)
    assert route.source == "heuristic"
    assert category(task_features(task)) == label


def test_features_on_synthetic_tasks():
    f = task_features(make(lambda g: g[:, ::-1]))
    assert f.same_shape and f.dihedral == "flip_lr" and not f.color_map
    f = task_features(make(lambda g: np.where(g == 0, 5, g)))
    assert f.color_map and f.only_background_changes and f.new_colors
    f = task_features(make(lambda g: g.T, h=3, w=5))
    assert f.transposed_shape and f.dihedral == "transpose"
    f = task_features(make(lambda g: np.kron(g, np.ones((3, 3), int))))
    assert f.scale_up == (3, 3) and f.out_larger and not f.tiles_input
    f = task_features(make(lambda g: g[::2, ::2] * 0 + 1, h=4, w=4))
    assert f.scale_down == (2, 2) and f.out_single_color and f.fixed_out_shape
    f = task_features(make(gravity))
    assert f.same_color_counts and not f.only_background_changes
    f = task_features(make(lambda g: np.hstack([g, g[:, ::-1]])))
    assert f.out_symmetric and not f.in_symmetric
    two = np.array([[1, 0, 2], [0, 0, 0], [3, 3, 0]])
    f = task_features(Task("t", {"train": [Example(two.tolist(), two.tolist())]}))
    assert f.in_objects == 3 and f.identity


def test_trm_flag_follows_the_canvas_not_the_family():
    router = HeuristicRouter()
    assert router.route(make(lambda g: g[:, ::-1]), SOLVERS).train_trm  # a strong family may still fail
    assert router.route(make(gravity), SOLVERS).train_trm
    varying = make(lambda g: g[: g.shape[0] - 1 - (g[0, 0] % 2), :])  # neither fixed nor the input shape
    assert not router.route(varying, SOLVERS).train_trm


def test_equal_scores_keep_registration_order():
    odd = [fake(n, Trait.PERIODIC) for n in ("b_solver", "a_solver", "c_solver")]
    assert HeuristicRouter().route(make(gravity), odd).solvers == ("b_solver", "a_solver", "c_solver")


def test_real_solver_families():
    real = load_solvers()
    names = ("identity", "constant", "color_map", "geometry_fixed", "geometry", "local_rule")
    solvers = [real[n] for n in names]
    router = HeuristicRouter()
    assert router.route(make(lambda g: np.rot90(g), h=4, w=4), solvers).first == "geometry_fixed"
    assert router.route(make(lambda g: np.tile(g, (1, 3))), solvers).first == "geometry_fixed"
    assert router.route(make(lambda g: np.ones((2, 2), int) * 4), solvers).first == "constant"
    assert router.route(make(lambda g: np.where(g == 2, 5, g)), solvers).first == "color_map"


def test_masked_colour_routes_symmetry_completion():
    rng = np.random.default_rng(0)
    pictures = [rng.integers(0, 4, (6, 6)) for _ in range(3)]
    pictures = [np.maximum(g, g[:, ::-1]) for g in pictures]
    patch = np.zeros((6, 6), bool)
    patch[1:3, :2] = True  # the mask hides cells of several colours: not a colour map
    task = Task("t", {"train": [Example(np.where(patch, 5, g).tolist(), g.tolist()) for g in pictures]})
    f = task_features(task)
    assert f.masked_colour == 5
    solvers = SOLVERS + [load_solvers()["symmetry_complete"]]
    assert HeuristicRouter().route(task, solvers).first == "symmetry_complete"
    assert task_features(make(lambda g: g[:, ::-1])).masked_colour is None


def test_per_example_colour_swap_routes_the_rank_map():
    """Each example swaps its two most frequent colours: a table of its own, no global colour map."""
    def swap(g):
        counts = np.bincount(g.ravel(), minlength=10)
        first, second = np.argsort(-counts, kind="stable")[:2]
        return np.select([g == first, g == second], [second, first], g)

    rng = np.random.default_rng(3)
    gs = [rng.choice(colours, size=(5, 5), p=[0.5, 0.3, 0.2])
          for colours in ([1, 2, 3], [2, 3, 1], [3, 1, 2])]
    task = Task("t", {"train": [Example(g.tolist(), swap(g).tolist()) for g in gs]})
    f = task_features(task)
    assert f.example_color_maps and not f.color_map
    solvers = SOLVERS + [load_solvers()["colour_rank_map"]]
    assert HeuristicRouter().route(task, solvers).first == "colour_rank_map"
    assert not task_features(make(lambda g: g[:, ::-1])).example_color_maps
