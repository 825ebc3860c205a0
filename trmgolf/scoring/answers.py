"""Run a network on a task's examples the way the grader does, and say what it earns.

The grader renames the model (``validity.scorer_view``), builds one onnxruntime CPU
session with ``ORT_DISABLE_ALL`` and profiling, runs every example (batch 1), and
compares ``output > 0`` with the expected one-hot tensor over all 9,000 values.
We do the same in one profiled session, so the memory of the report is the
memory of that very run. On top, the examples are re-run at other thread counts:
a network whose answers change with the thread count (e.g. a Conv bias shorter
than its output channels, which reads uninitialised memory) is flagged, because
the grader's thread count is not ours.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trmgolf.errors import NOT_ONNX, UserError
from trmgolf.scoring.cost import Cost
from trmgolf.scoring.cost_model import CostModel, get_cost_model
from trmgolf.scoring.official import cost_of_view
from trmgolf.scoring.profile import profiled_run
from trmgolf.scoring.runtime import Outcome, grader_session, run_each
from trmgolf.scoring.validity import (
    ModelLike,
    ScorerView,
    Validity,
    inspect,
    one_line,
    read_model,
    scorer_view,
)
from trmgolf.tasks import (
    Example,
    Grid,
    Task,
    grid_to_onehot,
    load_extra_examples,
    load_task,
    onehot_to_grid,
    same_answer,
    thresholded,
)

DEFAULT_THREADS = (1, 4)


@dataclass
class SplitCount:
    passed: int = 0
    failed: int = 0


@dataclass
class Failure:
    """The first failing example: its grids, the network's answer and any runtime error."""

    split: str
    index: int
    input: Grid
    expected: Grid
    actual: Grid | None
    mask: np.ndarray | None
    error: str | None = None

    def render(self) -> str:
        """Expected and actual grids side by side, as plain text."""
        head = f"first failure: {self.split}[{self.index}]"
        if self.error is not None:
            return f"{head}: onnxruntime error: {self.error}"
        exp = [" ".join(str(v) for v in row) for row in self.expected]
        act, note = _actual_lines(self.actual, self.mask, self.expected)
        width = max([len("expected")] + [len(s) for s in exp])
        lines = [head, f"{'expected'.ljust(width)}   actual{note}"]
        for i in range(max(len(exp), len(act))):
            left = exp[i] if i < len(exp) else ""
            right = act[i] if i < len(act) else ""
            mark = " " if i < len(exp) and i < len(act) and _same_row(self, i) else "!"
            lines.append(f"{left.ljust(width)} {mark} {right}".rstrip())
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "split": self.split,
            "index": self.index,
            "error": self.error,
            "expected": self.expected,
            "actual": self.actual,
        }


def _same_row(f: Failure, i: int) -> bool:
    if f.actual is None or i >= len(f.actual) or i >= len(f.expected):
        return False
    return f.actual[i] == f.expected[i]


def _actual_lines(actual: Grid | None, mask: np.ndarray | None, expected: Grid) -> tuple[list[str], str]:
    if actual is not None:
        return [" ".join(str(v) for v in row) for row in actual], ""
    if mask is None:
        return [], ""
    counts = mask.sum(axis=0)
    on_rows, on_cols = np.nonzero(counts)
    h = max(len(expected), int(on_rows.max()) + 1 if on_rows.size else 0)
    w = max(len(expected[0]), int(on_cols.max()) + 1 if on_cols.size else 0)
    rows = []
    for r in range(h):
        cells = []
        for c in range(w):
            n = int(counts[r, c])
            cells.append("." if n == 0 else "#" if n > 1 else str(int(mask[:, r, c].argmax())))
        rows.append(" ".join(cells))
    return rows, " (not a clean one-hot grid: . = no colour, # = several)"


@dataclass
class ThreadMismatch:
    threads: int
    split: str
    index: int
    cells: int


