"""optimize on wasteful colour-map networks (tests/algebra_networks.py): the algebra passes
take each to one Gather writing ``output`` (22.70 points), exact on every example of the
real task, ARC-GEN included. The variants ending in a Relu reach Gather + Relu here; the
output-sign pass (the other half of issue 10 part 3) drops that Relu."""

from __future__ import annotations

import onnx
import pytest
from algebra_networks import NETWORKS, OPTIMUM_POINTS

from trmgolf.compiler.optimize import optimize_model
from trmgolf.tasks import load_task

WITH_RELU = sorted(name for name in NETWORKS if "relu" in name)
PLAIN = sorted(name for name in NETWORKS if name not in WITH_RELU)


def _optimized(name: str, neurogolf):
    build, task_number = NETWORKS[name]
    model = build()
    onnx.checker.check_model(model, full_check=True)
    task = load_task(task_number, neurogolf)
    result = optimize_model(model, name, task=task)
    # exact before and after: optimize refuses a result that answers differently
    examples = result.after.examples
    assert result.after.exact and examples["arc-gen"]["failed"] == 0 and examples["arc-gen"]["passed"] > 0
    return result


@pytest.mark.parametrize("name", PLAIN)
def test_optimize_reaches_one_gather(name, neurogolf):
    result = _optimized(name, neurogolf)
    assert result.kept_original is None
    assert [n.op_type for n in result.model.graph.node] == ["Gather"]
    assert result.after.points >= OPTIMUM_POINTS - 0.5 > result.before.points


@pytest.mark.parametrize("name", WITH_RELU)
def test_optimize_leaves_gather_then_relu(name, neurogolf):
    result = _optimized(name, neurogolf)
    assert [n.op_type for n in result.model.graph.node] in (["Gather", "Relu"], ["Gather"])


@pytest.mark.parametrize("name", WITH_RELU)
def test_optimize_reaches_the_optimum_through_a_final_relu(name, neurogolf):
    assert _optimized(name, neurogolf).after.points >= OPTIMUM_POINTS - 0.5
