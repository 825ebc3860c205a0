"""The ``ir`` and ``optimize`` commands: look at a network as IR, and make it cheaper."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from trmgolf.compiler.importer import import_file, load_model
from trmgolf.compiler.optimize import optimize_model
from trmgolf.compiler.pipeline import pass_names, run_until
from trmgolf.compiler.select import parse_kernels
from trmgolf.compiler.targets import DEFAULT_TARGET, TARGETS
from trmgolf.errors import UserError
from trmgolf.fsutil import write_atomic
from trmgolf.ir.printer import print_graph
from trmgolf.scoring.cost_model import COST_MODELS
from trmgolf.tasks import load_task

PASSES_HELP = "Stop after this pass: " + ", ".join(pass_names()) + "."


@click.command("ir")
@click.argument("model")
@click.option("--after", help=PASSES_HELP + " For a checkpoint also: frontend, narrow_dtypes.")
@click.option("--task", help="For a checkpoint (.pt): the task whose network to show.")
@click.option("--data", help="Folder of taskNNN.json files (default: $TRMGOLF_DATA).")
@click.option("--json", "as_json", is_flag=True, help="Print {\"model\", \"after\", \"ir\"} as JSON.")
def ir(model: str, after: str | None, task: str | None, data: str | None, as_json: bool) -> None:
    """Print the IR of MODEL (an .onnx file, or a TRM checkpoint .pt with --task)."""
    if model.endswith(".pt"):
        text = print_graph(_checkpoint_stage(model, task, data, after))
    else:
        graph = import_file(model)
        text = print_graph(run_until(graph, after) if after else graph)
    if as_json:
        click.echo(json.dumps({"model": model, "after": after, "ir": text}, indent=1))
    else:
        click.echo(text, nl=False)


def _checkpoint_stage(ckpt: str, task: str | None, data: str | None, after: str | None):
    """The IR of a TRM checkpoint's network after stage ``after`` (the front end's when None)."""
    from trmgolf.frontend.compile import compile_stages

    names = []
    for name, graph in compile_stages(ckpt, task, data):
        if after is None or name == after:
            return graph
        names.append(name)
    raise UserError(f"unknown stage {after!r} (stages: {', '.join(dict.fromkeys(names))})")


@click.command("optimize")
@click.argument("model")
@click.option("-o", "--output", "out_path", required=True, help="Where to write the optimised network.")
@click.option("--task", help="Refuse a result whose answers differ on this task's examples.")
@click.option("--data", help="Folder of taskNNN.json files (default: $TRMGOLF_DATA).")
@click.option("--target", type=click.Choice(list(TARGETS)), default=DEFAULT_TARGET, show_default=True,
              help="Opset and runtime to emit for.")
@click.option("--kernel", "kernels", multiple=True, metavar="OP=CHOICE",
              help="Force a lowering, e.g. --kernel reshape=reshape.")
@click.option("--cost-model", type=click.Choice(COST_MODELS), default="official", show_default=True)
@click.option("--report", "report_path", help="Write the optimised model's cost report (JSON) here.")
@click.option("--dump-after", help="Also print the IR after this pass. " + PASSES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print before/after totals as JSON.")
def optimize_cmd(model: str, out_path: str, task: str | None, data: str | None, target: str,
                 kernels: tuple[str, ...], cost_model: str, report_path: str | None,
                 dump_after: str | None, as_json: bool) -> None:
    """Import MODEL, run the passes and kernel selection, and write the cheaper network."""
    proto = load_model(model)
    the_task = load_task(task, data) if task else None
    if dump_after:
        click.echo(print_graph(run_until(import_file(model), dump_after)), nl=False)
    result = optimize_model(proto, Path(model).name, target=target, forced=parse_kernels(kernels),
                            cost_model=cost_model, task=the_task)
    write_atomic(out_path, result.data)
    if report_path:
        result.after.write(report_path)
    rows = {"before": result.before.to_dict(), "after": result.after.to_dict()}
    summary = {k: {f: v[f] for f in ("valid", "reason", "memory", "params", "macs", "total", "points")}
               for k, v in rows.items()}
    summary["ratio"] = (result.before.total / result.after.total
                        if result.before.total and result.after.total else None)
    summary["checked_examples"] = result.checked
    summary["output"] = out_path
    if as_json:
        click.echo(json.dumps(summary, indent=1))
        return
    table = Table(title=f"{model} -> {out_path}")
    for col in ("", "valid", "memory", "params", "total", "points"):
        table.add_column(col, justify="right")
    for k in ("before", "after"):
        s = summary[k]
        table.add_row(k, str(s["valid"]), *(f"{s[f]:,}" if isinstance(s[f], int) else str(s[f])
                                             for f in ("memory", "params", "total")),
                      f"{s['points']:.3f}" if s["points"] is not None else "-")
    console = Console(highlight=False)
    console.print(table)
    if summary["ratio"]:
        console.print(f"cost ratio before/after: {summary['ratio']:.2f}x")
    if the_task is not None:
        console.print(f"thresholded answers identical on all {result.checked} examples of {the_task.name}")


COMMANDS = [ir, optimize_cmd]
