"""``trmgolf train`` and ``trmgolf eval`` (torch is imported inside the commands)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from trmgolf.commands.options import DATA_HELP, LazyHelpOption
from trmgolf.errors import Interrupted, UserError


def _presets_help() -> str:
    from trmgolf.trainer.config import PRESETS

    return f"Model and schedule: {', '.join(PRESETS)}."


def _fmt(x: float | None) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


@click.command("train")
@click.option("--task", help="One task (16, task016 or a path): train on it alone.")
@click.option("--tasks", "tasks_spec", help="Many tasks in one model: all, 1-400, 1,5,9-12.")
@click.option("--preset", default="tiny", show_default=True, cls=LazyHelpOption,
              help_fn=_presets_help)
@click.option("-o", "--output", required=True, help="Checkpoint to write (atomically).")
@click.option("--steps", type=int,
              help="Optimiser steps (default: the preset's; tiny stops sooner once every "
                   "training example is exact).")
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda.")
@click.option("--data", help=DATA_HELP)
@click.option("--seed", type=int, help="Seed for init, splits, augmentation and batches.")
@click.option("--batch-size", type=int, help="Global batch size (default: the preset's).")
@click.option("--lr", type=float, help="Peak learning rate (default: the preset's).")
@click.option("--augmentations", type=int, help="Variants (puzzle ids) per task.")
@click.option("--warmup", type=int, help="Linear warm-up steps (default: the preset's).")
@click.option("--ema-decay", type=float,
              help="Decay of the weight average the checkpoint holds (default: the preset's; "
                   "0 keeps the raw weights, for short runs).")
@click.option("--resume", is_flag=True, help="Continue the run saved in --output.")
@click.option("--init", "init_ckpt", help="Fine-tune this (multi-task) checkpoint on --task.")
@click.option("--extra", multiple=True,
              help="Extra ARC folder (ARC-AGI-1, ConceptARC) for multi-task training.")
@click.option("--max-examples", type=int, help="At most this many training examples per task.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(task: str | None, tasks_spec: str | None, preset: str, output: str,
          steps: int | None, device: str, data: str | None, seed: int | None,
          batch_size: int | None, lr: float | None, augmentations: int | None, warmup: int | None,
          ema_decay: float | None, resume: bool,
          init_ckpt: str | None, extra: tuple[str, ...], max_examples: int | None,
          quiet: bool) -> None:
    """Train a TRM on one task, on many tasks, or fine-tune a checkpoint on one task."""
    from trmgolf.tasks import parse_task_range
    from trmgolf.trainer.runs import Overrides, finetune, train_tasks

    if (task is None) == (tasks_spec is None):
        raise UserError("pass exactly one of --task N or --tasks SPEC")
    if init_ckpt is not None and task is None:
        raise UserError("--init fine-tunes on one task: pass --task N")
    overrides = Overrides(steps, seed, batch_size, lr, augmentations, warmup, ema_decay)
    try:
        if init_ckpt is not None:
            result = finetune(task, init_ckpt, output, data, overrides, device, resume, not quiet)
        else:
            names: list[str | int] = [task] if task is not None else list(
                parse_task_range(tasks_spec or ""))
            result = train_tasks(names, preset, output, data, overrides, device, resume,
                                 not quiet, list(extra), max_examples)
    except KeyboardInterrupt as e:  # TrainingInterrupted says what the checkpoint holds
        before = f"{output} is unchanged" if Path(output).exists() else "nothing was saved"
        raise Interrupted(str(e) or f"interrupted before training started: {before}") from None
    from trmgolf.trainer.train import curves_path, metrics_path

    click.echo(f"wrote {output}: step {result.get('step')}, {result['wall_s']:.0f} s, exact "
               f"match train {_fmt(result.get('train'))}, held-out "
               f"{_fmt(result.get('heldout'))}, test {_fmt(result.get('test'))}")
    click.echo(f"wrote {curves_path(Path(output))} (loss and exact-match curves) and "
               f"{metrics_path(Path(output))} (the log they are drawn from)")
    if result.get("stopped_early"):
        from trmgolf.trainer.train import early_stop_note

        click.echo(early_stop_note(result["step"], result["planned_steps"]))


@click.command("eval")
@click.argument("checkpoint")
@click.option("--task", help="The task to measure (needed for a multi-task checkpoint).")
@click.option("--data", help=DATA_HELP)
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def eval_(checkpoint: str, task: str | None, data: str | None, device: str,
          as_json: bool) -> None:
    """Exact match of a checkpoint per split of a task, and the first miss."""
    from trmgolf.trainer.evaluate import render_side_by_side
    from trmgolf.trainer.runs import evaluate_checkpoint

    name, results = evaluate_checkpoint(checkpoint, task, data, device)
    if as_json:
        click.echo(json.dumps({"task": name, "checkpoint": checkpoint,
                               "splits": {r.name: r.to_dict() for r in results}}))
        return
    click.echo(f"{name}  ({checkpoint})")
    for r in results:
        click.echo(f"  {r.name:<20} {r.correct:>4}/{r.total:<4} exact {_fmt(r.exact)}")
    miss = next((r for r in results if r.first_miss is not None), None)
    if miss is None:
        click.echo("no misses")
        return
    index, example, predicted = miss.first_miss  # type: ignore[misc]
    click.echo(f"first miss: {miss.name} #{index}")
    click.echo(render_side_by_side(example, predicted))


COMMANDS = [train, eval_]
