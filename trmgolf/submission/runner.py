"""``trmgolf solve``: route every task, solve them in worker processes, write the outputs.

Resumable: a task whose result file exists (and whose network still matches its
sha256) is not redone. Outputs are rebuilt from all result files of the requested
tasks at the end, so an interrupted run followed by a rerun gives the same zip.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from trmgolf.errors import UserError
from trmgolf.progress import make_progress
from trmgolf.router import make_router
from trmgolf.router.base import Route, Router
from trmgolf.solvers.base import Solver
from trmgolf.submission.bundle import write_submission
from trmgolf.submission.registry import load_solvers
from trmgolf.submission.report import write_tables
from trmgolf.submission.results import TRM_TRAIN_PREFIX, TaskResult, finished_results, load_result, onnx_path
from trmgolf.submission.worker import Job, compute_job, failed_job, solve_job, write_solved
from trmgolf.submission.workers import run_in_workers
from trmgolf.tasks import load_task_file, resolve_task_path

Echo = Callable[[str], None]
J = TypeVar("J")
R = TypeVar("R")


@dataclass
class SolveOptions:
    tasks: list[int]
    out: Path
    data: str | None = None
    router: str = "auto"
    cache: str | None = None
    trm: str | None = None
    jobs: int = 2
    mode: str = "all"
    top_k: int | None = None
    timeout_s: float | None = 600.0
    threads_check: bool = True
    redo: bool = False
    progress: bool = True
    fit_share: float = 0.5
    search_s: float = 0.0  # structure search per solved task: wall-clock safety net, seconds (0: off)
    search_work: int = 20_000  # its deterministic work budget per task (0: off)
    trm_train_s: float = 0.0  # --trm-train: TRM training per unsolved flagged task, seconds (0: off)
    llm_timeout: float = 60.0
    log_every: int = 0  # without a progress bar: a line per this many finished tasks (0: none)
    executor: str = "local"  # see EXECUTORS
    address: str | None = None  # --executor ray: the cluster to join (None: start one of `jobs` CPUs)


#: Where the tasks run: "local", this machine's process pool (``workers``); "ray", Ray tasks on
#: a local or remote cluster (``ray_executor``). The output folder is the same either way.
EXECUTORS = ("local", "ray")


@dataclass
class RunOutcome:
    results: dict[int, TaskResult]
    solved_now: int
    skipped: int
    summary: dict
    zipped: int


def task_paths(numbers: list[int], data: str | None) -> dict[int, Path]:
    """Every task's file, or a UserError naming the first one missing."""
    return {n: resolve_task_path(n, data) for n in numbers}


def route_tasks(
    router: Router, paths: dict[int, Path], solvers: list[Solver], progress: Callable | None = None
) -> dict[int, Route]:
    """Routes for the tasks (LLM calls overlap in threads; the heuristic runs the same way)."""

    def one(n: int) -> tuple[int, Route]:
        return n, router.route(load_task_file(paths[n]), solvers)

    routes: dict[int, Route] = {}
    threads = 8 if getattr(router, "name", "") == "llm" else 1
    pool = ThreadPoolExecutor(threads)
    try:
        for n, route in pool.map(one, sorted(paths)):
            routes[n] = route
            if progress:
                progress()
    finally:  # on Ctrl-C, do not wait for LLM requests in flight (up to --llm-timeout each)
        pool.shutdown(wait=False, cancel_futures=True)
    return routes


def execute(fn: Callable[[J], R], jobs: dict[int, J], n_workers: int,
            on_done: Callable[[R], None]) -> None:
    """Run ``fn`` on every job (in task order), in ``n_workers`` forked processes when more
    than one (``workers.run_in_workers``: a Ctrl-C leaves no worker behind); ``on_done`` sees
    each result as it finishes."""
    if n_workers <= 1:
        for n in sorted(jobs):
            on_done(fn(jobs[n]))
        return
    run_in_workers(fn, jobs, n_workers, on_done)


def owes_trm_training(r: TaskResult, trm_train_s: float) -> bool:
    """A finished result that --trm-train should redo: unsolved, flagged by the router, and no
    TRM was trained on it yet (a task trained before is not retrained, whatever the budget)."""
    trained = any(a.solver.startswith(TRM_TRAIN_PREFIX) for a in r.attempts)
    return trm_train_s > 0 and not r.solved and bool(r.route.get("train_trm")) and not trained


