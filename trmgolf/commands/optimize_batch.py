"""The batch form of ``trmgolf optimize``: a whole submission (zip or folder) in, a zip out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def optimize_submission(source: str, out: str, data: str | None, jobs: int, target: str,
                        timeout_s: float, redo: bool, quiet: bool, as_json: bool, top: int, *,
                        replace_input: bool = False, solve: bool = False, search_work: int = 0) -> None:
    """Optimise every network of ``source``, keep the better of each, print the table."""
    from rich.table import Table

    from trmgolf.progress import make_console
    from trmgolf.submission.optimize_batch import BatchOptions, run_batch

    tty = sys.stdout.isatty()
    opts = BatchOptions(Path(source), Path(out), data, jobs, target, timeout_s or None, redo,
                        progress=not quiet and tty and not as_json,
                        log_every=0 if (quiet or tty or as_json) else 10, replace_input=replace_input,
                        solve=solve, search_work=search_work)
    from trmgolf.errors import Interrupted

    try:
        outcome = run_batch(opts, lambda line: click.echo(line, err=as_json))
    except KeyboardInterrupt:
        raise Interrupted("interrupted: finished tasks are saved; rerun the same command to resume") from None
    totals = outcome.totals()
    if as_json:
        rows = [{**r.__dict__, "gain": round(r.gain, 4)} for r in outcome.rows]
        click.echo(json.dumps({"totals": totals, "work": str(outcome.work), "zip": out, "tasks": rows},
                              indent=1))
        return
    console = make_console()
    shown = sorted(outcome.rows, key=lambda r: (-r.gain, r.number))
    if top:
        shown = shown[:top]
    console.print(f"{source} -> {out}")  # not the table's title, which wraps at its width
    table = Table()
    for col in ("task", "kept", "before", "after", "gain", "solves", "why"):
        table.add_column(col, justify="left" if col in ("task", "kept", "why") else "right")
    for r in shown:
        before = "-" if r.before_points is None else f"{r.before_points:.3f}"
        after = "-" if r.after_points is None else f"{r.after_points:.3f}"
        solves = "-" if r.solves is None else ("yes" if r.solves else "no")
        table.add_row(r.task, r.kept, before, after, f"{r.gain:+.3f}" if r.gain else "", solves, r.why)
    console.print(table)
    if top and len(outcome.rows) > top:
        console.print(f"{len(outcome.rows) - top} more rows; --top 0 shows all")
    console.print(f"{totals['improved']} of {totals['tasks']} networks improved; points of the "
                  f"{totals['solving']} networks that solve their task: {totals['points_before']:.3f} -> "
                  f"{totals['points_after']:.3f} ({totals['gain']:+.3f})")
    console.print(f"wrote {out} and {outcome.work / 'scores.csv'}")
