"""``trmgolf merge A.zip B.zip ... -o BEST.zip``: per task, the best network of several submissions.

Every input's network for a task is scored as the grader scores it (validity, memory +
params, every example under onnxruntime with ``ORT_DISABLE_ALL``, then the thread check
``trmgolf verify`` does). The winner is the cheapest network that is exact on every
example (by memory + params); ties go to the network whose answers do not change with the
thread count, then to the earlier input. A task no input solves keeps the network that
passes most examples. So the merged submission earns at least what each input earns, task
by task.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from trmgolf.errors import UserError
from trmgolf.progress import make_progress
from trmgolf.scoring.networks import NetworkScore, read_networks, score_network
from trmgolf.submission.bundle import zip_bytes
from trmgolf.submission.results import write_atomic
from trmgolf.submission.runner import execute
from trmgolf.submission.scorecard import read_network_scores, scores_csv, scores_path_beside
from trmgolf.tasks import load_task_file, resolve_task_path

Echo = Callable[[str], None]


@dataclass
class MergeJob:
    number: int
    candidates: list[tuple[int, bytes]]  # (input index, network bytes), in input order
    task_path: str
    threads_check: bool = True
    known: dict[bytes, NetworkScore] = field(default_factory=dict)  # sha256 digest -> a reused score


@dataclass
class MergeRow:
    """One task: each input's score (by input index) and the input whose network was kept."""

    task: str
    number: int
    winner: int
    scores: dict[int, NetworkScore] = field(default_factory=dict)

    @property
    def kept(self) -> NetworkScore:
        return self.scores[self.winner]


def rank(score: NetworkScore, index: int) -> tuple:
    """Higher is better: exact, then the cheapest (memory + params: points read back from a
    table are rounded, costs are exact), then examples passed, then thread consistency, then
    the earlier input."""
    exact = bool(score.exact) and score.cost is not None
    return (exact, -(score.cost or 0) if exact else 0, score.passed, score.consistent is not False, -index)


def merge_job(job: MergeJob) -> MergeRow:
    """Score every input's network for one task (identical files once) and pick the winner."""
    task = load_task_file(job.task_path)
    by_hash: dict[bytes, NetworkScore] = {}
    row = MergeRow(f"task{job.number:03d}", job.number, job.candidates[0][0])
    for index, data in job.candidates:
        digest = hashlib.sha256(data).digest()
        if digest not in by_hash:
            by_hash[digest] = job.known.get(digest) or score_network(job.number, data, task,
                                                                     threads_check=job.threads_check)
        row.scores[index] = by_hash[digest]
    row.winner = max(row.scores, key=lambda i: rank(row.scores[i], i))
    return row


@dataclass
class MergeOutcome:
    inputs: list[str]
    rows: list[MergeRow]
    scores_path: Path

    def input_points(self, index: int) -> float:
        return round(sum(r.scores[index].earned for r in self.rows if index in r.scores), 4)

    @property
    def points(self) -> float:
        return round(sum(r.kept.earned for r in self.rows), 4)

    def wins(self, index: int) -> int:
        return sum(1 for r in self.rows if r.winner == index)

    def worse_than_an_input(self) -> list[str]:
        """Tasks where some input's network is exact and the kept one is not, or is cheaper
        (never expected: a check of the ranking)."""
        return [r.task for r in self.rows
                if any(rank(s, 0)[:2] > rank(r.kept, 0)[:2] for s in r.scores.values())]


def merge(sources: list[Path], out_zip: Path, data: str | None, *, jobs: int = 2,
          threads_check: bool = True, progress: bool = False, log: Echo | None = None,
          reuse: list[Path] | None = None) -> MergeOutcome:
    """Score all inputs' networks, keep the best per task, write ``out_zip`` and its score table.

    ``reuse``: score tables (``cost --report``, an earlier merge) whose row for the very same
    network (task and sha256) is taken instead of running it again."""
    if len(sources) < 2:
        raise UserError("merge needs at least two submissions")
    if out_zip.suffix != ".zip":
        raise UserError(f"-o {out_zip}: a submission is written as a .zip file")
    if jobs < 1:
        raise UserError("--jobs must be at least 1")
    if out_zip.resolve() in {s.resolve() for s in sources}:
        raise UserError(f"-o {out_zip} is one of the inputs: write the merge to a new file")
    inputs = [read_networks(s) for s in sources]
    numbers = sorted(set().union(*inputs))
    known: dict[int, dict[bytes, NetworkScore]] = {}
    for table in reuse or ():
        rows = read_network_scores(table)
        if not rows:
            raise UserError(f"{table}: not a score table of cost --report or merge")
        for n, score in rows.items():
            known.setdefault(n, {})[bytes.fromhex(score.sha256)] = score
    work = {n: MergeJob(n, [(i, nets[n]) for i, nets in enumerate(inputs) if n in nets],
                        str(resolve_task_path(n, data)), threads_check, known.get(n, {})) for n in numbers}
    rows: dict[int, MergeRow] = {}
    with make_progress("{task.fields[note]}", progress) as bar:
        bar_id = bar.add_task("merging", total=len(work), note="")

        def on_done(row: MergeRow) -> None:
            rows[row.number] = row
            bar.update(bar_id, advance=1, note=f"{sum(r.kept.earned for r in rows.values()):.1f} points")
            if log is not None and (len(rows) % 50 == 0 or len(rows) == len(work)):
                log(f"merged {len(rows)}/{len(work)} tasks")

        execute(merge_job, work, jobs, on_done)
    ordered = [rows[n] for n in numbers]
    labels = [str(s) for s in sources]
    files = [(f"{r.task}.onnx", inputs[r.winner][r.number]) for r in ordered]
    write_atomic(out_zip, zip_bytes(files))
    table = scores_path_beside(out_zip)
    write_atomic(table, scores_csv({r.number: r.kept for r in ordered},
                                   {r.number: labels[r.winner] for r in ordered}).encode())
    return MergeOutcome(labels, ordered, table)
