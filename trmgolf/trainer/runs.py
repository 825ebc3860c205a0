"""The three training modes (one task, many tasks, fine-tuning) and checkpoint evaluation.

The CLI is a thin layer over these functions, so tests and scripts call them directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from trmgolf.errors import UserError
from trmgolf.tasks import load_task
from trmgolf.trainer.checkpoint import checkpoint_task_name, load_checkpoint, puzzle_id_for
from trmgolf.trainer.config import TrainConfig, TRMConfig, get_preset
from trmgolf.trainer.data import (
    PuzzleSet,
    TaskSplit,
    Variant,
    build_puzzle_set,
    crop_canvas,
    load_extra_tasks,
    load_splits,
    split_from_index,
)
from trmgolf.trainer.evaluate import SplitResult, evaluate_examples
from trmgolf.trainer.inference import build_inference
from trmgolf.trainer.train import RunSpec, init_distributed, train


@dataclass
class Overrides:
    """Command-line changes to a preset's training config."""

    steps: int | None = None
    seed: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    augmentations: int | None = None
    warmup_steps: int | None = None
    ema_decay: float | None = None

    def apply(self, cfg: TrainConfig) -> TrainConfig:
        changes = {k: v for k, v in vars(self).items() if v is not None}
        for k in ("steps", "batch_size", "augmentations"):
            if k in changes and changes[k] < 1:
                raise UserError(f"--{k.replace('_', '-')} must be >= 1")
        if changes.get("warmup_steps", 0) < 0:
            raise UserError("--warmup must be >= 0")
        if not 0.0 <= changes.get("ema_decay", 0.0) < 1.0:
            raise UserError("--ema-decay must be in [0, 1)")
        cfg = replace(cfg, **changes)
        return replace(cfg, eval_every=min(cfg.eval_every, cfg.steps))


def _check_device(device: str) -> None:
    if device not in ("cpu", "cuda"):
        raise UserError(f"unknown device {device!r} (use cpu or cuda)")
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA device is available")


def _resume_state(out: Path, resume: bool, puzzles: PuzzleSet, cfg: TRMConfig
                  ) -> dict[str, Any] | None:
    if not resume:
        return None
    if not out.exists():
        return None  # nothing to resume: start fresh
    ckpt = load_checkpoint(out)
    if ckpt["puzzles"] != puzzles.puzzle_names or TRMConfig.from_dict(ckpt["config"]) != cfg:
        raise UserError(f"{out}: cannot resume, the checkpoint was trained on other tasks, "
                        "preset or options")
    if "train_state" not in ckpt:
        raise UserError(f"{out}: checkpoint has no training state to resume from")
    return ckpt["train_state"]


def _run(puzzles: PuzzleSet, cfg: TRMConfig, tcfg: TrainConfig, spec: RunSpec,
         init: dict[str, torch.Tensor] | None, meta: dict[str, Any]) -> dict[str, Any]:
    _check_device(spec.device)
    init_distributed(spec.device)
    state = _resume_state(spec.out, spec.resume, puzzles, cfg)
    return train(puzzles, cfg, tcfg, spec, init_weights=init, resume_state=state, meta=meta)


def train_tasks(tasks: list[str | int], preset: str, out: str | os.PathLike[str],
                data: str | None = None, overrides: Overrides | None = None,
                device: str = "cpu", resume: bool = False, progress: bool = True,
                extra: list[str] | None = None, max_examples: int | None = None
                ) -> dict[str, Any]:
    """Train from scratch on one task (``mode='single'``) or many (``'multi'``)."""
    p = get_preset(preset)
    tcfg = (overrides or Overrides()).apply(p.train)
    splits = load_splits(tasks, data, tcfg.heldout_fraction, tcfg.seed)
    splits += load_extra_tasks(extra or [])
    canvas = crop_canvas(splits) if p.crop else (30, 30)
    puzzles = build_puzzle_set(splits, canvas, tcfg.augmentations, tcfg.seed, max_examples)
    cfg = p.model.with_(canvas_h=canvas[0], canvas_w=canvas[1],
                        num_puzzles=len(puzzles.puzzle_names))
    mode = "single" if len(tasks) == 1 and not extra else "multi"
    spec = RunSpec(Path(out), preset, mode, device, resume, progress)
    return _run(puzzles, cfg, tcfg, spec, None, {"tasks": [s.name for s in splits]})


