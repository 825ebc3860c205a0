"""Per-task results: what was tried, what was kept, written atomically so a run can resume.

``OUT/results/taskNNN.json`` is written last, after ``OUT/taskNNN.onnx``; a result
whose recorded sha256 no longer matches the network on disk is not trusted, so a
half-written or edited output is redone rather than zipped.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from trmgolf import fsutil

RESULT_VERSION = 1
#: The solver name of a network the structure search found (``search:conv3x3/g1``); its family
#: stays that of the solver that proved the rule.
SEARCH_PREFIX = "search:"
#: The solver name of a network compiled from a given TRM checkpoint (``--trm``).
TRM_SOLVER = "trm"
#: The solver name of a network TRM training found for the task (``trm-train:<rung>``).
TRM_TRAIN_PREFIX = "trm-train:"

# Attempt outcomes, in the order the pipeline can reach them.
OUTCOMES = (
    "no_fit",  # build returned None: the family does not explain the fit examples
    "error",  # build / optimise / emit raised
    "invalid",  # the official rules refuse the network
    "wrong",  # fails some fit example
    "heldout_fail",  # fits, but fails an example it was not fitted on (the generalisation gate)
    "thread_mismatch",  # answers change with onnxruntime's thread count
    "passed",  # exact on every given example
    "skipped",  # not tried (first-success / top-k / timeout)
)


#: Where a task's wall time goes: solver fits, the structure search's fits and checks,
#: compiles, the gate under onnxruntime, TRM training, and the rest (reading, writing).
STAGES = ("solver_fit", "search_fit", "compile", "gate", "trm", "other")


@dataclass
class Attempt:
    solver: str
    family: str
    outcome: str
    build_s: float = 0.0  # the fit and the compile
    verify_s: float = 0.0  # the gate under onnxruntime (thread check included)
    compile_s: float = 0.0  # of build_s, the compile
    cost: int | None = None
    memory: int | None = None
    params: int | None = None
    points: float | None = None
    detail: str = ""

    @property
    def seconds(self) -> float:
        return self.build_s + self.verify_s


@dataclass
class TaskResult:
    task: str
    number: int
    solved: bool = False
    solver: str | None = None
    family: str | None = None
    onnx: str | None = None
    sha256: str | None = None
    memory: int | None = None
    params: int | None = None
    cost: int | None = None
    points: float = 0.0
    splits: dict[str, list[int]] = field(default_factory=dict)  # split -> [passed, total]
    fit_examples: int = 0
    heldout_examples: int = 0
    heldout_passed: bool | None = None
    route: dict = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    seconds: float = 0.0
    timed_out: bool = False
    error: str | None = None
    trm_config: str | None = None  # --trm-train: the ladder rung whose network was kept
    trm_train_s: float | None = None  # --trm-train: seconds spent training on this task
    search_s: float | None = None  # structure search after a solver passed: its CPU seconds
    stages: dict[str, float] = field(default_factory=dict)  # wall seconds by stage (``STAGES``)
    version: int = RESULT_VERSION

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TaskResult:
        d = dict(d)
        d["attempts"] = [Attempt(**a) for a in d.get("attempts", [])]
        return cls(**d)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """``trmgolf.fsutil.write_atomic``, creating the folder first (results/ may not exist yet)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fsutil.write_atomic(path, data)


def result_path(out: Path, number: int) -> Path:
    return out / "results" / f"task{number:03d}.json"


def onnx_path(out: Path, number: int) -> Path:
    return out / f"task{number:03d}.onnx"


def save_result(out: Path, result: TaskResult) -> None:
    text = json.dumps(result.to_dict(), indent=1, sort_keys=True)
    write_atomic(result_path(out, result.number), text.encode())


def load_result(out: Path, number: int) -> TaskResult | None:
    """The stored result, or None when it is missing, unreadable, from another version, or its
    network is missing / changed on disk (so the task is solved again)."""
    try:
        d = json.loads(result_path(out, number).read_text())
        result = TaskResult.from_dict(d)
    except (OSError, json.JSONDecodeError, TypeError, KeyError):
        return None
    if result.version != RESULT_VERSION:
        return None
    if result.solved:
        path = onnx_path(out, number)
        if not path.is_file() or sha256(path.read_bytes()) != result.sha256:
            return None
    return result


def finished_results(out: Path) -> dict[int, TaskResult]:
    """Every trusted result in ``out`` (see ``load_result``), by task number: what the zip
    and the score table cover, whichever run finished each task."""
    found: dict[int, TaskResult] = {}
    for path in sorted((out / "results").glob("task*.json")):
        digits = path.stem[len("task"):]
        if digits.isdigit():
            r = load_result(out, int(digits))
            if r is not None:
                found[r.number] = r
    return found