def run_solve(opts: SolveOptions, echo: Echo, warn: Echo) -> RunOutcome:
    """Route, solve what is not done yet, then write the networks' zip and the score table."""
    if opts.jobs < 1:
        raise UserError("--jobs must be at least 1")
    if opts.trm_train_s < 0:
        raise UserError("--trm-minutes must be positive")
    if opts.top_k is not None and opts.top_k < 1:
        raise UserError("--top-k must be at least 1")
    if opts.out.exists() and not opts.out.is_dir():
        raise UserError(f"output folder is a file: {opts.out}")
    if opts.executor not in EXECUTORS:
        raise UserError(f"--executor must be one of {', '.join(EXECUTORS)}")
    if opts.address and opts.executor != "ray":
        raise UserError("--address needs --executor ray")
    if opts.executor == "ray":
        from trmgolf.submission.ray_executor import import_ray

        import_ray()  # before any work: a missing Ray is one line, not a routed run lost
    paths = task_paths(opts.tasks, opts.data)
    solvers = load_solvers()
    if not solvers:
        raise UserError("no solvers are registered (trmgolf.solvers is empty)")
    if opts.trm:
        from trmgolf.submission.trm import check_trm_checkpoint

        if not Path(opts.trm).is_file():
            raise UserError(f"--trm: checkpoint not found: {opts.trm}")
        check_trm_checkpoint(opts.trm)
    router = make_router(opts.router, opts.cache, warn, timeout=opts.llm_timeout)
    opts.out.mkdir(parents=True, exist_ok=True)
    results: dict[int, TaskResult] = {}
    if not opts.redo:
        for n in paths:
            r = load_result(opts.out, n)
            if r is not None and set(solvers) <= set(r.route.get("solvers", ())) \
                    and not owes_trm_training(r, opts.trm_train_s):
                results[n] = r  # finished, and no solver was added since
    todo = {n: p for n, p in paths.items() if n not in results}
    skipped = len(results)
    if skipped:
        echo(f"resuming: {skipped} task(s) already finished in {opts.out}, {len(todo)} to do")
    with make_progress("{task.fields[note]}", opts.progress) as bar:
        bar_id = bar.add_task(f"routing ({router.name})", total=len(todo), note="")
        routes = route_tasks(router, todo, list(solvers.values()), lambda: bar.advance(bar_id))
        jobs = {
            n: Job(str(p), str(opts.out), routes[n].to_dict(), opts.mode, opts.top_k, opts.timeout_s,
                   opts.threads_check, opts.trm, opts.fit_share, opts.search_s,
                   opts.search_work, opts.trm_train_s)
            for n, p in todo.items()
        }
        solve_id = bar.add_task("solving", total=len(jobs), note="")
        solved = 0

        def on_done(r: TaskResult) -> None:
            nonlocal solved
            results[r.number] = r
            solved += r.solved
            bar.update(solve_id, advance=1, note=f"solved {solved}")
            done = len(results) - skipped
            if opts.log_every and (done % opts.log_every == 0 or done == len(jobs)):
                verdict = (f"solved by {r.solver}, {r.points:.3f} points" if r.solved
                           else "not solved")
                echo(f"{done}/{len(jobs)} {r.task}: {verdict} ({solved} solved so far)")

        if opts.executor == "ray":
            from trmgolf.submission.ray_executor import run_on_ray

            run_on_ray(functools.partial(compute_job, solvers=solvers), jobs, opts.jobs,
                       lambda solved: on_done(write_solved(opts.out, solved)),
                       lambda job, error: on_done(write_solved(opts.out, failed_job(job, error, solvers))),
                       opts.address)
        else:
            execute(solve_job, jobs, opts.jobs, on_done)
    # The zip and the tables cover every finished task in the folder, not only this run's.
    everything = {**finished_results(opts.out), **results}
    ordered = [everything[n] for n in sorted(everything)]
    summary = write_tables(opts.out, ordered)
    zipped = write_submission(
        opts.out / "submission.zip", [onnx_path(opts.out, r.number) for r in ordered if r.solved]
    )
    return RunOutcome(results, solved, skipped, summary, zipped)


def default_jobs() -> int:
    return min(2, os.cpu_count() or 1)
