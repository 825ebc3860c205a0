"""``optimize``: import an ONNX network, run the pass pipeline and kernel selection,
emit, and prove the result answers exactly as the original did.

The proof is the task's examples: the thresholded outputs of both models under the
scorer's runtime settings must be identical on every one, or nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import onnx

from trmgolf.compiler.emit import Choice, emit
from trmgolf.compiler.importer import import_model
from trmgolf.compiler.pipeline import optimize
from trmgolf.compiler.select import extra_cost_for
from trmgolf.compiler.targets import DEFAULT_TARGET
from trmgolf.errors import UserError
from trmgolf.scoring.answers import run_examples, task_examples
from trmgolf.scoring.official import measure
from trmgolf.scoring.report import CostReport
from trmgolf.tasks import Task, grid_to_onehot, same_answer


@dataclass
class Optimized:
    model: onnx.ModelProto
    data: bytes
    before: CostReport
    after: CostReport
    choices: list[Choice]
    checked: int  # examples on which both models were compared


def compare_answers(original: onnx.ModelProto | bytes, rewritten: bytes, task: Task) -> int:
    """Raise UserError at the first example whose thresholded outputs differ; return the count."""
    examples = task_examples(task)
    inputs = [grid_to_onehot(ex.input) for _, _, ex in examples]
    try:
        want = run_examples(original, inputs)
    except RuntimeError as e:
        raise UserError(f"the input model does not run: {e}") from None
    got = run_examples(rewritten, inputs)
    for (split, i, _), a, b in zip(examples, want, got, strict=True):
        if not same_answer(a, b):
            raise UserError(f"optimised model answers differently on {split}[{i}]; not written")
    return len(examples)


def optimize_model(model: onnx.ModelProto, name: str, *, target: str = DEFAULT_TARGET,
                   forced: Mapping[str, str] | None = None, cost_model: str = "official",
                   task: Task | None = None) -> Optimized:
    """Optimise ``model``; with ``task``, refuse a result that answers differently."""
    inputs = [grid_to_onehot(ex.input) for _, ex in task.examples()[:1]] if task else None
    validity, cost = measure(model, inputs, cost_model=cost_model)
    before = CostReport.build(name, validity, cost, cost_model=cost_model)
    graph = optimize(import_model(model))
    emitted = emit(graph, target, forced, extra_cost_for(cost_model))
    data = emitted.to_bytes()
    validity, cost = measure(data, inputs, cost_model=cost_model)
    if not validity.valid:
        raise UserError(f"optimised model would be unscorable ({validity.line()}); not written")
    after = CostReport.build(name, validity, cost, cost_model=cost_model)
    checked = compare_answers(model, data, task) if task is not None else 0
    return Optimized(emitted.model, data, before, after, emitted.choices, checked)
