"""``optimize``: import an ONNX network, run the pass pipeline and kernel selection,
emit, and prove the result answers exactly as the original did.

The proof is the task's examples: the thresholded outputs of both models under the
scorer's runtime settings must be identical on every one, or nothing is written. Agreeing
with the input network is not solving the task: the same outputs are also compared with
the task's expected answers, per split, and the report says whether the task is solved. A
result that is not cheaper than the original is not used: the original is returned
unchanged (never worse).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import onnx

from trmgolf.compiler.driver import Compilation, compile_graph
from trmgolf.compiler.emit import Choice, Emitted, serialize
from trmgolf.compiler.importer import emit_opset, import_model, source_opset
from trmgolf.compiler.targets import DEFAULT_TARGET, get_target
from trmgolf.errors import UserError
from trmgolf.ir.graph import Graph
from trmgolf.ir.registry import IRTypeError
from trmgolf.ir.verify import IRVerifyError
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
    compilation: Compilation  # the IR of every stage of the result (``--dump-after``)
    kept_original: str | None = None  # why the original is returned unchanged (None: rewritten)
    warnings: list[str] = field(default_factory=list)  # e.g. a --kernel op the graph lacks

    @property
    def solved(self) -> bool | None:
        """Whether the result passes every example of the task (None without a task)."""
        return self.after.exact


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


def imported(model: onnx.ModelProto) -> Graph:
    """The IR of ``model``; a one-line UserError for whatever the IR cannot represent."""
    try:
        return import_model(model)
    except (IRVerifyError, IRTypeError) as e:
        raise UserError(f"cannot optimise: {str(e).splitlines()[0]}") from None


def compile_imported(model: onnx.ModelProto, target: str = DEFAULT_TARGET,
                     forced: Mapping[str, str] | None = None, cost_model: str | CostModel = OFFICIAL,
                     *, graph: Graph | None = None, passes: bool = True) -> Compilation:
    """Import ``model`` (or take its ``graph``, already imported) and compile it through the one
    compile path (without the passes when ``passes`` is False: a plain round trip), at the
    target's opset or, when a carried node has no equivalent there (Upsample, Split-11 ...), at
    a lower one down to the model's own; with the passes, at the model's own opset when that
    network is cheaper."""
    graph = imported(model) if graph is None else graph
    opset = emit_opset(graph, get_target(target).opset, source_opset(model))
    # The model's own opset is tried too: written for it, it may cost less there (axes as
    # attributes, not initializers).
    own = source_opset(model)
    others = (own,) if passes and own < opset else ()
    try:
        return compile_graph(graph, target=target, forced=forced, cost_model=cost_model,
                             source="import", pipeline=None if passes else [], opset=opset,
                             other_opsets=others)
    except (IRVerifyError, IRTypeError) as e:
        raise UserError(f"cannot optimise: {str(e).splitlines()[0]}") from None


def reemit(graph: Graph, model: onnx.ModelProto, target: str = DEFAULT_TARGET) -> Emitted:
    """``graph`` (imported from ``model``) emitted with no passes: the plain round trip."""
    return compile_imported(model, target, graph=graph, passes=False).emitted


def optimize_model(model: onnx.ModelProto, name: str, *, target: str = DEFAULT_TARGET,
                   forced: Mapping[str, str] | None = None, cost_model: str | CostModel = OFFICIAL,
                   task: Task | None = None, inputs: list[np.ndarray] | None = None) -> Optimized:
    """Optimise ``model``; with ``task``, refuse a result that answers differently, and
    report (``after.exact``, ``after.examples``) whether the result solves the task. When the
    result is not cheaper, the original is returned unchanged (``kept_original`` says so).

    ``inputs`` are the examples the cost is measured on (the first of ``task`` by default, else
    an all-zero grid, on which some networks cannot run: an integer Mod by zero)."""
    cost_model = get_cost_model(cost_model)
    if inputs is None and task is not None:
        inputs = [grid_to_onehot(ex.input) for _, ex in task.examples()[:1]]
    before_validity, before_cost = measure(model, inputs, cost_model=cost_model.name)
    before = CostReport.build(name, before_validity, before_cost, cost_model=cost_model.name)
    compilation = compile_imported(model, target, forced, cost_model)
    emitted = compilation.emitted
    data = compilation.data
    validity, cost = measure(data, inputs, cost_model=cost_model.name)
    if not validity.valid:
        raise UserError(f"optimised model would be unscorable ({validity.line()}); not written")
    counts = compare_answers(model, data, task) if task is not None else None
    solved = None if counts is None else all(c["failed"] == 0 for c in counts.values())
    after = CostReport.build(name, validity, cost, cost_model=cost_model.name, exact=solved,
                             examples=counts)
    after.kernels = emitted.kernel_counts()
    checked = sum(c["passed"] + c["failed"] for c in counts.values()) if counts else 0
    if before.valid and before.total is not None and after.total is not None \
            and after.total >= before.total:
        why = "no gain" if after.total == before.total else f"the result costs more ({after.total:,})"
        # the original answers exactly as the result did, so it solves the task as well
        kept = CostReport.build(name, before_validity, before_cost, cost_model=cost_model.name,
                                exact=solved, examples=counts)
        return Optimized(model, serialize(model), before, kept, [], checked, compilation, why,
                         compilation.warnings)
    return Optimized(emitted.model, data, before, after, emitted.choices, checked, compilation, None,
                     compilation.warnings)
