"""``optimize``: import an ONNX network, run the pass pipeline and kernel selection,
emit, and prove the result answers exactly as the original did.

The proof is the task's examples: the thresholded outputs of both models under the
scorer's runtime settings must be identical on every one, or nothing is written. Agreeing
with the input network is not solving the task: the same outputs are also compared with
the task's expected answers, per split, and the report says whether the task is solved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import onnx

from trmgolf.compiler.driver import Compilation, compile_graph
from trmgolf.compiler.emit import Choice
from trmgolf.compiler.importer import import_model
from trmgolf.compiler.targets import DEFAULT_TARGET
from trmgolf.errors import UserError
from trmgolf.scoring.answers import run_examples, task_examples
from trmgolf.scoring.cost_model import OFFICIAL, CostModel, get_cost_model
from trmgolf.scoring.official import measure
from trmgolf.scoring.report import CostReport
from trmgolf.tasks import Task, exact_on, grid_to_onehot, same_answer


@dataclass
class Optimized:
    model: onnx.ModelProto
    data: bytes
    before: CostReport
    after: CostReport
    choices: list[Choice]
    checked: int  # examples on which both models were compared
    compilation: Compilation  # the IR of every stage (``--dump-after``)

    @property
    def warnings(self) -> list[str]:
        """E.g. a --kernel op the graph lacks."""
        return self.compilation.warnings

    @property
    def solved(self) -> bool | None:
        """Whether the result passes every example of the task (None without a task)."""
        return self.after.exact


def kernel_counts(choices: list[Choice]) -> dict[str, int]:
    """How many nodes got each lowering, as ``{"op=lowering": n}`` in first-use order."""
    counts: dict[str, int] = {}
    for choice in choices:
        key = f"{choice.op}={choice.lowering}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def compare_answers(original: onnx.ModelProto | bytes, rewritten: bytes, task: Task
                    ) -> dict[str, dict[str, int]]:
    """Raise UserError at the first example whose thresholded outputs differ; return, per
    split, how many of the (identical) answers equal the task's expected output."""
    examples = task_examples(task)
    inputs = [grid_to_onehot(ex.input) for _, _, ex in examples]
    try:
        want = run_examples(original, inputs)
    except RuntimeError as e:
        raise UserError(f"the input model does not run: {e}") from None
    got = run_examples(rewritten, inputs)
    counts: dict[str, dict[str, int]] = {}
    for (split, i, ex), a, b in zip(examples, want, got, strict=True):
        if not same_answer(a, b):
            raise UserError(f"optimised model answers differently on {split}[{i}]; not written")
        ok = exact_on(b, ex.output)
        counts.setdefault(split, {"passed": 0, "failed": 0})["passed" if ok else "failed"] += 1
    return counts


def optimize_model(model: onnx.ModelProto, name: str, *, target: str = DEFAULT_TARGET,
                   forced: Mapping[str, str] | None = None, cost_model: str | CostModel = OFFICIAL,
                   task: Task | None = None) -> Optimized:
    """Optimise ``model``; with ``task``, refuse a result that answers differently, and
    report (``after.exact``, ``after.examples``) whether the result solves the task."""
    cost_model = get_cost_model(cost_model)
    inputs = [grid_to_onehot(ex.input) for _, ex in task.examples()[:1]] if task else None
    validity, cost = measure(model, inputs, cost_model=cost_model.name)
    before = CostReport.build(name, validity, cost, cost_model=cost_model.name)
    compilation = compile_graph(import_model(model), target=target, forced=forced, cost_model=cost_model,
                                source="import")
    emitted = compilation.emitted
    data = compilation.data
    validity, cost = measure(data, inputs, cost_model=cost_model.name)
    if not validity.valid:
        raise UserError(f"optimised model would be unscorable ({validity.line()}); not written")
    counts = compare_answers(model, data, task) if task is not None else None
    solved = None if counts is None else all(c["failed"] == 0 for c in counts.values())
    after = CostReport.build(name, validity, cost, cost_model=cost_model.name, exact=solved,
                             examples=counts)
    after.kernels = kernel_counts(emitted.choices)
    checked = sum(c["passed"] + c["failed"] for c in counts.values()) if counts else 0
    return Optimized(emitted.model, data, before, after, emitted.choices, checked, compilation)
