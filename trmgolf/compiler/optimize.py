"""``optimize``: import an ONNX network, run the pass pipeline and kernel selection,
emit, and prove the result answers exactly as the original did.

The proof is the task's examples: the thresholded outputs of both models under the
scorer's runtime settings must be identical on every one, or nothing is written. A
result that is not cheaper than the original is not used: the original is returned
unchanged (never worse).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import onnx

from trmgolf.compiler.emit import Choice, Emitted, emit, serialize
from trmgolf.compiler.importer import emit_opset, import_model, source_opset
from trmgolf.compiler.pipeline import optimize
from trmgolf.compiler.select import ExtraCost, extra_cost_for
from trmgolf.compiler.targets import DEFAULT_TARGET, get_target
from trmgolf.errors import UserError
from trmgolf.ir.graph import Graph
from trmgolf.ir.registry import IRTypeError
from trmgolf.ir.verify import IRVerifyError
from trmgolf.scoring.answers import run_examples, task_examples
from trmgolf.scoring.cost import measure
from trmgolf.scoring.report import CostReport
from trmgolf.tasks import Task, grid_to_onehot


@dataclass
class Optimized:
    model: onnx.ModelProto
    data: bytes
    before: CostReport
    after: CostReport
    choices: list[Choice]
    checked: int  # examples on which both models were compared
    kept_original: str | None = None  # why the original is returned unchanged (None: rewritten)


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
        if not np.array_equal(a > 0, b > 0):
            raise UserError(f"optimised model answers differently on {split}[{i}]; not written")
    return len(examples)


def reemit(graph: Graph, model: onnx.ModelProto, target: str = DEFAULT_TARGET,
           forced: Mapping[str, str] | None = None, extra: ExtraCost | None = None) -> Emitted:
    """Emit an imported graph for ``target``, or at a lower opset (down to the model's own)
    when a carried node has no equivalent at the target's (Upsample, Split-11 ...)."""
    opset = emit_opset(graph, get_target(target).opset, source_opset(model))
    return emit(graph, target, forced, extra, opset=opset)


def import_and_emit(model: onnx.ModelProto, target: str = DEFAULT_TARGET, *, passes: bool = True,
                    forced: Mapping[str, str] | None = None, extra: ExtraCost | None = None) -> Emitted:
    """Import ``model``, optionally run the pass pipeline, and emit; one-line UserError for
    whatever the IR cannot represent."""
    try:
        graph = import_model(model)
        if passes:
            graph = optimize(graph)
        return reemit(graph, model, target, forced, extra)
    except (IRVerifyError, IRTypeError) as e:
        raise UserError(f"cannot optimise: {str(e).splitlines()[0]}") from None


def optimize_model(model: onnx.ModelProto, name: str, *, target: str = DEFAULT_TARGET,
                   forced: Mapping[str, str] | None = None, cost_model: str = "official",
                   task: Task | None = None) -> Optimized:
    """Optimise ``model``; with ``task``, refuse a result that answers differently. When the
    result is not cheaper, the original is returned unchanged (``kept_original`` says so)."""
    inputs = [grid_to_onehot(ex.input) for _, ex in task.examples()[:1]] if task else None
    validity, cost = measure(model, inputs, cost_model=cost_model)
    before = CostReport.build(name, validity, cost, cost_model=cost_model)
    emitted = import_and_emit(model, target, forced=forced, extra=extra_cost_for(cost_model))
    data = emitted.to_bytes()
    validity, cost = measure(data, inputs, cost_model=cost_model)
    if not validity.valid:
        raise UserError(f"optimised model would be unscorable ({validity.line()}); not written")
    after = CostReport.build(name, validity, cost, cost_model=cost_model)
    checked = compare_answers(model, data, task) if task is not None else 0
    if before.valid and before.total is not None and after.total is not None \
            and after.total >= before.total:
        why = "no gain" if after.total == before.total else f"the result costs more ({after.total:,})"
        return Optimized(model, serialize(model), before, before, [], checked, why)
    return Optimized(emitted.model, data, before, after, emitted.choices, checked)
