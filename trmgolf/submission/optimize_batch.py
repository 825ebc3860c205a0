"""``trmgolf optimize SUBMISSION -o OUT.zip``: optimise every network of a whole submission.

Per task: score the original as the grader does, import and optimise it, run both on every
example of the task under the grader's runtime, and keep the optimised network only if it is
valid, answers exactly as the original on every example and costs strictly less. Otherwise
the original's bytes are kept unchanged, with the reason. A run is never worse than its
input, task by task.

Resumable like ``solve``: each finished task leaves ``WORK/taskNNN.onnx`` and then
``WORK/results/taskNNN.json`` (with the written network's sha256 and the task's resume key:
a hash of its input network, its task file and the options that change the result); a rerun
skips a task only when both still match, so a changed input or option is redone. The zip and
``WORK/scores.csv`` are rebuilt from every finished task at the end.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from trmgolf.errors import UserError
from trmgolf.fsutil import write_atomic
from trmgolf.scoring.networks import read_networks
from trmgolf.submission.limits import TaskTimeout, first_line, time_limit
from trmgolf.submission.results import SEARCH_PREFIX

if TYPE_CHECKING:
    from trmgolf.compiler.optimize import Optimized

RESULT_VERSION = 2  # 2: results carry the resume key


@dataclass
class BatchOptions:
    source: Path
    out_zip: Path
    data: str | None = None
    jobs: int = 2
    target: str = "ng2026"
    timeout_s: float | None = 300.0
    redo: bool = False
    progress: bool = True
    log_every: int = 0  # without a progress bar: one line per this many finished tasks
    replace_input: bool = False  # -o may be the input submission itself
    # options that change the result (a resume key must include them):
    solve: bool = False  # --solve: trmgolf's solvers look for a cheaper network of a solved task
    search_work: int = 0  # --search: structure search work units per solved task (0: off)
    search_s: float = 50.0  # its CPU-seconds safety net


@dataclass
class TaskRow:
    """What happened to one task's network; ``kept`` is ``original``, ``optimised``, or (with
    --search / --solve) ``search:LABEL`` or ``solver:NAME``, whose network replaced it."""

    task: str
    number: int
    kept: str = "original"
    before_valid: bool = False
    before_memory: int | None = None
    before_params: int | None = None
    before_points: float | None = None
    after_memory: int | None = None
    after_params: int | None = None
    after_points: float | None = None
    solves: bool | None = None  # the kept network passes every example of the task
    examples: int = 0
    why: str = ""  # why the original was kept, or what the optimised one gained
    sha256: str = ""
    key: str = ""  # resume_key of the input this row was computed from
    seconds: float = 0.0

    @property
    def before_total(self) -> int | None:
        return None if self.before_memory is None else self.before_memory + (self.before_params or 0)

    @property
    def after_total(self) -> int | None:
        return None if self.after_memory is None else self.after_memory + (self.after_params or 0)

    @property
    def gain(self) -> float:
        if self.kept == "original" or self.before_points is None or self.after_points is None:
            return 0.0
        return self.after_points - self.before_points


def resume_key(network: bytes, options: dict[str, object]) -> str:
    """What a finished task's result was computed from: the input network's bytes and the
    options that change the result (``result_options``; a new such option is added there).
    A result is reused only under the same key, so a changed input is redone."""
    digest = hashlib.sha256(network)
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def result_options(opts: BatchOptions, task_path: Path) -> dict[str, object]:
    """The options (and the task file) that change one task's result, for ``resume_key``."""
    return {"target": opts.target, "timeout_s": opts.timeout_s, "solve": opts.solve,
            "search_work": opts.search_work, "search_s": opts.search_s,
            "task": hashlib.sha256(task_path.read_bytes()).hexdigest()}


def same_file(a: Path, b: Path) -> bool:
    """``a`` and ``b`` name one existing file or folder (through links and relative paths)."""
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def work_dir(out_zip: Path) -> Path:
    """Where the per-task networks, results and score table of ``OUT.zip`` live: ``OUT.work/``."""
    return out_zip.with_name(out_zip.stem + ".work")


@dataclass
class _Job:
    number: int
    data: bytes
    task_path: str
    work: str
    target: str
    timeout_s: float | None
    key: str
    solve: bool = False
    search_work: int = 0
    search_s: float = 50.0


