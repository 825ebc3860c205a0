"""optimize on wasteful networks (issue 10 part 3): exact on every example of the real task
(ARC-GEN included) and, where the input-domain and output-sign rewrites suffice, within 0.5
points of the optimum."""

from __future__ import annotations

import onnx
import pytest
from wasteful_networks import conv_permutation, matmul_permutation, transpose_wrapped

from trmgolf.compiler.optimize import optimize_model
from trmgolf.tasks import load_task

TRANSPOSES = {
    "float64_mul_float16_round_trip_greater_cast": {},
    "greater_into_bool_output": {"final": "greater_bool"},
    "relu_at_output": {"final": "relu"},
    "no_tail": {"final": "none"},
    "float32_mul_by_half": {"scale": 0.5, "scale_dtype": "float32"},
    "float64_mul_by_half_float64_round_trip": {"scale": 0.5, "round_trip": "float64"},
    "float16_mul_by_three": {"scale": 3.0, "scale_dtype": "float16", "round_trip": "float32"},
}


def _optimized(model: onnx.ModelProto, task_number: int, neurogolf):
    onnx.checker.check_model(model, full_check=True)
    task = load_task(task_number, neurogolf)
    result = optimize_model(model, "wasteful", task=task)
    assert result.checked == len(task.examples()) and "arc-gen" in task.splits and result.checked > 200
    assert result.solved, result.after.examples  # the original is exact, and so is the result
    return result


@pytest.mark.parametrize("name", sorted(TRANSPOSES))
def test_wrapped_transpose_becomes_one_transpose(name, neurogolf):
    model, optimum = transpose_wrapped(**TRANSPOSES[name])
    result = _optimized(model, 179, neurogolf)
    assert result.kept_original is None
    assert result.after.points >= optimum - 0.5
    assert [n.op_type for n in result.model.graph.node] == ["Transpose"]


@pytest.mark.parametrize("build", [conv_permutation, matmul_permutation])
def test_permutation_networks_stay_exact(build, neurogolf):
    """The channel-mix rewrites that reach the Gather optimum are algebra (another pass set);
    the sign rewrites alone drop the output Relu and must stay exact."""
    model, _ = build()
    result = _optimized(model, 16, neurogolf)
    assert result.after.points >= result.before.points
    assert all(n.op_type != "Relu" for n in result.model.graph.node)