def finetune(task: str | int, init: str | os.PathLike[str], out: str | os.PathLike[str],
             data: str | None = None, overrides: Overrides | None = None,
             device: str = "cpu", resume: bool = False, progress: bool = True,
             preset: str | None = None) -> dict[str, Any]:
    """Fine-tune a (multi-task) checkpoint on one task: its architecture and canvas, new
    puzzle rows started from the task's vector in the checkpoint (zeros if absent)."""
    base = load_checkpoint(init)
    base_cfg = TRMConfig.from_dict(base["config"])
    tcfg = TrainConfig.from_dict(base.get("train_config", {}))
    if preset is not None:
        tcfg = get_preset(preset).train
    tcfg = (overrides or Overrides()).apply(tcfg)
    splits = load_splits([task], data, tcfg.heldout_fraction, tcfg.seed)
    h, w = crop_canvas(splits)
    if h > base_cfg.canvas_h or w > base_cfg.canvas_w:
        raise UserError(f"{splits[0].name}: grids up to {h}x{w} do not fit the checkpoint's "
                        f"canvas {base_cfg.canvas_h}x{base_cfg.canvas_w}")
    puzzles = build_puzzle_set(splits, (base_cfg.canvas_h, base_cfg.canvas_w),
                               tcfg.augmentations, tcfg.seed)
    cfg = base_cfg.with_(num_puzzles=len(puzzles.puzzle_names))
    weights = dict(base["weights"])
    table = weights["puzzle_emb.weight"]
    name = splits[0].name
    start = (table[int(base["task_puzzle"][name])] if name in base["task_puzzle"]
             else torch.zeros(cfg.hidden))
    weights["puzzle_emb.weight"] = start.expand(cfg.num_puzzles, -1).clone()
    spec = RunSpec(Path(out), str(base["meta"].get("preset", "?")), "finetune", device,
                   resume, progress)
    meta = {"tasks": [name], "init": str(init)}
    return _run(puzzles, cfg, tcfg, spec, weights, meta)


def evaluate_checkpoint(path: str | os.PathLike[str], task: str | int | None,
                        data: str | None = None, device: str = "cpu"
                        ) -> tuple[str, list[SplitResult]]:
    """Exact match of a checkpoint on every split of a task (held-out split as trained)."""
    _check_device(device)
    ckpt = load_checkpoint(path)
    name = checkpoint_task_name(ckpt, task)
    config = TRMConfig.from_dict(ckpt["config"])
    module = build_inference(config, ckpt["weights"], puzzle_id_for(ckpt, name)).to(device)
    loaded = load_task(task if task is not None else name, data)
    held = ckpt["meta"].get("heldout_index", {}).get(name)
    split = split_from_index(loaded, held) if held is not None else TaskSplit(
        name, loaded.splits.get("train", []) + loaded.splits.get("arc-gen", []), [],
        loaded.splits.get("test", []))
    n_train = len(loaded.splits.get("train", []))
    parts = [("train", split.train[:n_train]), ("arc-gen (trained)", split.train[n_train:]),
             ("arc-gen (held-out)", split.heldout), ("test", split.test)]
    return name, [evaluate_examples(module, ex, label, device=device) for label, ex in parts]


def train_examples(split: TaskSplit, model: TRMConfig, tcfg: TrainConfig, spec: RunSpec,
                   canvas: tuple[int, int], variants: list[Variant]) -> dict[str, Any]:
    """Train one task on exactly ``split.train`` (``mode='single'``), with the given true
    augmentations sharing its puzzle id: what ``solve --trm-train`` runs on the fit examples.
    Resumes from ``spec.out`` when ``spec.resume`` and the checkpoint matches."""
    puzzles = build_puzzle_set([split], canvas, len(variants), tcfg.seed, given=[variants])
    cfg = model.with_(canvas_h=canvas[0], canvas_w=canvas[1], num_puzzles=len(puzzles.puzzle_names))
    return _run(puzzles, cfg, tcfg, spec, None, {"tasks": [split.name]})
