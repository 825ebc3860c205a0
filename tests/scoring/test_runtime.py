"""The one grader session (scoring.runtime), the thresholded comparison (tasks) and CostModel."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto as T
from onnx import helper as h
from onnx_factories import color_map, make, relu_neg

from trmgolf.errors import UserError
from trmgolf.scoring.cost import Cost
from trmgolf.scoring.cost_model import LEGACY, OFFICIAL, get_cost_model
from trmgolf.scoring.runtime import grader_session, run_each, session_options
from trmgolf.tasks import exact_on, grid_to_onehot, same_answer, thresholded

SWAP = {1: 2, 2: 1}


def _inputs(n: int) -> list[np.ndarray]:
    r = np.random.default_rng(0)
    return [r.normal(size=(1, 10, 30, 30)).astype(np.float32) for _ in range(n)]


def test_session_has_the_graders_options():
    so = session_options(3, profile_prefix="p")
    assert so.graph_optimization_level == ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    assert so.intra_op_num_threads == 3 and so.enable_profiling
    assert not session_options().enable_profiling


@pytest.mark.parametrize("workers", [1, 3])
def test_run_each_keeps_input_order_with_any_worker_count(workers):
    session = grader_session(relu_neg().SerializeToString(), threads=1)
    xs = _inputs(7)
    outs = run_each(session, xs, workers)
    assert len(outs) == 7
    for x, out in zip(xs, outs, strict=True):
        assert np.array_equal(out, np.maximum(x, 0))


def test_run_each_gives_the_exception_of_a_failed_run_and_goes_on():
    session = grader_session(color_map(SWAP).SerializeToString())
    good = grid_to_onehot([[1, 2]])
    outs = run_each(session, [good, np.zeros((1, 10, 29, 29), np.float32), good])
    assert isinstance(outs[1], Exception)
    assert exact_on(outs[0], [[2, 1]]) and exact_on(outs[2], [[2, 1]])


def test_grader_session_raises_when_the_model_does_not_load():
    broken = make([h.make_node("Relu", ["nowhere"], ["output"])],
                  value_info=[h.make_tensor_value_info("nowhere", T.FLOAT, [1])])
    with pytest.raises(Exception):  # noqa: B017 - onnxruntime's errors share no base class
        grader_session(broken.SerializeToString())


def test_thresholded_comparison_is_the_graders():
    x = grid_to_onehot([[3, 0], [0, 7]])
    assert thresholded(ValueError("run failed")) is None
    assert np.array_equal(thresholded(x * 2 - 0.5), x > 0)
    assert same_answer(x * 5, x > 0)  # raw against thresholded
    assert not same_answer(x, x[:, :, :29])  # another shape never agrees
    assert same_answer(RuntimeError("a"), None)  # two failed runs agree ...
    assert not same_answer(RuntimeError("a"), x)  # ... and nothing else does
    flipped = x.copy()
    flipped[0, 5, 29, 29] = 0.001  # one stray positive outside the grid
    assert exact_on(x, [[3, 0], [0, 7]]) and not exact_on(flipped, [[3, 0], [0, 7]])
    assert not exact_on(RuntimeError("boom"), [[3, 0], [0, 7]])
    assert exact_on(x.astype(np.int32), [[3, 0], [0, 7]])  # any dtype numpy compares with 0


def test_cost_models_are_objects():
    assert get_cost_model("legacy") is LEGACY and get_cost_model(OFFICIAL) is OFFICIAL
    cost = Cost(memory=10, params=2, macs=100)
    assert cost.total() == 12 and cost.total("official") == 12
    assert cost.total("legacy") == cost.total(LEGACY) == 112
    assert Cost(memory=10, params=2, macs=None).total("legacy") == 12
    with pytest.raises(UserError, match="unknown cost model 'macs'"):
        cost.total("macs")
