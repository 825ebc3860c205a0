"""ROI pooling candidates: the numpy models against onnxruntime, and synthetic tasks they solve."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from trmgolf.compiler.driver import compile_graph
from trmgolf.families.contract import fit_data
from trmgolf.ir.roi_reference import max_roi_pool, roi_align
from trmgolf.scoring.answers import verify
from trmgolf.search import search
from trmgolf.search.pooling import fitting_axis_maps, grid_sizes, max_roi_pool_maps
from trmgolf.tasks import Example, Task


def _session(node, inputs) -> ort.InferenceSession:
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 16)], ir_version=10)
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), opts)


def _inputs(rng, trial: int) -> np.ndarray:
    if trial % 2:
        return (rng.random((1, 3, 30, 30)) < 0.3).astype(np.float32)
    return rng.normal(size=(1, 3, 30, 30)).astype(np.float32)


@pytest.mark.parametrize("seed", range(3))
def test_max_roi_pool_model_matches_onnxruntime(seed):
    rng = np.random.default_rng(seed)
    for trial in range(20):
        x = _inputs(rng, trial)
        rois = np.array([[0, *(rng.integers(-160, 160, 4) / 4)]], np.float32)
        scale = float(rng.choice([1.0, 0.5, 3.0, 1 / 3]))
        node = helper.make_node("MaxRoiPool", ["x", "r"], ["y"], pooled_shape=[30, 30], spatial_scale=scale)
        got = _session(node, [("x", 1, [1, 3, 30, 30]), ("r", 1, [1, 5])]).run(None, {"x": x, "r": rois})[0]
        assert np.array_equal(max_roi_pool(x, rois, (30, 30), scale), got), (rois, scale)


@pytest.mark.parametrize("seed", range(3))
def test_roi_align_model_matches_onnxruntime(seed):
    rng = np.random.default_rng(seed)
    for trial in range(12):
        x = _inputs(rng, trial)
        r = rng.integers(-160, 160, 4) / 4
        for mode in ("avg", "max"):
            for ctm in ("half_pixel", "output_half_pixel"):
                ratio = int(rng.choice([0, 1, 2]))
                rois = np.array([r if ratio else [min(r[0], r[2]), min(r[1], r[3]), max(r[0], r[2]),
                                                  max(r[1], r[3])]], np.float32)  # adaptive: no reversal
                attrs = dict(mode=mode, output_height=30, output_width=30, sampling_ratio=ratio,
                             spatial_scale=float(rng.choice([1.0, 0.5, 3.0])),
                             coordinate_transformation_mode=ctm)
                node = helper.make_node("RoiAlign", ["x", "r", "b"], ["y"], **attrs)
                b = np.zeros(1, np.int64)
                got = _session(node, [("x", 1, [1, 3, 30, 30]), ("r", 1, [1, 4]), ("b", 7, [1])]).run(
                    None, {"x": x, "r": rois, "b": b})[0]
                assert np.array_equal(roi_align(x, rois, b, **attrs), got), (rois, attrs)


def _examples(rule, n: int, seed: int, sizes=(3, 4)) -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        g = rng.integers(0, 10, size=(int(rng.integers(*sizes)), int(rng.integers(*sizes))))
        out.append(Example(g.tolist(), rule(g).tolist()))
    return out


def _upscale3(g):
    return np.kron(g, np.ones((3, 3), np.int64))


def _rotate180(g):
    return g[::-1, ::-1]


@pytest.mark.parametrize(("rule", "op"), [(_upscale3, "MaxRoiPool"), (_rotate180, "RoiAlign")])
def test_search_finds_the_roi_node(rule, op):
    """A 3x upscale of 3x3 grids and a half turn of 3x3 grids: one 5-param ROI node writing
    ``output``; compiled, valid, exact under onnxruntime on unseen grids, 0 memory."""
    found = next(search(_examples(rule, 12, seed=1)))
    assert found.label.startswith({"MaxRoiPool": "max_roi_pool", "RoiAlign": "roi_align"}[op])
    assert found.cost == 5
    data = compile_graph(found.graph).data
    task = Task("synthetic", {"train": _examples(rule, 12, seed=1), "test": _examples(rule, 20, seed=2)})
    result = verify(data, task, threads_check=False)
    assert result.validity.valid and result.passed
    assert result.cost is not None and (result.cost.memory, result.cost.params) == (0, 5)
    assert [n.op_type for n in __import__("onnx").load_from_string(data).graph.node] == [op]


def test_axis_maps_keep_only_the_expected_extent():
    """For 3-cell grids scaled to 9 cells, every surviving MaxRoiPool row map reads exactly
    the grid for outputs 0..8 and nothing below: the 3x upscale is among them."""
    data = fit_data(_examples(_upscale3, 6, seed=0))
    sizes, out_sizes = grid_sizes(data.x)[0], grid_sizes(data.y)[0]
    maps = fitting_axis_maps(max_roi_pool_maps(), sizes, out_sizes)
    reads = maps.lo < np.minimum(maps.hi, 3)
    assert len(maps.lo) > 0 and (reads[:, :9].all() and not reads[:, 9:].any())
    upscale = [(lo[:9] == np.arange(9) // 3).all() and (hi[:9] == np.arange(9) // 3 + 1).all()
               for lo, hi in zip(maps.lo, maps.hi, strict=True)]
    assert any(upscale)
