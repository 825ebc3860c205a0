"""The main job on a built-in default (``trmgolf demo``) on a built-in default, for a first look at trmgolf.

1. Train a ``tiny`` TRM on a small task (NeuroGolf task016 when the task files are
   found, else a built-in synthetic colour-map task), compile it with ``trmgolf
   compile``'s machinery, verify it on every example and print its cost report.
2. Optimise the built-in wasteful example networks (``trmgolf.examples``), check that
   each still answers every example of its task exactly, and print before/after costs.
   Both are written: ``NAME.wasteful.onnx`` (to try ``trmgolf optimize`` on) and
   ``NAME.onnx`` (what ``optimize`` made of it).
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from trmgolf.compiler.emit import serialize
from trmgolf.compiler.optimize import optimize_model
from trmgolf.examples import EXAMPLES, synthetic_colour_map_task
from trmgolf.fsutil import write_atomic
from trmgolf.progress import make_console
from trmgolf.scoring.answers import verify
from trmgolf.scoring.report import render_report
from trmgolf.tasks import data_dir, load_task

DEMO_TASK = 16


def task_folder(data: str | None) -> Path | None:
    """The task folder by the rule of every command (``tasks.data_dir``), when it exists."""
    folder = data_dir(data)
    return folder if folder is not None and folder.is_dir() else None


def synthetic_task_file(out: Path) -> Path:
    """The built-in synthetic task (task016's colour map) as ``OUT/synthetic_task.json``: what
    the demo trains on, and what its commands check against, when no task files are found."""
    path = out / "synthetic_task.json"
    write_atomic(path, json.dumps(synthetic_colour_map_task()))
    return path


def optimise_examples(out: Path, folder: Path | None, console: Console) -> None:
    table = Table(title="built-in wasteful networks, before -> after `trmgolf optimize`")
    for col in ("network", "task", "before", "after", "ratio", "points", "examples"):
        table.add_column(col, justify="right")
    first = ""
    for name, (build, task_num) in EXAMPLES.items():
        task = load_task(task_num, folder) if folder is not None else None
        original = build()
        wasteful = out / f"{name}.wasteful.onnx"
        write_atomic(wasteful, serialize(original))
        result = optimize_model(original, name, task=task)
        write_atomic(out / f"{name}.onnx", result.data)
        before, after = result.before.total or 0, result.after.total or 0
        pts = result.after.points
        table.add_row(name, f"task{task_num:03d}", f"{before:,}", f"{after:,}",
                      f"{before / max(after, 1):,.1f}x", "-" if pts is None else f"{pts:.2f}",
                      f"{result.checked} identical" if task else "not checked (no data)")
        if not first and (folder is not None or task_num == DEMO_TASK):
            # without task files, the synthetic task is task016's colour map: check against it
            task_arg = task_num if folder is not None else synthetic_task_file(out)
            first = f"trmgolf optimize {wasteful} -o {out / (name + '.opt.onnx')} --task {task_arg}"
    console.print(table)
    console.print(f"the wasteful originals are beside them (*.wasteful.onnx); try: {first}")


def train_and_compile(out: Path, folder: Path | None, steps: int | None, console: Console) -> None:
    """Train a tiny TRM, compile it, verify it on the task, print the cost report."""
    from trmgolf.frontend.compile import compile_checkpoint
    from trmgolf.trainer.runs import Overrides, train_tasks
    from trmgolf.trainer.train import early_stop_note

    if folder is not None:
        task_ref: str = str(folder / f"task{DEMO_TASK:03d}.json")
        console.print(f"[bold]1. training a tiny TRM on NeuroGolf task{DEMO_TASK:03d}[/bold]")
    else:
        task_ref = str(synthetic_task_file(out))
        console.print("[bold]1. training a tiny TRM on the built-in synthetic colour-map task[/bold]")
    ckpt = out / "trm.pt"
    result = train_tasks([task_ref], "tiny", ckpt, overrides=Overrides(steps=steps), progress=True)
    console.print(f"trained in {result['wall_s']:.0f} s: exact match train {result.get('train')}, "
                  f"held-out {result.get('heldout')}")
    if result.get("stopped_early"):
        console.print(early_stop_note(result["step"], result["planned_steps"]))
    console.print("[bold]2. compiling it to ONNX and verifying on every example[/bold]")
    compiled = compile_checkpoint(ckpt, task_ref)
    onnx_path = out / "trm.onnx"
    write_atomic(onnx_path, compiled.data)
    check = verify(compiled.data, load_task(task_ref), threads_check=False)
    assert compiled.report is not None
    compiled.report.model, compiled.report.source = str(onnx_path), str(ckpt)
    compiled.report.write(out / "trm.report.json")
    render_report(compiled.report, console, top=8)
    counts = ", ".join(f"{s} {c.passed}/{c.passed + c.failed}" for s, c in check.splits.items())
    verdict = (f"solves the task: {check.points:.3f} points" if check.passed
               else "does not solve every example (0 points)")
    console.print(f"{onnx_path}: {compiled.precision}, same answers as PyTorch on "
                  f"{compiled.examples} examples; against the task: {counts}; {verdict}")


def run_demo(data: str | None, out_dir: str, steps: int | None, skip_trm: bool) -> None:
    """Train, compile, verify and score a tiny TRM, then optimise the built-in examples."""
    console = make_console()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    folder = task_folder(data)
    if folder is None:
        console.print("[yellow]NeuroGolf task files not found (pass --data or set TRMGOLF_DATA): "
                      "using the built-in synthetic task[/yellow]")
    if not skip_trm:
        train_and_compile(out, folder, steps, console)
    console.print("[bold]3. optimising the built-in wasteful networks[/bold]")
    optimise_examples(out, folder, console)
    console.print(f"everything is in {out}/")
