"""The ``compile`` command: TRM checkpoint -> verified NeuroGolf ONNX file (+ cost report)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from trmgolf.commands.options import DATA_HELP, LazyHelpOption, kernel_help
from trmgolf.compiler.targets import DEFAULT_TARGET, TARGETS
from trmgolf.errors import UserError

if TYPE_CHECKING:
    from trmgolf.ir.graph import Graph


@click.command("compile")
@click.argument("ckpt")
@click.option("--task", help="Task of the network (16, task016 or a path to its JSON file): selects "
              "the puzzle and the examples.")
@click.option("-o", "--output", "out", required=True, help="ONNX file to write.")
@click.option("--target", type=click.Choice(list(TARGETS)), default=DEFAULT_TARGET,
              show_default=True, help="Opset and runtime to emit for.")
@click.option("--report", "report_path", help="Write the cost report (JSON) here, and its picture "
              "beside it: R.json -> R.cost.png.")
@click.option("--dump-ir", "dump_dir",
              help="Write the IR after every stage of the network written into this folder.")
@click.option("--kernel", "kernels", multiple=True, metavar="OP=CHOICE", cls=LazyHelpOption,
              help_fn=kernel_help(("attention", "swiglu", "rms_norm"),
                                  "Force a lowering (repeatable; default: the cheapest). The TRM's ops:",
                                  "swiglu=gru_silu: a 3x larger zero recurrence, 2.6x faster to verify."))
@click.option("--crop/--no-crop", default=False, show_default=True,
              help="Shrink the canvas to the task's largest grid (a different, smaller network).")
@click.option("--no-narrow", is_flag=True, help="Keep every tensor float32.")
@click.option("--no-verify", is_flag=True, help="Skip running the task's examples.")
@click.option("--data", help=DATA_HELP)
@click.option("-q", "--quiet", is_flag=True, help="Only the one-line summary, no cost table.")
def compile_(ckpt: str, task: str | None, out: str, target: str, report_path: str | None,
             dump_dir: str | None, kernels: tuple[str, ...], crop: bool, no_narrow: bool,
             no_verify: bool, data: str | None, quiet: bool) -> None:
    """Compile a TRM checkpoint into a NeuroGolf network that answers exactly as it does."""
    import time

    from trmgolf.compiler.select import parse_kernels
    from trmgolf.frontend.compile import compile_checkpoint
    from trmgolf.fsutil import write_atomic
    from trmgolf.scoring.report import render_report

    start = time.perf_counter()
    forced = parse_kernels(kernels)
    compiled = compile_checkpoint(ckpt, task, data, target=target, forced=forced, crop=crop,
                                  verify=not no_verify, narrow=not no_narrow)
    if dump_dir:
        write_stage_dumps(compiled.stages, Path(dump_dir))
    for warning in compiled.warnings:
        click.echo(f"warning: {warning}", err=True)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, compiled.data)
    if compiled.report is not None:  # the report names the network, and what it came from
        compiled.report.model, compiled.report.source = out, ckpt
    for note in compiled.kept_note:
        click.echo(f"narrowing rejected: {note}")
    line = f"wrote {out} ({compiled.precision}; {len(compiled.emitted.model.graph.node)} nodes"
    if compiled.report is not None:
        r = compiled.report
        pts = "null" if r.points is None else f"{r.points:.3f}"
        line += f"; memory {r.memory:,} B, params {r.params:,}, points {pts}"
    secs = ", ".join(f"{k} {v:.1f} s" for k, v in compiled.seconds.items())
    click.echo(line + f"; {time.perf_counter() - start:.1f} s: {secs})")
    click.echo(compiled.verdict())
    if compiled.report is not None and not quiet:
        from trmgolf.progress import make_console

        render_report(compiled.report, make_console(soft_wrap=True), top=10)
    if report_path:
        if compiled.report is None:
            raise UserError("--report needs verification (drop --no-verify)")
        path = Path(report_path)
        compiled.report.write(path)
        from trmgolf.scoring.plot import write_png

        png = path.with_suffix(".cost.png")
        write_png(compiled.report.to_dict(), png)
        click.echo(f"wrote {path} (cost report) and {png} (where the cost goes)")


def write_stage_dumps(stages: list[tuple[str, Graph]], folder: Path) -> None:
    """``NN_stage.ir`` per stage of the network written: its last file is the IR emitted."""
    from trmgolf.fsutil import write_atomic
    from trmgolf.ir.printer import print_graph

    folder.mkdir(parents=True, exist_ok=True)
    for i, (name, graph) in enumerate(stages):
        write_atomic(folder / f"{i:02d}_{name.replace('@', '_')}.ir", print_graph(graph))


COMMANDS = [compile_]