@dataclass
class VerifyResult:
    """Per-split counts, the first failure, the thread check and the cost of the run."""

    model: str
    task: str
    validity: Validity
    splits: dict[str, SplitCount] = field(default_factory=dict)
    first_failure: Failure | None = None
    threads_checked: list[int] = field(default_factory=list)
    thread_mismatch: list[ThreadMismatch] = field(default_factory=list)
    cost: Cost | None = None
    cost_model: str = "official"

    @property
    def total(self) -> SplitCount:
        return SplitCount(
            sum(s.passed for s in self.splits.values()),
            sum(s.failed for s in self.splits.values()),
        )

    @property
    def passed(self) -> bool:
        """Every example exact (and there was at least one)."""
        t = self.total
        return t.failed == 0 and t.passed > 0

    @property
    def points(self) -> float | None:
        """Points earned: only for a valid model that is exact on every example."""
        if not (self.validity.valid and self.passed and self.cost is not None):
            return None
        return self.cost.points(self.cost_model)

    def to_dict(self) -> dict:
        t = self.total
        return {
            "model": self.model,
            "task": self.task,
            "valid": self.validity.valid,
            "rule": self.validity.rule,
            "reason": self.validity.reason,
            "passed": self.passed,
            "splits": {k: {"passed": v.passed, "failed": v.failed} for k, v in self.splits.items()},
            "total": {"passed": t.passed, "failed": t.failed},
            "memory": self.cost.memory if self.cost else None,
            "params": self.cost.params if self.cost else None,
            "macs": self.cost.macs if self.cost else None,
            "cost_model": self.cost_model,
            "points": self.points,
            "thread_check": {
                "threads": self.threads_checked,
                # null when no re-run happened: a model that never ran is not "consistent"
                "consistent": not self.thread_mismatch if self.threads_checked else None,
                "mismatches": [m.__dict__ for m in self.thread_mismatch],
            },
            "first_failure": self.first_failure.to_dict() if self.first_failure else None,
        }


def _renamed_bytes(model: ModelLike) -> bytes:
    data, proto = read_model(model)
    if proto is None:
        raise UserError(f"not a readable ONNX model ({NOT_ONNX})")
    return scorer_view(proto).SerializeToString()


def run_examples(
    model: ModelLike, inputs: Sequence[np.ndarray], *, threads: int = 0, renamed: bool = False
) -> list[np.ndarray]:
    """Raw ``output`` of the model for each input, one reused session, scorer settings.

    The model is renamed as the scorer renames it unless ``renamed`` says it already
    is. Raises RuntimeError when onnxruntime cannot load or run it.
    """
    data = read_model(model)[0] if renamed else _renamed_bytes(model)
    try:
        outputs = run_each(grader_session(data, threads), inputs)
    except Exception as e:  # noqa: BLE001 - onnxruntime's errors share no base class
        outputs = [e]
    for out in outputs:
        if isinstance(out, Exception):
            raise RuntimeError(f"onnxruntime: {one_line(out)}") from None
    return outputs


def _run_or_errors(data: bytes, inputs: Sequence[np.ndarray], threads: int) -> list[Outcome]:
    """Like run_examples, but one exception object per failed run instead of raising."""
    try:
        session = grader_session(data, threads)
    except Exception as e:  # noqa: BLE001
        return [e] * len(inputs)
    return run_each(session, inputs)


def task_examples(task: Task, extra: Iterable[Example] = ()) -> list[tuple[str, int, Example]]:
    """Every example of the task (train, test, arc-gen) then the extra ones, with indices."""
    out: list[tuple[str, int, Example]] = []
    counters: dict[str, int] = {}
    for split, ex in task.examples():
        out.append((split, counters.get(split, 0), ex))
        counters[split] = counters.get(split, 0) + 1
    for i, ex in enumerate(extra):
        out.append(("extra", i, ex))
    return out


def _load_extras(extra: Iterable[Example | str | os.PathLike[str]]) -> list[Example]:
    result: list[Example] = []
    for item in extra:
        if isinstance(item, Example):
            result.append(item)
        else:
            result.extend(load_extra_examples(Path(item)))
    return result