def optimise_one(job: _Job) -> TaskRow:
    """Score, optimise and check one network; with --search / --solve, look for a cheaper
    network of a task it solves; write the kept bytes and the result."""
    start = time.perf_counter()
    row = TaskRow(task=f"task{job.number:03d}", number=job.number, key=job.key)
    kept = job.data
    optimised = False
    cheaper: list[Cheaper] = []  # appended whole, so a timeout never leaves half a result
    try:
        with time_limit(job.timeout_s):
            kept = _optimise(job, row)
            optimised = True
            if row.solves and (job.solve or job.search_work > 0):
                _look_for_cheaper(job, row, cheaper)
    except TaskTimeout:
        if not optimised:
            row.kept, row.why = "original", f"timed out after {job.timeout_s:.0f} s"
            _copy_before(row)
        else:
            row.why = "; ".join(w for w in (row.why, f"search timed out after {job.timeout_s:.0f} s") if w)
    if cheaper:
        kept = cheaper[-1].apply(row)
    row.seconds = round(time.perf_counter() - start, 3)
    row.sha256 = hashlib.sha256(kept).hexdigest()
    work = Path(job.work)
    write_atomic(work / f"{row.task}.onnx", kept)
    write_atomic(work / "results" / f"{row.task}.json",
                 json.dumps({"version": RESULT_VERSION, **asdict(row)}, indent=1))
    return row


def _copy_before(row: TaskRow) -> None:
    row.after_memory, row.after_params, row.after_points = (row.before_memory, row.before_params,
                                                            row.before_points)


def _optimise(job: _Job, row: TaskRow) -> bytes:
    """The bytes to keep: the optimised network when it is valid, identical and cheaper."""
    from trmgolf.compiler.optimize import optimize_model
    from trmgolf.scoring.answers import run_examples
    from trmgolf.scoring.official import measure
    from trmgolf.scoring.validity import read_model
    from trmgolf.tasks import exact_on, grid_to_onehot, load_task_file

    task = load_task_file(job.task_path)
    examples = task.examples()
    inputs = [grid_to_onehot(ex.input) for _, ex in examples]
    row.examples = len(inputs)
    validity, cost = measure(job.data, inputs[:1])
    row.before_valid = validity.valid
    if cost is not None:
        row.before_memory, row.before_params = cost.memory, cost.params
        row.before_points = cost.points()
    _copy_before(row)
    if not validity.valid or cost is None:
        row.why = f"original is unscorable ({validity.line()})"
        return job.data
    try:
        want = run_examples(job.data, inputs)
    except RuntimeError as e:
        row.why = f"original does not run: {e}"
        return job.data
    row.solves = all(exact_on(out, ex.output) for out, (_, ex) in zip(want, examples, strict=True))
    proto = read_model(job.data)[1]
    try:
        result = optimize_model(proto, row.task, target=job.target, inputs=inputs[:1])
    except UserError as e:
        row.why = f"not optimised: {e}"
        return job.data
    except Exception as e:  # noqa: BLE001 - any failure keeps the original, with its reason
        row.why = f"not optimised: {first_line(e)}"
        return job.data
    if result.kept_original:
        row.why = f"no cheaper form found ({result.kept_original})"
        return job.data
    return _keep_if_identical(row, job.data, result, inputs, want)


def _keep_if_identical(row: TaskRow, original: bytes, result: Optimized, inputs: list[np.ndarray],
                       want: list[np.ndarray]) -> bytes:
    """The optimised bytes when they answer exactly as the original on every example, else the
    original (``optimize_model`` has already scored the result valid and cheaper)."""
    from trmgolf.scoring.answers import run_examples
    from trmgolf.tasks import same_answer

    after = result.after
    try:
        got = run_examples(result.data, inputs)
    except RuntimeError as e:
        row.why = f"result does not run: {e}"
        return original
    for i, (a, b) in enumerate(zip(want, got, strict=True)):
        if not same_answer(a, b):
            row.why = f"result answers differently on example {i}"
            return original
    row.kept = "optimised"
    row.after_memory, row.after_params, row.after_points = after.memory, after.params, after.points
    row.why = f"cost {row.before_total:,} -> {after.total:,}"
    return result.data


@dataclass(frozen=True)
class Cheaper:
    """A network that replaces the kept one: who found it and what it costs."""

    kept: str
    data: bytes
    memory: int
    params: int
    points: float

    def apply(self, row: TaskRow) -> bytes:
        before = row.after_total
        row.kept, row.solves = self.kept, True
        row.after_memory, row.after_params, row.after_points = self.memory, self.params, self.points
        row.why = f"{self.kept}: cost {before:,} -> {self.memory + self.params:,}"
        return self.data


def _look_for_cheaper(job: _Job, row: TaskRow, found: list[Cheaper]) -> None:
    """The network proves its task's rule: trmgolf's solvers (--solve) and the structure search
    (--search) may find a cheaper one, gated on the held-out half as ``solve`` gates its own."""
    from trmgolf.submission.registry import load_solvers
    from trmgolf.submission.split import split_task
    from trmgolf.submission.worker import cheaper_networks
    from trmgolf.tasks import load_task_file

    split = split_task(load_task_file(job.task_path))
    below = row.after_total
    if below is None:
        return
    for c in cheaper_networks(split, below, "submission", solvers=load_solvers() if job.solve else None,
                              search_work=job.search_work, search_s=job.search_s):
        a = c.attempt
        found.append(Cheaper(a.solver if a.solver.startswith(SEARCH_PREFIX) else f"solver:{a.solver}",
                             c.data, a.memory or 0, a.params or 0, float(a.points or 0.0)))


