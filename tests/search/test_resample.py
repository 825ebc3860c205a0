"""Separable rules written as two nearest Resize nodes, and einsum masks: exact under onnxruntime."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import helper
from onnx import numpy_helper as nh
from search_testlib import exact_in_onnxruntime

from trmgolf.compiler.driver import compile_graph
from trmgolf.families.contract import fit_data
from trmgolf.ir.interp import run
from trmgolf.ir.resize_reference import resize_nearest
from trmgolf.scoring.official import measure
from trmgolf.search import resample, search
from trmgolf.search.einsum_fit import fit_rule, forms
from trmgolf.tasks import Example, grid_to_onehot


def _examples(rule, n: int, seed: int, shape: tuple[int, int], colours: int | tuple[int, ...] = 10
              ) -> list[Example]:
    rng = np.random.default_rng(seed)
    palette = np.arange(colours) if isinstance(colours, int) else np.array(colours)
    out = []
    for _ in range(n):
        g = palette[rng.integers(0, len(palette), size=shape)]
        out.append(Example(g.tolist(), rule(g).tolist()))
    return out


def _plan(examples: list[Example]) -> resample.Plan | None:
    rule = fit_rule(fit_data(examples), False, lambda: False)
    assert rule is not None
    return resample.plan(rule.rows, rule.cols, rule.colours, rule.kept, rule.extents[1:], lambda n: None)


def downsample3(g: np.ndarray) -> np.ndarray:
    """Every third row and column of a 9x12 grid, from the second."""
    return g[1::3, 1::3]


def upsample3(g: np.ndarray) -> np.ndarray:
    return np.kron(g, np.ones((3, 3), np.int64))


def window(g: np.ndarray) -> np.ndarray:
    """Rows 2-5 and columns 3-8 of an 8x10 grid."""
    return g[2:6, 3:9]


def centres_blown_up(g: np.ndarray) -> np.ndarray:
    """Like task317 (grids of colours 0 and 5): each 3x3 block's centre, 5 -> 1, blown up."""
    c = np.where(g[1::3, 1::3] == 5, 1, 0)
    return np.kron(c, np.ones((3, 3), np.int64))


@pytest.mark.parametrize(("rule", "shape", "colours"), [
    (downsample3, (9, 12), 10), (upsample3, (4, 3), 10), (window, (8, 10), 10),
    (lambda g: window(g)[::-1], (8, 10), 10), (centres_blown_up, (9, 9), (0, 5)),
])
def test_resample_is_exact_under_onnxruntime(rule, shape, colours):
    plan = _plan(_examples(rule, 30, 0, shape, colours))
    assert plan is not None
    graph = resample.plan_graph(plan)
    assert [n.op for n in graph.nodes if n.op != "constant"] == ["resize", "resize"]
    held_out = _examples(rule, 40, 99, shape, colours)
    assert exact_in_onnxruntime(graph, held_out)
    # the interpreter (exact model of onnxruntime's Resize) agrees, and the price is the grader's
    x = grid_to_onehot(held_out[0].input)
    assert np.array_equal(run(graph, x)[0] > 0, grid_to_onehot(held_out[0].output)[0] > 0)
    _, cost = measure(compile_graph(graph).data)
    assert cost is not None and cost.memory + cost.params == plan.cost


def test_centre_sampling_reads_few_lines():
    """task317's shape: 3 centres per axis (plus a spare line); colours 0 and 5, held reversed
    so that the second step reads the top one exactly at output channel 0 (an anchor)."""
    plan = _plan(_examples(centres_blown_up, 30, 1, (9, 9), (0, 5)))
    assert plan is not None and plan.inner_shape == (1, 2, 4, 4) and plan.cost == 18 + 4 * 2 * 4 * 4
    assert plan.modes[1] == "floor"


@pytest.mark.parametrize("route", [
    (1, 0, 2) + (None,) * 27,  # not monotone: no affine coordinate reads it
    (0, 0, 0, 1, 2, 2, 2) + (None,) * 23,  # runs of 3, 1, 3 lines: no one step (1, 3, 1 fits rounding)
    (0, None, 2) + (None,) * 27,  # a gap inside
])
def test_a_map_that_is_not_nearest_affine_does_not_fit(route):
    assert resample.axis_plans(route, 30, 2, ("floor", "floor"), resample.memo_fit(lambda n: None)) is None
    rows = tuple(range(30))
    assert resample.plan(route, rows, tuple(range(10)), tuple(range(10)), (30, 30), lambda n: None) is None


def test_two_colours_into_one_do_not_fit():
    colours = (0, 1, 1) + tuple(range(3, 10))
    assert resample.colour_route(colours, tuple(range(10))) is None


def test_search_finds_the_resize_where_it_is_cheapest():
    fit = _examples(centres_blown_up, 30, 2, (9, 9), (0, 5))
    found = next(iter(search(fit, budget_s=60)))
    assert found.label.startswith("resize2/")
    assert exact_in_onnxruntime(found.graph, _examples(centres_blown_up, 40, 3, (9, 9), (0, 5)))


def test_mask_is_one_shared_vector_like_public_task326():
    """The top-left 2x2 of a grid: one [30] 0/1 vector used for rows and columns."""
    rule = fit_rule(fit_data(_examples(lambda g: g[:2, :2], 20, 4, (6, 7))), False, lambda: False)
    assert rule is not None
    best = forms(rule)[0]
    assert best.label() == "einsum/rows:mask,cols:mask" and best.cost == 30
    from trmgolf.search.einsum_fit import form_graph
    graph = form_graph(best)
    (node,) = [n for n in graph.nodes if n.op == "einsum"]
    assert node.attrs["equation"] == "ncij,i,j->ncij"
    assert exact_in_onnxruntime(graph, _examples(lambda g: g[:2, :2], 20, 5, (6, 7)))


def _ort_resize(x, roi, sizes, axes, mode):
    node = helper.make_node("Resize", ["x", "roi", "", "sizes"], ["y"], axes=axes, mode="nearest",
                            coordinate_transformation_mode="tf_crop_and_resize", nearest_mode=mode,
                            extrapolation_value=0.0)
    shape = list(x.shape)
    for k, a in enumerate(axes):
        shape[a] = int(sizes[k])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", 1, list(x.shape))],
                              [helper.make_tensor_value_info("y", 1, shape)],
                              [nh.from_array(roi, "roi"), nh.from_array(sizes, "sizes")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)], ir_version=10)
    onnx.checker.check_model(model, full_check=True)
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def test_resize_model_matches_onnxruntime():
    """Random ROIs, sizes (an axis of scale 1 is left as it is) and modes: the same array."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, 6, 9, 11)).astype(np.float32)
    for trial in range(60):
        axes = sorted(rng.choice([1, 2, 3], size=rng.integers(1, 4), replace=False).tolist())
        sizes = np.array([int(rng.integers(1, 14)) for _ in axes], np.int64)
        if trial % 5 == 0:
            sizes[0] = x.shape[axes[0]]  # scale 1
        roi = rng.uniform(-0.4, 1.4, size=2 * len(axes)).astype(np.float32)
        mode = ("floor", "ceil", "round_prefer_floor", "round_prefer_ceil")[trial % 4]
        want = _ort_resize(x, roi, sizes, axes, mode)
        got = resize_nearest(x, roi, sizes, axes, mode, "tf_crop_and_resize", 0.0)
        assert np.array_equal(want, got), (axes, sizes, roi, mode)
