"""Commands on whole submissions: ``merge`` (the best network per task of several) and
``report`` (one self-contained HTML page of a submission)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from trmgolf.commands.options import DATA_HELP


@click.command("merge")
@click.argument("submissions", nargs=-1, required=True)
@click.option("-o", "--output", "out", required=True, help="The merged submission (BEST.zip); its "
              "per-task table goes beside it as BEST.scores.csv.")
@click.option("--data", help=DATA_HELP)
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Worker processes.")
@click.option("--no-thread-check", is_flag=True, help="Skip re-running each network at other "
              "onnxruntime thread counts (used to break ties toward a thread-consistent network).")
@click.option("--top", type=int, default=20, show_default=True,
              help="Rows of the printed table (tasks whose inputs' points differ most first; 0: all).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--reuse", multiple=True, help="A score table (cost --report T.csv, or an earlier "
              "merge's BEST.scores.csv) whose row for the very same network (task and sha256) is "
              "taken instead of running it again (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the per-task winners as one JSON object.")
def merge_cmd(submissions: tuple[str, ...], out: str, data: str | None, jobs: int, no_thread_check: bool,
              top: int, quiet: bool, reuse: tuple[str, ...], as_json: bool) -> None:
    """Merge submissions (zips or folders of taskNNN.onnx): per task, keep the cheapest network
    that is exact on every example under the grader's runtime.

    Every network is run on every example of its task (onnxruntime, ORT_DISABLE_ALL, as
    `trmgolf verify` does), so the result earns at least what each input earns, task by task.
    Prints which input won each task and the totals.
    """
    from trmgolf.submission.merge import merge

    bar = not quiet and not as_json and sys.stderr.isatty()
    outcome = merge([Path(s) for s in submissions], Path(out), data, jobs=jobs,
                    threads_check=not no_thread_check, progress=bar,
                    log=None if (bar or quiet or as_json) else (lambda line: click.echo(line, err=True)),
                    reuse=[Path(r) for r in reuse])
    if as_json:
        click.echo(json.dumps(_merge_json(outcome, out), indent=1))
        return
    _print_merge(outcome, out, top)


def _merge_json(outcome, out: str) -> dict:
    return {
        "output": out,
        "scores": str(outcome.scores_path),
        "points": outcome.points,
        "inputs": [{"path": p, "points": outcome.input_points(i), "won": outcome.wins(i)}
                   for i, p in enumerate(outcome.inputs)],
        "worse_than_an_input": outcome.worse_than_an_input(),
        "tasks": [{"task": r.task, "winner": outcome.inputs[r.winner],
                   "points": {outcome.inputs[i]: round(s.earned, 4) for i, s in r.scores.items()},
                   "consistent": r.kept.consistent} for r in outcome.rows],
    }


def _print_merge(outcome, out: str, top: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    names = [f"#{i + 1}" for i in range(len(outcome.inputs))]
    for name, path in zip(names, outcome.inputs, strict=True):
        console.print(f"{name} = {path}")

    def order(r) -> tuple:
        """Tasks every input has, those whose points differ most first; then the others."""
        pts = [s.earned for s in r.scores.values()]
        return (len(pts) < len(names), -(max(pts) - min(pts)), r.number)

    rows = sorted(outcome.rows, key=order)
    table = Table(title=f"merged into {out}")
    table.add_column("task")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("won by")
    for r in rows[:top] if top else rows:
        cells = [f"{r.scores[i].earned:.3f}" if i in r.scores else "-" for i in range(len(names))]
        note = "" if r.kept.consistent is not False else " (answers change with threads)"
        table.add_row(r.task, *cells, names[r.winner] + note)
    console.print(table)
    if top and len(rows) > top:
        console.print(f"{len(rows) - top} more rows; --top 0 shows all")
    for i, name in enumerate(names):
        console.print(f"{name}: {outcome.input_points(i):.3f} points, won {outcome.wins(i)} tasks")
    console.print(f"merged: {len(outcome.rows)} tasks, {outcome.points:.3f} points")
    worse = outcome.worse_than_an_input()
    if worse:
        console.print(f"WORSE than an input on {len(worse)} tasks: {', '.join(worse)}")
    console.print(f"wrote {out} and {outcome.scores_path}")


@click.command("report")
@click.argument("submission")
@click.option("-o", "--output", "out", required=True, help="The HTML page to write (report.html).")
@click.option("--data", help=DATA_HELP)
@click.option("--scores", help="A score table naming each network's source and family (a solve "
              "folder or its scores.csv, an optimize or merge table)  [default: BEST.scores.csv or "
              "scores.csv beside the submission, when there is one]")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Worker processes.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def report_cmd(submission: str, out: str, data: str | None, scores: str | None, jobs: int,
               quiet: bool) -> None:
    """Write one self-contained HTML page of SUBMISSION (a .zip or a folder of taskNNN.onnx).

    A row per task: points, cost, memory, params, examples passed, source and family (from a
    score table) and a thumbnail of one example with the network's answer; columns sort on a
    click; a totals row. Every network is run on every example of its task.
    """
    from trmgolf.submission.html_report import write_report

    bar = not quiet and sys.stderr.isatty()
    outcome = write_report(Path(submission), Path(out), data, Path(scores) if scores else None,
                           jobs=jobs, progress=bar,
                           log=None if (bar or quiet) else (lambda line: click.echo(line, err=True)))
    origin = f", sources from {outcome.scores}" if outcome.scores else ""
    click.echo(f"wrote {out} ({outcome.bytes:,} bytes): {outcome.tasks} tasks, {outcome.exact} exact, "
               f"{outcome.points:.3f} points{origin}")


COMMANDS = [merge_cmd, report_cmd]
