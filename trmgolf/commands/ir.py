"""The ``ir`` and ``optimize`` commands: look at a network as IR, and make it cheaper.

Heavy modules (onnx, the compiler, rich) are imported inside the commands, so that
``trmgolf --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from trmgolf.commands.options import (
    DATA_HELP,
    LazyChoice,
    LazyHelpOption,
    cost_models,
    kernel_help,
    pass_names_help,
)
from trmgolf.compiler.targets import DEFAULT_TARGET, TARGETS
from trmgolf.errors import UserError

if TYPE_CHECKING:
    from trmgolf.ir.graph import Graph


@click.command("ir")
@click.argument("model")
@click.option("--after", cls=LazyHelpOption,
              help_fn=pass_names_help("Print the IR as it is after this stage of the compile that writes "
                                      "the network (a pass's first run; final: the IR emitted; for a "
                                      "checkpoint also frontend, narrow_dtypes, PASS@narrowed)"))
@click.option("--task", help="For a checkpoint (.pt): the task whose network to show.")
@click.option("--data", help=DATA_HELP)
@click.option("--target", type=click.Choice(list(TARGETS)), default=DEFAULT_TARGET, show_default=True,
              help="Opset and runtime to emit for.")
@click.option("--kernel", "kernels", multiple=True, metavar="OP=CHOICE",
              help="Force a lowering (as compile).")
@click.option("--crop/--no-crop", default=False, show_default=True, help="For a checkpoint: as compile.")
@click.option("--no-narrow", is_flag=True, help="For a checkpoint: as compile.")
@click.option("--no-verify", is_flag=True,
              help="For a checkpoint: as compile (the cheapest valid precision, not the verified one).")
@click.option("--json", "as_json", is_flag=True, help="Print {\"model\", \"after\", \"ir\"} as JSON.")
@click.option("--signs", is_flag=True,
              help="Mark the values only needed up to sign ('// sign': the grader reads output > 0).")
def ir(model: str, after: str | None, task: str | None, data: str | None, target: str,
       kernels: tuple[str, ...], crop: bool, no_narrow: bool, no_verify: bool, as_json: bool,
       signs: bool) -> None:
    """Print the IR of MODEL (an .onnx file, or a TRM checkpoint .pt with --task), after a stage
    of the compile that writes its network."""
    from trmgolf.compiler.driver import compile_graph, stage_names
    from trmgolf.compiler.importer import import_file
    from trmgolf.compiler.select import parse_kernels
    from trmgolf.ir.printer import print_graph

    how = {"target": target, "forced": parse_kernels(kernels)}
    if model.endswith(".pt"):
        graph = _checkpoint_stage(model, task, data, after, crop=crop, narrow=not no_narrow,
                                  verify=not no_verify, **how)
    else:
        graph = import_file(model)
        if after:
            _check_stage(after, stage_names("import"))
            graph = compile_graph(graph, source="import", **how).after(after)
    text = print_graph(graph, signs=signs)
    if as_json:
        click.echo(json.dumps({"model": model, "after": after, "ir": text}, indent=1))
    else:
        click.echo(text, nl=False)


def _check_stage(after: str, names: list[str]) -> None:
    if after not in names:
        raise UserError(f"unknown stage {after!r} (stages: {', '.join(names)})")


def _checkpoint_stage(ckpt: str, task: str | None, data: str | None, after: str | None, *,
                      crop: bool, **compile_options) -> Graph:
    """The IR of a TRM checkpoint's network after stage ``after`` (the front end's when None):
    past the front end, the stages of the very compile ``trmgolf compile`` runs."""
    from trmgolf.compiler.driver import stage_names
    from trmgolf.frontend.compile import compile_checkpoint
    from trmgolf.frontend.trm import trm_graph

    if after is None or after == "frontend":
        return trm_graph(ckpt, task, data, crop=crop)
    _check_stage(after, stage_names("frontend", narrowing=compile_options["narrow"]))
    return compile_checkpoint(ckpt, task, data, crop=crop, **compile_options).compilation.after(after)


@click.command("optimize")
@click.argument("model")
@click.option("-o", "--output", "out_path", required=True,
              help="Where to write the optimised network (for a submission: OUT.zip).")
@click.option("--task", help="Check the result on this task's examples: refuse one whose answers "
              "differ from MODEL's, and say whether it solves the task.")
@click.option("--data", help=DATA_HELP)
@click.option("--target", type=click.Choice(list(TARGETS)), default=DEFAULT_TARGET, show_default=True,
              help="Opset and runtime to emit for.")
@click.option("--kernel", "kernels", multiple=True, metavar="OP=CHOICE", cls=LazyHelpOption,
              help_fn=kernel_help(("reshape", "matmul", "einsum", "conv2d", "split"),
                                  "Force a lowering (repeatable; default: the cheapest), e.g."))
@click.option("--cost-model", type=LazyChoice(cost_models), default="official", show_default=True)
@click.option("--report", "report_path", help="Write the optimised model's cost report (JSON) here.")
@click.option("--dump-after", cls=LazyHelpOption,
              help_fn=pass_names_help("Also print the IR of the network written as it is after this "
                                      "stage (a pass's first run; final: the IR emitted)"))
@click.option("--json", "as_json", is_flag=True, help="Print before/after totals as JSON.")
@click.option("--jobs", type=int, default=2, show_default=True,
              help="Submission: worker processes.")
@click.option("--timeout", "timeout_s", type=float, default=300.0, show_default=True,
              help="Submission: seconds per network (0: none); the original is kept past it.")
@click.option("--redo", is_flag=True, help="Submission: redo every task, ignoring finished ones.")
@click.option("--top", type=int, default=20, show_default=True,
              help="Submission: rows of the printed table (largest gains first; 0: all).")
@click.option("--quiet", is_flag=True, help="Submission: no progress bar.")
@click.option("--replace-input", is_flag=True,
              help="Allow -o to be MODEL itself: the input is overwritten (atomically) by the result.")
@click.option("--search", "search", is_flag=True,
              help="Submission: for each network that solves its task, run the structure search "
              "for a cheaper network (gated on the held-out half like `solve`).")
@click.option("--search-work", type=click.IntRange(min=1), default=20_000, show_default=True,
              help="Submission, with --search: work units of structure search per task.")
@click.option("--solve", "solve", is_flag=True,
              help="Submission: for each network that solves its task, also try trmgolf's own "
              "solvers for a cheaper network (gated on the held-out half like `solve`).")
def optimize_cmd(model: str, out_path: str, task: str | None, data: str | None, target: str,
                 kernels: tuple[str, ...], cost_model: str, report_path: str | None,
                 dump_after: str | None, as_json: bool, jobs: int, timeout_s: float, redo: bool,
                 top: int, quiet: bool, replace_input: bool, search: bool, search_work: int,
                 solve: bool) -> None:
    """Import MODEL, run the passes and kernel selection, and write the cheaper network.

    MODEL may also be a whole submission (a .zip or a folder of taskNNN.onnx): every network
    is optimised and verified on every example of its task (--data), the cheaper of the
    original and the result is kept per task, and OUT.zip, OUT.work/scores.csv and a table
    are written. Interrupted runs resume. With --search / --solve, a network that solves its
    task may be replaced by a cheaper one that the structure search or a solver finds and
    that is exact on every example: never worse, per task.
    """
    from trmgolf.commands.optimize_batch import optimize_submission
    from trmgolf.scoring.networks import is_submission
    from trmgolf.submission.optimize_batch import same_file

    if same_file(Path(model), Path(out_path)) and not replace_input:
        raise UserError(f"-o {out_path} is the input: pass --replace-input to overwrite it, "
                        "or write elsewhere")
    if is_submission(model):
        optimize_submission(model, out_path, data, jobs, target, timeout_s, redo, quiet, as_json, top,
                            replace_input=replace_input, solve=solve,
                            search_work=search_work if search else 0)
        return
    if search or solve:
        raise UserError("--search and --solve work on a submission (a .zip or a folder of taskNNN.onnx)")
    from rich.table import Table

    from trmgolf.compiler.driver import stage_names
    from trmgolf.compiler.importer import load_model
    from trmgolf.compiler.optimize import optimize_model
    from trmgolf.compiler.select import parse_kernels
    from trmgolf.fsutil import write_atomic
    from trmgolf.ir.printer import print_graph
    from trmgolf.progress import make_console
    from trmgolf.tasks import load_task

    proto = load_model(model)
    the_task = load_task(task, data) if task else None
    if dump_after:
        _check_stage(dump_after, stage_names("import"))
    result = optimize_model(proto, Path(model).name, target=target, forced=parse_kernels(kernels),
                            cost_model=cost_model, task=the_task)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if dump_after:
        if result.kept_original:
            click.echo(f"note: the IR below is the optimised candidate; it was not written "
                       f"({result.kept_original}: the original is kept)", err=True)
        click.echo(print_graph(result.compilation.after(dump_after)), nl=False)
    write_atomic(out_path, result.data)
    result.before.model, result.after.model, result.after.source = model, out_path, model
    if report_path:
        result.after.write(report_path)
    rows = {"before": result.before.to_dict(), "after": result.after.to_dict()}
    summary = {k: {f: v[f] for f in ("valid", "reason", "memory", "params", "macs", "total", "points")}
               for k, v in rows.items()}
    summary["ratio"] = (result.before.total / result.after.total
                        if result.before.total and result.after.total else None)
    summary["checked_examples"] = result.checked
    summary["solved"] = result.solved
    summary["examples"] = result.after.examples
    summary["kernels"] = result.after.kernels
    summary["kept_original"] = result.kept_original
    summary["output"] = out_path
    if as_json:
        click.echo(json.dumps(summary, indent=1))
        return
    table = Table()  # the title is a line of its own: a table's title wraps at the table's width
    for col in ("", "valid", "memory", "params", "total", "points"):
        table.add_column(col, justify="right")
    for k in ("before", "after"):
        s = summary[k]
        table.add_row(k, str(s["valid"]), *(f"{s[f]:,}" if isinstance(s[f], int) else str(s[f])
                                             for f in ("memory", "params", "total")),
                      f"{s['points']:.3f}" if s["points"] is not None else "-")
    console = make_console()
    console.print(f"{model} -> {out_path}")
    console.print(table)
    if result.kept_original:
        console.print(f"the input network is written unchanged: {result.kept_original}")
    elif summary["ratio"]:
        console.print(f"cost ratio before/after: {summary['ratio']:.2f}x")
    if the_task is not None:
        console.print(f"thresholded answers identical to {model}'s on all {result.checked} examples "
                      f"of {the_task.name}")
        console.print(solved_line(result.after.examples or {}))


def solved_line(counts: dict[str, dict[str, int]]) -> str:
    """Whether the network solves the task, with the pass count of each split."""
    shown = ", ".join(f"{split} {c['passed']}/{c['passed'] + c['failed']}" for split, c in counts.items())
    solved = all(c["failed"] == 0 for c in counts.values())
    return f"{'solves the task' if solved else 'does NOT solve the task: points null'} ({shown})"


COMMANDS = [ir, optimize_cmd]
