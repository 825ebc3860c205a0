"""Freshly initialised trainer checkpoints of any preset, for benchmarks and tests."""

from __future__ import annotations

import os

import torch

from trmgolf.trainer.checkpoint import FORMAT, save_checkpoint
from trmgolf.trainer.config import TRMConfig, get_preset
from trmgolf.trainer.model import TRM


def make_checkpoint(path: str | os.PathLike[str], config: TRMConfig | str,
                    tasks: tuple[str, ...] = ("task001",), seed: int = 0,
                    puzzle_std: float = 1.0) -> TRMConfig:
    """Write a checkpoint of a freshly initialised TRM (puzzle vectors drawn, not zero)."""
    cfg = get_preset(config).model if isinstance(config, str) else config
    cfg = cfg.with_(num_puzzles=len(tasks))
    torch.manual_seed(seed)
    model = TRM(cfg)
    with torch.no_grad():
        model.puzzle_emb.weight.normal_(std=puzzle_std)
    save_checkpoint(path, {
        "format": FORMAT, "config": cfg.to_dict(),
        "weights": {k: v.clone() for k, v in model.state_dict().items()},
        "puzzles": [f"{t}/d0" for t in tasks], "task_puzzle": {t: i for i, t in enumerate(tasks)},
        "meta": {"step": 0, "preset": config if isinstance(config, str) else None},
    })
    return cfg
