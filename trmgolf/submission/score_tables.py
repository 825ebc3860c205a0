"""The one reader of per-task scores, whatever wrote them.

``solve``'s ``scores.csv``, ``optimize``'s ``OUT.work/scores.csv``, the table ``cost`` and
``merge`` write for a submission (``SCORE_COLUMNS``), a folder holding one of those, and a
submission itself (a zip or a folder of ``taskNNN.onnx``, scored here) all become the same
rows: per task, the points earned, whether it is solved, and where its network came from.
``trmgolf diff``, ``trmgolf report``, ``bench/compare_runs.py`` and ``bench/family_report.py``
read scores only through :func:`read_scores`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from trmgolf.errors import UserError
from trmgolf.scoring.networks import is_submission, read_networks
from trmgolf.tasks import task_number


@dataclass(frozen=True)
class ScoreRow:
    """One task: ``points`` earned (0 unless solved), its network's cost and its origin
    (``source``: the solver, ``optimize (kept)``, or the input a merge took it from)."""

    task: str
    points: float
    solved: bool
    source: str = ""
    family: str = ""
    memory: int | None = None
    params: int | None = None

    @property
    def cost(self) -> int | None:
        """memory + params, when the table records both."""
        return None if self.memory is None or self.params is None else self.memory + self.params

    @property
    def number(self) -> int:
        return int(self.task[len("task"):])


@dataclass
class ScoreTable:
    """Rows by task name, and what was read (``kind``: solve, optimize, scores, networks)."""

    path: str
    kind: str
    rows: dict[str, ScoreRow] = field(default_factory=dict)
    note: str = ""

    @property
    def points(self) -> float:
        return round(sum(r.points for r in self.rows.values()), 4)

    @property
    def solved(self) -> int:
        return sum(1 for r in self.rows.values() if r.solved)


def _int(text: str | None) -> int | None:
    return int(float(text)) if text not in (None, "", "None") else None


def _float(text: str | None) -> float:
    return float(text) if text not in (None, "", "None") else 0.0


def _task(text: str) -> str:
    n = task_number(text)
    if n is None:
        raise ValueError(f"not a task name: {text!r}")
    return f"task{n:03d}"


def _solve_row(r: dict[str, str]) -> ScoreRow:
    solved = r["solved"] == "True"
    return ScoreRow(_task(r["task"]), _float(r["points"]) if solved else 0.0, solved, r.get("solver", ""),
                    r.get("family", ""), _int(r.get("memory")), _int(r.get("params")))


def _optimize_row(r: dict[str, str]) -> ScoreRow:
    solved = r["solves"] == "True"
    return ScoreRow(_task(r["task"]), _float(r["after_points"]) if solved else 0.0, solved,
                    f"optimize ({r['kept']})", "", _int(r.get("after_memory")), _int(r.get("after_params")))


def _scores_row(r: dict[str, str]) -> ScoreRow:
    points = _float(r["points"])
    solved = r["exact"] == "True" or (r["exact"] in ("", "None") and points > 0)
    return ScoreRow(_task(r["task"]), points, solved, r.get("source", ""), "", _int(r.get("memory")),
                    _int(r.get("params")))


#: header columns that say which program wrote a CSV -> how to read its rows
CSV_KINDS: tuple[tuple[str, frozenset[str], Callable[[dict[str, str]], ScoreRow]], ...] = (
    ("optimize", frozenset({"task", "kept", "after_points", "solves"}), _optimize_row),
    ("solve", frozenset({"task", "solved", "solver", "points"}), _solve_row),
    ("scores", frozenset({"task", "valid", "exact", "points"}), _scores_row),
)


def read_csv(path: Path) -> ScoreTable:
    """A score table written by ``solve``, ``optimize``, ``cost`` or ``merge``."""
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            header = set(reader.fieldnames or ())
            for kind, needs, to_row in CSV_KINDS:
                if needs <= header:
                    rows = [to_row(r) for r in reader]
                    return ScoreTable(str(path), kind, {r.task: r for r in rows})
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    except (ValueError, KeyError) as e:
        raise UserError(f"{path}: not a readable score table ({e})") from None
    raise UserError(f"{path}: not a score table of solve, optimize, cost or merge (columns: "
                    f"{', '.join(sorted(header)) or 'none'})")


def read_results(folder: Path) -> ScoreTable:
    """A ``solve`` output folder's ``results/taskNNN.json`` (before its ``scores.csv`` is written)."""
    rows = {}
    for path in sorted((folder / "results").glob("task*.json")):
        try:
            r = json.loads(path.read_text())
            row = ScoreRow(_task(r["task"]), float(r["points"]) if r["solved"] else 0.0, bool(r["solved"]),
                           r.get("solver") or "", r.get("family") or "", r.get("memory"), r.get("params"))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise UserError(f"{path}: not a readable result ({e})") from None
        rows[row.task] = row
    return ScoreTable(str(folder), "solve", rows)


def read_scores(path: str | Path, data: str | None = None, *, jobs: int = 2, progress: bool = False,
                log: Callable[[str], None] | None = None) -> ScoreTable:
    """The per-task scores of ``path``: a score CSV, a folder holding ``scores.csv`` (or a
    ``solve`` folder's ``results/``), or a submission (zip or folder of networks), which is
    scored here (on every example when the task files are found)."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: no such file or folder")
    if path.is_dir() and (path / "scores.csv").is_file():
        return read_csv(path / "scores.csv")
    if path.is_dir() and (path / "results").is_dir():
        return read_results(path)
    if path.suffix.lower() == ".csv":
        return read_csv(path)
    if not is_submission(path):
        raise UserError(f"{path}: not a submission (zip or folder of taskNNN.onnx) or a score table (.csv)")
    from trmgolf.submission.scorecard import score_submission

    networks = read_networks(path)
    scores = score_submission(networks, data, jobs=jobs, progress=progress, log=log, label=path.name)
    ran = any(s.exact is not None for s in scores.values())
    rows = {s.task: ScoreRow(s.task, s.earned, s.earned > 0, "", "", s.memory, s.params)
            for s in scores.values()}
    return ScoreTable(str(path), "networks", rows,
                      "" if ran else "no task files: points assume every valid network is exact")
