"""Score every network of a submission (zip or folder) in worker processes.

One row per task from :func:`trmgolf.scoring.networks.score_network`: validity, memory,
params, points and, when the task files are found, exactness on every example. The rows
are written as one CSV (``SCORE_COLUMNS``) that :mod:`trmgolf.submission.score_tables`
reads back like any other score table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trmgolf.errors import UserError
from trmgolf.progress import make_progress
from trmgolf.scoring.networks import NetworkScore, score_network
from trmgolf.submission.runner import execute
from trmgolf.tasks import data_dir, load_task_file, resolve_task_path

SCORE_COLUMNS = ("task", "valid", "exact", "memory", "params", "cost", "points", "passed", "examples",
                 "consistent", "source", "rule", "reason", "failure", "failed_split", "failed_index",
                 "sha256")

#: columns a table may lack and still be read back: they only locate the first failure
OPTIONAL_COLUMNS = ("failed_split", "failed_index")

Echo = Callable[[str], None]


@dataclass
class ScoreJob:
    number: int
    data: bytes
    task_path: str | None
    threads_check: bool = False


def score_job(job: ScoreJob) -> NetworkScore:
    """Score one network (in a worker process); on its task's examples when there is a task file."""
    task = load_task_file(job.task_path) if job.task_path else None
    return score_network(job.number, job.data, task, threads_check=job.threads_check)


def task_files(numbers: list[int], data: str | None) -> dict[int, str | None]:
    """Each task's file when a task folder is found (``--data``, ``TRMGOLF_DATA``, beside the
    checkout), else None for every task: then the networks are scored without examples."""
    if data_dir(data) is None:
        return dict.fromkeys(numbers)
    return {n: str(resolve_task_path(n, data)) for n in numbers}


def score_submission(networks: dict[int, bytes], data: str | None, *, jobs: int = 2,
                     threads_check: bool = False, progress: bool = False, log: Echo | None = None,
                     label: str = "scoring") -> dict[int, NetworkScore]:
    """Every network's score, by task number; a progress bar (or a line per 50 tasks to ``log``)."""
    paths = task_files(sorted(networks), data)
    work = {n: ScoreJob(n, networks[n], paths[n], threads_check) for n in sorted(networks)}
    scores: dict[int, NetworkScore] = {}
    with make_progress("{task.fields[note]}", progress) as bar:
        bar_id = bar.add_task(label, total=len(work), note="")

        def on_done(score: NetworkScore) -> None:
            scores[score.number] = score
            earning = sum(1 for s in scores.values() if s.earned > 0)
            bar.update(bar_id, advance=1, note=f"earning {earning}")
            if log is not None and (len(scores) % 50 == 0 or len(scores) == len(work)):
                log(f"{label}: {len(scores)}/{len(work)} networks, {earning} earning points")

        execute(score_job, work, jobs, on_done)
    return dict(sorted(scores.items()))


def score_rows(scores: dict[int, NetworkScore], sources: dict[int, str] | None = None) -> list[dict]:
    """The table rows of :data:`SCORE_COLUMNS` (``sources``: where each network came from)."""
    rows = []
    for n, s in sorted(scores.items()):
        d = s.to_dict()
        d["points"] = round(s.earned, 4)
        d["source"] = (sources or {}).get(n, "")
        rows.append({c: d.get(c) for c in SCORE_COLUMNS})
    return rows


def scores_csv(scores: dict[int, NetworkScore], sources: dict[int, str] | None = None) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SCORE_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(score_rows(scores, sources))
    return buf.getvalue()


def read_network_scores(path: Path) -> dict[int, NetworkScore]:
    """The rows of a table :func:`scores_csv` wrote, back as scores (by task number), so a
    later step (the HTML report) need not run the same networks again; empty when the table
    is of another kind."""
    def opt(text: str, kind: type) -> object:
        return None if text in ("", "None") else (text == "True" if kind is bool else kind(text))

    try:
        f = open(path, newline="")  # noqa: SIM115 - closed by the with below
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror})") from None
    with f:
        reader = csv.DictReader(f)
        if set(SCORE_COLUMNS) - set(reader.fieldnames or ()) - set(OPTIONAL_COLUMNS):
            return {}
        found = {}
        for r in reader:
            n = int(r["task"][len("task"):])
            found[n] = NetworkScore(
                r["task"], n, r["sha256"], r["valid"] == "True", opt(r["rule"], str), opt(r["reason"], str),
                opt(r["memory"], int), opt(r["params"], int), float(r["points"]), opt(r["exact"], bool),
                int(r["passed"]), int(r["examples"]), opt(r["consistent"], bool), opt(r["failure"], str),
                opt(r.get("failed_split", ""), str), opt(r.get("failed_index", ""), int))
    return found


def totals(scores: dict[int, NetworkScore]) -> dict:
    """Tasks, valid, exact (None when no examples ran), points earned."""
    ran = any(s.exact is not None for s in scores.values())
    return {"tasks": len(scores), "valid": sum(1 for s in scores.values() if s.valid),
            "exact": sum(1 for s in scores.values() if s.exact) if ran else None,
            "points": round(sum(s.earned for s in scores.values()), 4)}


def scores_path_beside(zip_path: Path) -> Path:
    """Where a written submission's score table goes: ``BEST.zip`` -> ``BEST.scores.csv``."""
    return zip_path.with_name(zip_path.stem + ".scores.csv")
