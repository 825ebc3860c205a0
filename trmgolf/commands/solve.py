"""``trmgolf solve``: route -> build -> compile -> verify every task; zip and score the results."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from trmgolf.commands.options import DATA_HELP, LazyHelpOption
from trmgolf.errors import Interrupted, UserError

#: ``search.driver.DEFAULT_BUDGET_S`` and ``DEFAULT_WORK``, repeated so that start-up does not
#: import numpy (a test checks that they agree).
DEFAULT_SEARCH_S = 50.0
DEFAULT_SEARCH_WORK = 20_000


def _router_help() -> str:
    from trmgolf.router import ROUTERS

    return (f"{'|'.join(ROUTERS)}; auto: the LLM router when an API key is configured, "
            "else the heuristic one.")


def terminal() -> bool:
    """Whether a person watches: a progress bar then replaces the line per finished task."""
    return sys.stderr.isatty()


def _warn(msg: str) -> None:
    click.echo(f"warning: {msg}", err=True)


@click.command("solve")
@click.option("--tasks", "tasks_spec", default="1-400", show_default=True,
              help="Tasks to solve: 1-400, 1,5,9-12 or all.")
@click.option("-o", "--output", required=True,
              help="Output folder: taskNNN.onnx, submission.zip, scores.csv/json, results/.")
@click.option("--data", help=DATA_HELP)
@click.option("--router", "router", default="auto", show_default=True, cls=LazyHelpOption,
              help_fn=_router_help)
@click.option("--cache", help="LLM answer cache (default: $TRMGOLF_CACHE or ~/.cache/trmgolf/router).")
@click.option("--trm", "trm", help="A TRM checkpoint (from `trmgolf train`) to compile for each "
              "task too, as one more candidate network.")
@click.option("--jobs", type=int, default=2, show_default=True,
              help="Worker processes (with --executor ray and no --address: the CPUs of the Ray "
              "cluster started for the run).")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="Where tasks run: local, a process pool on this machine; ray, one Ray task per "
              "task on a Ray cluster (needs pip install -e '.[ray]'). Same output folder either way.")
@click.option("--address", help="With --executor ray: the Ray cluster to join (auto: the one "
              "`ray start` runs on this machine; or HOST:6379). Default: start a local one of --jobs CPUs.")
@click.option("--first-success", is_flag=True,
              help="Stop at the first routed solver that passes (faster; may miss a cheaper one).")
@click.option("--top-k", type=int, help="Try only the router's first K solvers per task.")
@click.option("--timeout", "timeout_s", type=float, default=600.0, show_default=True,
              help="Seconds per task; the best network found so far is kept.")
@click.option("--llm-timeout", type=float, default=60.0, show_default=True,
              help="Seconds per LLM request.")
@click.option("--no-thread-check", is_flag=True,
              help="Skip re-running the kept network at other onnxruntime thread counts.")
@click.option("--redo", is_flag=True, help="Solve every task again, ignoring finished results.")
@click.option("--holdout", type=click.Path(), help="Re-verify kept networks on these extra examples "
              "(a folder of taskNNN.json, or one file); report the tasks that fail.")
@click.option("--search-work", "search_work", type=int, default=DEFAULT_SEARCH_WORK, show_default=True,
              help="Work units of structure search per solved task for a cheaper exact network "
              "(one Conv, Gather, Transpose, MaxRoiPool, RoiAlign...): a deterministic budget, the "
              "same result on a busy machine; 0: off.")
@click.option("--search", "search_s", type=float, default=DEFAULT_SEARCH_S, show_default=True,
              help="CPU seconds of structure search per solved task at most: a safety net far above "
              "what --search-work takes (when it fires, results depend on machine speed); 0: off.")
@click.option("--trm-train", is_flag=True,
              help="Train a tiny TRM on each task no solver solved and the router flags, smallest "
              "config first (conv mixers, then attention); kept when it passes the held-out gate.")
@click.option("--trm-minutes", type=float, default=2.0, show_default=True,
              help="With --trm-train: minutes of training per task, on top of --timeout. A "
              "wall-clock limit: on a busy machine fewer steps fit, so results may differ run to run.")
@click.option("--quiet", is_flag=True, help="No progress bar, no line per finished task.")
def solve(tasks_spec: str, output: str, data: str | None, router: str, cache: str | None,
          trm: str | None, jobs: int, executor: str, address: str | None, first_success: bool,
          top_k: int | None, timeout_s: float,
          llm_timeout: float, no_thread_check: bool, redo: bool, holdout: str | None,
          search_work: int, search_s: float, trm_train: bool, trm_minutes: float, quiet: bool) -> None:
    """Solve tasks with the analytical solvers (and --trm, --trm-train), keeping the cheapest exact network.

    A network is kept only if it passes every example of its task, including those
    it was not fitted on (test + the second half of arc-gen). The zip and the score table
    cover every finished task in the output folder. Without a terminal, a line per
    finished task replaces the progress bar.
    """
    from trmgolf.submission.holdout import check_holdout
    from trmgolf.submission.report import summary_lines, task_list_lines
    from trmgolf.submission.runner import SolveOptions, run_solve
    from trmgolf.tasks import parse_task_range

    if trm_train and trm_minutes <= 0:
        raise UserError("--trm-minutes must be positive")
    bar = not quiet and terminal()
    opts = SolveOptions(
        tasks=parse_task_range(tasks_spec), out=Path(output), data=data, router=router,
        cache=cache, trm=trm, jobs=jobs, executor=executor, address=address,
        mode="first" if first_success else "all", top_k=top_k,
        timeout_s=timeout_s if timeout_s > 0 else None, threads_check=not no_thread_check,
        redo=redo, progress=bar, llm_timeout=llm_timeout, log_every=0 if quiet or bar else 1,
        search_s=max(search_s, 0.0), search_work=max(search_work, 0),
        trm_train_s=trm_minutes * 60.0 if trm_train else 0.0,
    )
    try:
        outcome = run_solve(opts, click.echo, _warn)
    except KeyboardInterrupt:
        raise Interrupted("interrupted: finished tasks are saved; rerun the same command to resume") from None
    if bar:  # the bar showed no task: list them, compactly
        import shutil

        for line in task_list_lines(outcome.results.values(), shutil.get_terminal_size().columns):
            click.echo(line)
    for line in summary_lines(outcome.summary):
        click.echo(line)
    click.echo(f"wrote {opts.out / 'submission.zip'} ({outcome.zipped} networks), "
               f"{opts.out / 'scores.csv'}, {opts.out / 'scores.json'}")
    if holdout:
        rows = check_holdout(opts.out, outcome.results, Path(holdout))
        failing = [r for r in rows if r.status != "pass"]
        click.echo(f"holdout: {len(rows) - len(failing)}/{len(rows)} tasks pass their extra examples")
        for r in failing:
            click.echo(f"  {r.task}: {r.status} ({r.passed}/{r.examples} examples)")


COMMANDS = [solve]
