"""``trmgolf demo``: the main job on a built-in default, for a first look at trmgolf.

It optimises the built-in wasteful example networks (``trmgolf.examples``), checks
that each still answers every example of its NeuroGolf task exactly (when the task
files are found), and prints the before/after cost of each. With ``--trm`` (the
default when the TRM compiler is installed) it also trains a ``tiny`` TRM on a small
task, compiles it, verifies it and prints its cost report.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from trmgolf.compiler.optimize import optimize_model
from trmgolf.examples import EXAMPLES
from trmgolf.fsutil import write_atomic
from trmgolf.tasks import data_dir, load_task


def task_folder(data: str | None) -> Path | None:
    folder = data_dir(data)
    if folder is None:
        beside = Path(__file__).resolve().parents[2] / "shared" / "data" / "neurogolf"
        folder = beside if beside.is_dir() else None
    return folder if folder is not None and folder.is_dir() else None


def optimise_examples(out: Path, folder: Path | None, console: Console) -> None:
    table = Table(title="built-in wasteful networks, before -> after `trmgolf optimize`")
    for col in ("network", "task", "before", "after", "ratio", "points", "examples"):
        table.add_column(col, justify="right")
    for name, (build, task_num) in EXAMPLES.items():
        task = load_task(task_num, folder) if folder is not None else None
        result = optimize_model(build(), name, task=task)
        write_atomic(out / f"{name}.onnx", result.data)
        before, after = result.before.total or 0, result.after.total or 0
        table.add_row(name, f"task{task_num:03d}", f"{before:,}", f"{after:,}",
                      f"{before / max(after, 1):,.1f}x", f"{result.after.points:.2f}",
                      f"{result.checked} identical" if task else "not checked (no data)")
    console.print(table)


@click.command("demo")
@click.option("--data", help="Folder of taskNNN.json files (default: $TRMGOLF_DATA or ../shared/data).")
@click.option("-o", "--out", "out_dir", default="demo-out", show_default=True,
              help="Folder for the networks and reports the demo writes.")
def demo(data: str | None, out_dir: str) -> None:
    """Run the main job on built-in defaults: optimise, verify and score example networks."""
    console = Console(highlight=False)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    folder = task_folder(data)
    if folder is None:
        console.print("[yellow]NeuroGolf task files not found: networks are optimised but not "
                      "checked (pass --data or set TRMGOLF_DATA)[/yellow]")
    optimise_examples(out, folder, console)
    console.print(f"networks written to {out}/")


COMMANDS = [demo]
