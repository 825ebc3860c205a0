"""The ``cost``, ``verify`` and ``diff`` commands: the scoring half of the compiler's CLI.

Every mistake of the user (missing file, unknown task, corrupt JSON, unscorable
model) becomes a ``UserError``, which ``trmgolf.cli`` prints as one line. The scoring
modules (onnx, onnxruntime, rich) are imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from trmgolf.commands.options import DATA_HELP, LazyChoice, LazyHelpOption, cost_models
from trmgolf.errors import UserError, not_an_onnx_model

if TYPE_CHECKING:
    from rich.console import Console

    from trmgolf.scoring.answers import VerifyResult


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
@click.option("--data", help=DATA_HELP)
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
@click.option("--report", "report_path", help="Write the full cost report (JSON) here.")
@click.option("--top", default=15, show_default=True, help="Rows per table (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
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
) -> None:
    """Validity, memory, params (and MACs) and points of MODEL.onnx.

    Without --task, points are what the network earns if it is exact (exact: null);
    with --task they are null unless every example passes. An invalid model never
    scores: the command fails with the broken rule (with --json: valid false, exit 1).
    """
    from trmgolf.scoring.answers import verify
    from trmgolf.scoring.official import measure
    from trmgolf.scoring.report import CostReport, render_report
    from trmgolf.tasks import load_task

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
    if as_json:
        _echo_json(result.to_dict())
    else:
        _print_verify(result)
    if not ok:
        ctx.exit(1)


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


@click.command("diff")
@click.argument("a")
@click.argument("b")
@click.option("--top", default=10, show_default=True, help="Rows per section (0: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the diff as one JSON object.")
def diff_cmd(a: str, b: str, top: int, as_json: bool) -> None:
    """Compare two cost reports (from `trmgolf cost --report`): totals, points, and the
    op types, regions and tensors whose bytes changed most (b - a)."""
    from trmgolf.scoring.report import diff, load_report, render_diff

    d = diff(load_report(a), load_report(b), top)
    if as_json:
        _echo_json(d)
    else:
        render_diff(d, _console())


COMMANDS = [cost, verify_cmd, diff_cmd]