def load_row(work: Path, number: int, key: str) -> TaskRow | None:
    """A finished task's row, if its result exists, was computed from an input with this
    ``resume_key`` and its network still has that sha256."""
    path = work / "results" / f"task{number:03d}.json"
    net = work / f"task{number:03d}.onnx"
    try:
        raw = json.loads(path.read_text())
        data = net.read_bytes()
    except (OSError, ValueError):
        return None
    if raw.pop("version", None) != RESULT_VERSION:
        return None
    known = {f.name for f in fields(TaskRow)}
    row = TaskRow(**{k: v for k, v in raw.items() if k in known})
    return row if row.key == key and hashlib.sha256(data).hexdigest() == row.sha256 else None


CSV_COLUMNS = ("task", "kept", "before_valid", "before_memory", "before_params", "before_total",
               "before_points", "after_memory", "after_params", "after_total", "after_points", "gain",
               "solves", "examples", "why", "seconds")


def scores_csv(rows: list[TaskRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow([getattr(r, c) if c != "gain" else round(r.gain, 4) for c in CSV_COLUMNS])
    return buf.getvalue()


@dataclass
class BatchOutcome:
    rows: list[TaskRow]
    resumed: int
    work: Path

    @property
    def improved(self) -> list[TaskRow]:
        return [r for r in self.rows if r.kept != "original"]

    def totals(self) -> dict[str, float]:
        before = sum(r.before_points or 0.0 for r in self.rows if r.solves)
        after = sum(r.after_points or 0.0 for r in self.rows if r.solves)
        return {"tasks": len(self.rows), "improved": len(self.improved),
                "solving": sum(1 for r in self.rows if r.solves),
                "points_before": round(before, 4), "points_after": round(after, 4),
                "gain": round(after - before, 4)}


def run_batch(opts: BatchOptions, echo: Callable[[str], None]) -> BatchOutcome:
    """Optimise what is not finished yet, then write the zip and the score table."""
    from trmgolf.progress import make_progress
    from trmgolf.submission.bundle import zip_bytes
    from trmgolf.submission.runner import execute
    from trmgolf.tasks import resolve_task_path

    if opts.jobs < 1:
        raise UserError("--jobs must be at least 1")
    if opts.out_zip.suffix != ".zip":
        raise UserError(f"-o {opts.out_zip}: a submission is written as a .zip file")
    if same_file(opts.source, opts.out_zip) and not opts.replace_input:
        raise UserError(f"-o {opts.out_zip} is the input submission: pass --replace-input to "
                        "overwrite it, or write elsewhere")
    networks = read_networks(opts.source)
    paths = {n: resolve_task_path(n, opts.data) for n in networks}
    keys = {n: resume_key(networks[n], result_options(opts, paths[n])) for n in networks}
    work = work_dir(opts.out_zip)
    (work / "results").mkdir(parents=True, exist_ok=True)
    rows: dict[int, TaskRow] = {}
    if not opts.redo:
        for n in networks:
            row = load_row(work, n, keys[n])
            if row is not None:
                rows[n] = row
    resumed = len(rows)
    if resumed:
        echo(f"resuming: {resumed} task(s) already finished in {work}, {len(networks) - resumed} to do")
    jobs = {n: _Job(n, networks[n], str(paths[n]), str(work), opts.target, opts.timeout_s, keys[n],
                    opts.solve, opts.search_work, opts.search_s)
            for n in sorted(networks) if n not in rows}
    with make_progress("{task.fields[note]}", opts.progress) as bar:
        bar_id = bar.add_task("optimising", total=len(jobs), note="")

        def on_done(row: TaskRow) -> None:
            rows[row.number] = row
            improved = sum(1 for r in rows.values() if r.kept != "original")
            bar.update(bar_id, advance=1, note=f"improved {improved}")
            done = len(rows) - resumed
            if opts.log_every and (done % opts.log_every == 0 or done == len(jobs)):
                echo(f"{done}/{len(jobs)} tasks done, {improved} improved")

        execute(optimise_one, jobs, opts.jobs, on_done)
    ordered = [rows[n] for n in sorted(rows)]
    write_atomic(work / "scores.csv", scores_csv(ordered))
    files = [(f"{r.task}.onnx", (work / f"{r.task}.onnx").read_bytes()) for r in ordered]
    write_atomic(opts.out_zip, zip_bytes(files))
    return BatchOutcome(ordered, resumed, work)
