"""One-file checkpoints that ``torch.load(path, weights_only=True)`` reads.

Layout (plain dicts, lists, str, int, float, bool and tensors only)::

    format       "trmgolf.trainer/1"
    config       TRMConfig fields
    train_config TrainConfig fields
    weights      EMA state dict of ``TRM`` (keys: embed_tokens.weight, puzzle_emb.weight, ...)
    puzzles      puzzle names, index = puzzle id ("task016/d3p5" = task, dihedral, perm)
    task_puzzle  task name -> puzzle id of its identity variant (used at inference)
    meta         step, preset, tasks, metrics, held-out arc-gen indices per task, wall time
    train_state  raw weights, optimizer states and step, for --resume
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import torch

from trmgolf.errors import UserError, not_a_checkpoint
from trmgolf.fsutil import write_atomic
from trmgolf.tasks import task_number

FORMAT = "trmgolf.trainer/1"
REQUIRED = ("format", "config", "weights", "puzzles", "task_puzzle", "meta")


def save_checkpoint(path: str | os.PathLike[str], ckpt: dict[str, Any]) -> None:
    """Write atomically: a temporary file in the same folder, then ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(ckpt, buffer)
    write_atomic(path, buffer.getvalue())


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check a checkpoint; every problem is a one-line ``UserError``."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"checkpoint not found: {path}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch.load fails on junk with any exception type
        # (IndexError on a text file, KeyError, UnpicklingError, BadZipFile, ...)
        raise not_a_checkpoint(path, f"corrupt, truncated or not a torch file: {type(e).__name__}") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise not_a_checkpoint(path, f"expected format {FORMAT}")
    missing = [k for k in REQUIRED if k not in ckpt]
    if missing:
        raise not_a_checkpoint(path, f"missing {', '.join(missing)}")
    return ckpt


def canonical_task(task: str | int) -> str:
    num = task_number(str(task))
    return f"task{num:03d}" if num is not None else Path(str(task)).stem


def _is_task_file(task: str | int) -> bool:
    text = str(task)
    return text.endswith(".json") or os.sep in text


def checkpoint_task_name(ckpt: dict[str, Any], task: str | int | None) -> str:
    """The checkpoint's name for ``task``: its own name, or, for a single-task checkpoint,
    its only task when none is named or a task file is given (a file of any name holds the
    examples to run the one network on)."""
    table: dict[str, int] = ckpt["task_puzzle"]
    if task is None:
        if len(table) != 1:
            raise UserError(f"multi-task checkpoint ({len(table)} tasks): name a task (--task N)")
        return str(next(iter(table)))
    name = canonical_task(task)
    if name in table:
        return name
    if len(table) == 1 and _is_task_file(task):
        return str(next(iter(table)))
    shown = ", ".join(sorted(table)[:5]) + (" ..." if len(table) > 5 else "")
    raise UserError(f"{name} is not in this checkpoint (it has {shown})")


def puzzle_id_for(ckpt: dict[str, Any], task: str | int | None) -> int:
    """The identity puzzle id of ``task`` (see ``checkpoint_task_name``)."""
    return int(ckpt["task_puzzle"][checkpoint_task_name(ckpt, task)])