def verify(
    model: ModelLike,
    task: Task | str | int,
    extra: Iterable[Example | str | os.PathLike[str]] = (),
    *,
    threads_check: bool = True,
    threads: Sequence[int] = DEFAULT_THREADS,
    data: str | os.PathLike[str] | None = None,
    cost_model: str | CostModel = "official",
    region_prefix: int | None = None,
    stop_if_invalid: bool = False,
) -> VerifyResult:
    """Run ``model`` on every example of ``task`` (+ extra examples); never raises for a
    bad model. Task and extra-file mistakes raise UserError. ``stop_if_invalid``: an invalid
    model (which the grader scores 0 whatever it answers) is not run at all.
    """
    if not isinstance(task, Task):
        task = load_task(task, data)
    examples = task_examples(task, _load_extras(extra))
    name = str(model) if isinstance(model, str | os.PathLike) else "<model>"
    validity, view = inspect(model)
    result = VerifyResult(name, task.name, validity, cost_model=str(get_cost_model(cost_model)))
    for split, _, _ in examples:
        result.splits.setdefault(split, SplitCount())
    if view is None or (stop_if_invalid and not validity.valid):
        _fail_unrun(result, examples, f"not run: {validity.line()}")
        return result
    inputs = [grid_to_onehot(ex.input) for _, _, ex in examples]
    try:
        outputs, events = profiled_run(view.model_bytes, inputs)
    except Exception as e:  # noqa: BLE001 - cannot load: every example fails
        outputs, events = [e] * len(inputs), []
    answers = _score_answers(result, examples, outputs)
    if validity.valid:
        result.cost = cost_of_view(view, events, cost_model=cost_model, region_prefix=region_prefix)
    if threads_check and examples:
        result.threads_checked = list(threads)
        result.thread_mismatch = _thread_mismatches(view, inputs, answers, examples, threads)
    return result


def _fail_unrun(result: VerifyResult, examples: list[tuple[str, int, Example]], why: str) -> None:
    """A model that could not even be renamed: every example fails, the first says why."""
    for split, index, ex in examples:
        result.splits[split].failed += 1
        if result.first_failure is None:
            result.first_failure = Failure(split, index, ex.input, ex.output, None, None, why)


def _score_answers(result: VerifyResult, examples: list[tuple[str, int, Example]],
                   outputs: Sequence[Outcome]) -> list[np.ndarray | None]:
    """Count passes and failures per split, keep the first failure; return each answer
    (``output > 0``, None for a failed run) for the thread check."""
    answers = []
    for (split, index, ex), out in zip(examples, outputs, strict=True):
        answer = thresholded(out)
        answers.append(answer)
        if answer is not None and same_answer(answer, grid_to_onehot(ex.output)):
            result.splits[split].passed += 1
            continue
        result.splits[split].failed += 1
        if result.first_failure is None:
            result.first_failure = _failure(split, index, ex, out)
    return answers


def _thread_mismatches(view: ScorerView, inputs: list[np.ndarray], answers: list[np.ndarray | None],
                       examples: list[tuple[str, int, Example]], threads: Sequence[int]
                       ) -> list[ThreadMismatch]:
    """Re-run every example at each thread count; the first differing example per count."""
    mismatches = []
    for t in threads:
        other = _run_or_errors(view.model_bytes, inputs, t)
        bad = [(i, o) for i, (a, o) in enumerate(zip(answers, other, strict=True)) if not same_answer(a, o)]
        if bad:
            i, o = bad[0]
            a, b = answers[i], thresholded(o)
            cells = int((a != b).sum()) if a is not None and b is not None else -1
            split, index, _ = examples[i]
            mismatches.append(ThreadMismatch(t, split, index, cells))
    return mismatches


def _failure(split: str, index: int, ex: Example, out: object) -> Failure:
    if not isinstance(out, np.ndarray):
        why = one_line(out) if isinstance(out, BaseException) else str(out).strip() or "?"
        return Failure(split, index, ex.input, ex.output, None, None, why)
    if out.shape != (1, 10, 30, 30):
        return Failure(split, index, ex.input, ex.output, None, None, f"output has shape {list(out.shape)}")
    mask = out[0] > 0
    return Failure(split, index, ex.input, ex.output, onehot_to_grid(out), mask)
