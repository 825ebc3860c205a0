"""The ``cost``, ``verify`` and ``diff`` commands: the scoring half of the compiler's CLI.

Every mistake of the user (missing file, unknown task, corrupt JSON, unscorable
model) becomes a ``UserError``, which ``trmgolf.cli`` prints as one line. The scoring
modules (onnx, onnxruntime, rich) are imported inside the commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from trmgolf.commands.options import DATA_HELP, LazyChoice, LazyHelpOption, cost_models
from trmgolf.errors import UserError, not_an_onnx_model

if TYPE_CHECKING:
    from rich.console import Console

    from trmgolf.scoring.answers import VerifyResult
    from trmgolf.tasks import Task


def _model_path(model: str) -> Path:
    path = Path(model)
    if not path.is_file():
        raise UserError(f"model file not found: {path}")
    return path


def _echo_json(obj: object) -> None:
    click.echo(json.dumps(obj, indent=1))


def _console() -> Console:
    from trmgolf.progress import make_console

    return make_console(soft_wrap=True)


def _default_threads() -> tuple[int, ...]:
    from trmgolf.scoring.answers import DEFAULT_THREADS

    return DEFAULT_THREADS


def _threads_help() -> str:
    shown = ", ".join(str(t) for t in _default_threads())
    return f"Thread counts whose answers must match the default run (repeatable)  [default: {shown}]"


def _splits(result: VerifyResult) -> dict[str, dict[str, int]]:
    return {k: {"passed": v.passed, "failed": v.failed} for k, v in result.splits.items()}


@click.command("cost")
@click.argument("model")
@click.option("--task", help="Also run the task's examples (16, task016 or a path).")
@click.option("--data", help=DATA_HELP + " A submission is run on every example when it is found.")
@click.option("--extra", multiple=True, help="Extra example file(s), with --task.")
@click.option(
    "--cost-model",
    type=LazyChoice(cost_models),
    default="official",
    show_default=True,
    help="official: memory + params; legacy: MACs + memory + params.",
)
@click.option(
    "--region-prefix",
    type=click.IntRange(min=1),
    help="Group nodes without a region= doc_string by the first K '/'-parts of their name.",
)
@click.option("--report", "report_path", help="Write the full cost report (JSON) here; for a "
              "submission, the per-task table (CSV).")
@click.option("--top", default=15, show_default=True, help="Rows per table (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Submission: worker processes.")
@click.option("--quiet", is_flag=True, help="Submission: no progress bar.")
@click.pass_context
def cost(
    ctx: click.Context,
    model: str,
    task: str | None,
    data: str | None,
    extra: tuple[str, ...],
    cost_model: str,
    region_prefix: int | None,
    report_path: str | None,
    top: int,
    as_json: bool,
    jobs: int,
    quiet: bool,
) -> None:
    """Validity, memory, params (and MACs) and points of MODEL.onnx, or of every network of a
    submission (a .zip or a folder of taskNNN.onnx) with the total.

    Without --task, points are what the network earns if it is exact (exact: null);
    with --task they are null unless every example passes. An invalid model never
    scores: the command fails with the broken rule (with --json: valid false, exit 1).
    A submission is run on every example of each task when the task files are found
    (--data): points are 0 unless a network is exact on all of them.
    """
    from trmgolf.scoring.answers import verify
    from trmgolf.scoring.networks import is_submission
    from trmgolf.scoring.official import measure
    from trmgolf.scoring.report import CostReport, render_report
    from trmgolf.tasks import load_task

    if is_submission(model):
        if task is not None or extra or cost_model != "official" or region_prefix is not None:
            raise UserError("a submission is scored with the official cost model, per task: "
                            "--task, --extra, --cost-model and --region-prefix are for one network")
        _cost_submission(model, data, report_path, top, as_json, jobs, quiet)
        return
    path = _model_path(model)
    if task is not None:
        loaded = load_task(task, data)
        result = verify(
            path,
            loaded,
            extra,
            threads_check=False,
            cost_model=cost_model,
            region_prefix=region_prefix,
        )
        report = CostReport.build(
            str(model),
            result.validity,
            result.cost,
            cost_model=cost_model,
            exact=result.passed,
            examples=_splits(result),
        )
    else:
        if extra:
            raise UserError("--extra needs --task")
        validity, measured = measure(path, cost_model=cost_model, region_prefix=region_prefix)
        report = CostReport.build(str(model), validity, measured, cost_model=cost_model)
    if report.rule == "parse" and not as_json:
        raise not_an_onnx_model(model)
    if not report.valid:
        if as_json:
            _echo_json(report.to_dict())
            ctx.exit(1)
        raise UserError(f"{model}: not scorable ({report.rule}: {report.reason})")
    if report_path:
        report.write(report_path)
    if as_json:
        _echo_json(report.to_dict())
    else:
        render_report(report, _console(), top)


@click.command("verify")
@click.argument("model")
@click.option("--task", required=True, help="Task: 16, task016 or a path to its JSON file.")
@click.option("--extra", multiple=True, help="Extra example file(s) (task-shaped or a list).")
@click.option("--data", help=DATA_HELP)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    multiple=True,
    default=_default_threads,
    cls=LazyHelpOption,
    help_fn=_threads_help,
)
@click.option("--no-threads-check", is_flag=True, help="Skip the thread-consistency re-runs.")
@click.option("--picture", help="Write a PNG of the first failing examples (input, expected, the "
              "network's answer with wrong cells crossed); the first examples when all pass.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.pass_context
def verify_cmd(
    ctx: click.Context,
    model: str,
    task: str,
    extra: tuple[str, ...],
    data: str | None,
    threads: tuple[int, ...],
    no_threads_check: bool,
    picture: str | None,
    as_json: bool,
) -> None:
    """Run MODEL.onnx on every example of a task as the grader does.

    Exits non-zero when any example fails, when the model is invalid, or when its
    answers change with the onnxruntime thread count.
    """
    from trmgolf.scoring.answers import verify
    from trmgolf.tasks import load_task

    path = _model_path(model)
    loaded = load_task(task, data)
    result = verify(path, loaded, extra, threads_check=not no_threads_check, threads=threads,
                    stop_if_invalid=True)
    if result.validity.rule == "parse":
        raise not_an_onnx_model(model)
    ok = result.passed and result.validity.valid and not result.thread_mismatch
    note = _write_picture(path, loaded, extra, picture, failures_only=True) if picture else None
    if as_json:
        _echo_json(result.to_dict() | ({"picture": picture} if picture else {}))
    else:
        _print_verify(result)
        if note:
            click.echo(note)
    if not ok:
        ctx.exit(1)


PICTURED_FAILURES = 4  # verify --picture: at most this many failing examples


def _write_picture(model: Path | None, task: Task, extra: tuple[str, ...], out: str,
                   failures_only: bool, splits: tuple[str, ...] | None = None, most: int = 8) -> str:
    """Draw examples of ``task`` (and ``model``'s answers) into ``out``; return what was written.

    ``failures_only`` (verify): the first failing examples, else the first examples when all
    pass. Otherwise (show): the examples of ``splits``, failing ones first, at most ``most``.
    """
    from trmgolf.scoring.answers import run_examples, task_examples
    from trmgolf.scoring.picture import ExampleRow, write_examples_png
    from trmgolf.tasks import exact_on, grid_to_onehot, load_extra_examples

    extras = [ex for e in extra for ex in load_extra_examples(e)]
    examples = [e for e in task_examples(task, extras) if splits is None or e[0] in splits]
    if not examples:
        raise UserError(f"{task.name} has no examples in {', '.join(splits or ())}")
    rows = [ExampleRow(f"{split}[{i}]", ex.input, ex.output) for split, i, ex in examples]
    wrong: list[int] = []
    if model is not None:
        try:
            outputs = run_examples(model, [grid_to_onehot(ex.input) for _, _, ex in examples])
        except RuntimeError as e:
            for row in rows:
                row.error = str(e)
            wrong = list(range(len(rows)))
        else:
            for k, (row, raw, (_, _, ex)) in enumerate(zip(rows, outputs, examples, strict=True)):
                row.answer = raw
                if not exact_on(raw, ex.output):
                    wrong.append(k)
    if failures_only:
        picked = wrong[:PICTURED_FAILURES] or list(range(min(3, len(rows))))
        what = f"{len(picked)} failing example(s)" if wrong else "no failing example: the first examples"
    else:
        picked = (wrong + [k for k in range(len(rows)) if k not in wrong])[:most]
        what = f"{len(picked)} of {len(rows)} examples" + (f", {len(wrong)} wrong" if model else "")
    title = task.name + (f" - {model.name}" if model is not None else "")
    write_examples_png([rows[k] for k in picked], title, model is not None, out)
    return f"wrote {out} ({what})"


@click.command("show")
@click.argument("task")
@click.option("--network", help="A network (.onnx): draw its answers beside the expected outputs, "
              "wrong cells crossed, failing examples first.")
@click.option("-o", "--output", "out", help="The PNG to write  [default: TASK.png, e.g. task016.png]")
@click.option("--data", help=DATA_HELP)
@click.option("--splits", default="train,test", show_default=True,
              help="Which splits to draw, comma-separated (train, test, arc-gen).")
@click.option("--max", "most", type=click.IntRange(min=1), default=8, show_default=True,
              help="Draw at most this many examples.")
def show_cmd(task: str, network: str | None, out: str | None, data: str | None, splits: str,
             most: int) -> None:
    """Draw a task's examples (input, expected output and, with --network, the network's
    answer as the grader reads it) in the ARC palette, into a PNG."""
    from trmgolf.tasks import SPLITS, load_task

    wanted = tuple(s.strip() for s in splits.split(",") if s.strip())
    unknown = [s for s in wanted if s not in SPLITS]
    if unknown or not wanted:
        raise UserError(f"--splits {splits}: choose among {', '.join(SPLITS)}")
    loaded = load_task(task, data)
    path = _model_path(network) if network else None
    click.echo(_write_picture(path, loaded, (), out or f"{loaded.name}.png", failures_only=False,
                              splits=wanted, most=most))


def _print_verify(result: VerifyResult) -> None:
    v = result.validity
    click.echo(f"{result.task}  {result.model}  {'valid' if v.valid else 'INVALID ' + v.line()}")
    if not v.valid:  # nothing was run: the grader scores it 0 whatever it answers
        click.echo("not run: an invalid network scores 0; `trmgolf cost` checks the rules alone")
        return
    counts = "  ".join(f"{k} {s.passed}/{s.passed + s.failed}" for k, s in result.splits.items())
    t = result.total
    verdict = f"all {t.passed} pass" if result.passed else f"{t.failed} of {t.passed + t.failed} FAIL"
    click.echo(f"{counts}  -> {verdict}")
    if result.cost is not None:
        pts = result.points
        shown = f"{pts:.3f}" if pts is not None else "none (not exact)"
        click.echo(f"memory {result.cost.memory:,} B  params {result.cost.params:,}  points {shown}")
    if result.threads_checked:
        if result.thread_mismatch:
            m = result.thread_mismatch[0]
            click.echo(
                f"thread check {tuple(result.threads_checked)}: MISMATCH at {m.threads} threads "
                f"on {m.split}[{m.index}] ({m.cells} cells differ)"
            )
        else:
            click.echo(f"thread check {tuple(result.threads_checked)}: consistent")
    if result.first_failure is not None:
        click.echo(result.first_failure.render())


def _cost_submission(source: str, data: str | None, report_path: str | None, top: int,
                     as_json: bool, jobs: int, quiet: bool) -> None:
    """``cost SUBMISSION``: every network scored (on its task's examples when found), a table, the total."""
    from trmgolf.fsutil import write_atomic
    from trmgolf.scoring.networks import read_networks
    from trmgolf.submission.scorecard import score_rows, score_submission, scores_csv, totals

    networks = read_networks(Path(source))
    bar = not quiet and not as_json and sys.stderr.isatty()
    log = None if (bar or quiet or as_json) else (lambda line: click.echo(line, err=True))
    scores = score_submission(networks, data, jobs=jobs, progress=bar, log=log, label="scoring")
    if report_path:
        write_atomic(report_path, scores_csv(scores))
    total = totals(scores)
    if as_json:
        _echo_json({"submission": source, "totals": total, "tasks": score_rows(scores)})
        return
    _print_scores(source, scores, total, top)


def _print_scores(source: str, scores: dict, total: dict, top: int) -> None:
    from rich.table import Table

    console = _console()
    table = Table(title=source)
    for col in ("task", "valid", "memory", "params", "points", "exact", "note"):
        table.add_column(col, justify="right" if col in ("memory", "params", "points") else "left")
    rows = list(scores.values())
    for s in rows[:top] if top else rows:
        exact = "-" if s.exact is None else f"{'yes' if s.exact else 'NO'} {s.passed}/{s.examples}"
        note = f"{s.rule}: {s.reason}" if not s.valid else (s.failure or "")
        table.add_row(s.task, "yes" if s.valid else "NO", _fmt_int(s.memory), _fmt_int(s.params),
                      f"{s.earned:.3f}", exact, note[:80])
    console.print(table)
    if top and len(rows) > top:
        console.print(f"{len(rows) - top} more rows; --top 0 shows all")
    exact = ("" if total["exact"] is None else f"{total['exact']} exact on every example, ")
    console.print(f"{total['tasks']} networks, {total['valid']} valid, {exact}{total['points']:.3f} points"
                  + (" (no task files: points assume every valid network is exact)"
                     if total["exact"] is None else ""))


def _fmt_int(v: int | None) -> str:
    return "-" if v is None else f"{v:,}"


def _is_cost_report(path: str) -> bool:
    return Path(path).suffix.lower() == ".json"


@click.command("diff")
@click.argument("a")
@click.argument("b")
@click.option("--data", help=DATA_HELP + " Used to run the networks of a submission.")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Worker processes for scoring submissions.")
@click.option("--top", default=10, show_default=True, help="Rows per section (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the diff as one JSON object.")
def diff_cmd(a: str, b: str, data: str | None, jobs: int, top: int, as_json: bool) -> None:
    """Compare two cost reports (from `trmgolf cost --report`, .json): totals, points, and the
    op types, regions and tensors whose bytes changed most (b - a).

    Or compare two submissions (zips or folders of taskNNN.onnx) or score tables (the
    scores.csv of solve, optimize, cost or merge) task by task: the points of each,
    better / worse / same / only in one, the totals, and what keeping the better network
    of the two for every task would earn.
    """
    from trmgolf.scoring.report import diff, load_report, render_diff

    if not (_is_cost_report(a) and _is_cost_report(b)):
        if _is_cost_report(a) or _is_cost_report(b):
            raise UserError("diff compares two cost reports (.json) or two submissions / score "
                            "tables, not one of each")
        _diff_submissions(a, b, data, jobs, top, as_json)
        return
    d = diff(load_report(a), load_report(b), top)
    if as_json:
        _echo_json(d)
    else:
        render_diff(d, _console())


def _diff_submissions(a: str, b: str, data: str | None, jobs: int, top: int, as_json: bool) -> None:
    from trmgolf.submission.compare import compare
    from trmgolf.submission.score_tables import read_scores

    bar = not as_json and sys.stderr.isatty()
    log = None if (bar or as_json) else (lambda line: click.echo(line, err=True))
    d = compare(read_scores(a, data, jobs=jobs, progress=bar, log=log),
                read_scores(b, data, jobs=jobs, progress=bar, log=log))
    if as_json:
        _echo_json(d)
    else:
        _print_compare(d, top)


def _print_compare(d: dict, top: int) -> None:
    from rich.table import Table

    console = _console()
    changed = [r for r in d["tasks"] if r["status"] != "same"]
    changed.sort(key=lambda r: (-abs(r["delta"]), r["task"]))
    table = Table(title=f"a = {d['a']['path']}   b = {d['b']['path']}")
    for col in ("task", "a", "b", "b - a", "status", "source a", "source b"):
        table.add_column(col, justify="right" if col in ("a", "b", "b - a") else "left")
    for r in changed[:top] if top else changed:
        table.add_row(r["task"], _pts(r["a"]), _pts(r["b"]), f"{r['delta']:+.3f}", r["status"],
                      r["source_a"], r["source_b"])
    console.print(table)
    if top and len(changed) > top:
        console.print(f"{len(changed) - top} more changed tasks; --top 0 shows all")
    for side in ("a", "b"):
        s = d[side]
        note = f" ({s['note']})" if s["note"] else ""
        console.print(f"{side}: {s['tasks']} tasks, {s['solved']} solved, {s['points']:.3f} points{note}")
    console.print(", ".join(f"{n} {k}" for k, n in d["counts"].items()))
    best = d["best_of_both"]
    console.print(f"the better of the two per task: {best['points']:.3f} points "
                  f"({best['gain_over_a']:+.3f} over a, {best['gain_over_b']:+.3f} over b)")


def _pts(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


COMMANDS = [cost, verify_cmd, diff_cmd, show_cmd]
