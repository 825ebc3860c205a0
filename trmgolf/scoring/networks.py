"""A submission's networks: ``taskNNN.onnx`` files in a zip or a folder, and what each earns.

A submission is what the grader takes (a flat zip of ``task001.onnx`` .. ``task400.onnx``),
or the folder those files sit in. :func:`score_network` scores one of its networks with
the grader's replica (``validity``, ``official``, ``answers``): valid, memory, params and,
when the task's examples are given, whether it is exact on every one of them.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from trmgolf.errors import UserError
from trmgolf.tasks import Task

if TYPE_CHECKING:
    from trmgolf.scoring.validity import Validity

TASK_FILE = re.compile(r"^task(\d{3})\.onnx$")


def is_submission(path: str | Path) -> bool:
    """A folder or a ``.zip`` is a submission; anything else is one network (or a report)."""
    p = Path(path)
    return p.is_dir() or p.suffix.lower() == ".zip"


def read_networks(source: str | Path) -> dict[int, bytes]:
    """``{task number: bytes}`` of every ``taskNNN.onnx`` in a submission zip or folder."""
    source = Path(source)
    if not source.exists():
        raise UserError(f"{source}: no such file or folder")
    found: dict[int, bytes] = {}
    names: list[str] = []
    if source.is_dir():
        for path in sorted(source.iterdir()):
            m = TASK_FILE.match(path.name)
            if path.is_file():
                names.append(path.name)
                if m:
                    found[int(m.group(1))] = path.read_bytes()
    else:
        try:
            with zipfile.ZipFile(source) as zf:
                for info in zf.infolist():
                    m = TASK_FILE.match(Path(info.filename).name)
                    if not info.is_dir():
                        names.append(info.filename)
                        if m:
                            found[int(m.group(1))] = zf.read(info)
        except zipfile.BadZipFile:
            raise UserError(f"{source}: not a zip file or a folder of taskNNN.onnx") from None
    if not found:
        raise UserError(f"{source}: holds no network named taskNNN.onnx (task001.onnx ... "
                        f"task400.onnx, one per task); found {_listing(names)}")
    return found


def _listing(names: list[str], shown: int = 5) -> str:
    """``nothing``, or the first names and how many more."""
    if not names:
        return "nothing"
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


@dataclass
class NetworkScore:
    """What one network of a submission earns.

    ``exact`` is None when no examples were run; then ``points`` is what the network earns
    if it is exact. With examples, ``points`` is 0 unless it is exact on every one.
    ``consistent`` is None unless the thread check ran (answers equal at other thread counts).
    """

    task: str
    number: int
    sha256: str
    valid: bool
    rule: str | None = None
    reason: str | None = None
    memory: int | None = None
    params: int | None = None
    points: float = 0.0
    exact: bool | None = None
    passed: int = 0
    examples: int = 0
    consistent: bool | None = None
    failure: str | None = None  # the first failing example, one line
    failed_split: str | None = None  # ... its split and index in it
    failed_index: int | None = None

    @property
    def cost(self) -> int | None:
        return None if self.memory is None else self.memory + (self.params or 0)

    @property
    def earned(self) -> float:
        """Points the grader gives: 0 for an invalid or (known) inexact network."""
        return self.points if self.valid and self.exact is not False else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "cost": self.cost}


def score_network(number: int, data: bytes, task: Task | None = None, *,
                  threads_check: bool = False) -> NetworkScore:
    """Score one network as the grader does; with ``task``, on every example of it.

    Never raises for a bad network: an unparsable or invalid one is ``valid=False``.
    """
    from trmgolf.scoring.answers import verify
    from trmgolf.scoring.official import measure

    score = NetworkScore(f"task{number:03d}", number, hashlib.sha256(data).hexdigest(), valid=False)
    if task is None:
        validity, cost = measure(data)
        _set_validity(score, validity)
        if cost is not None:
            score.memory, score.params, score.points = cost.memory, cost.params, round(cost.points(), 6)
        return score
    result = verify(data, task, threads_check=threads_check)
    _set_validity(score, result.validity)
    total = result.total
    score.passed, score.examples = total.passed, total.passed + total.failed
    score.exact = result.passed and score.valid
    if result.cost is not None:
        score.memory, score.params = result.cost.memory, result.cost.params
    if score.exact and result.cost is not None:
        score.points = round(result.cost.points(), 6)
    if result.threads_checked:
        score.consistent = not result.thread_mismatch
    f = result.first_failure
    if f is not None:
        score.failure = f"{f.split}[{f.index}]" + (f": {f.error}" if f.error else "")
        score.failed_split, score.failed_index = f.split, f.index
    return score


def _set_validity(score: NetworkScore, validity: Validity) -> None:
    score.valid = validity.valid
    score.rule, score.reason = validity.rule, validity.reason
