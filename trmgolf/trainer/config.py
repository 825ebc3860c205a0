"""The model and training configurations, and the named presets.

A checkpoint stores both configurations as plain dicts, so everything a
compiler needs to rebuild the forward pass is a named field here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from trmgolf.errors import UserError

NUM_CLASSES = 11  # class 0 = outside the grid, classes 1..10 = colours 0..9
MIXERS = ("attention", "conv")


def ffn_width(hidden: int, expansion: float, multiple: int) -> int:
    """SwiGLU width as in the official TRM: round(expansion*D*2/3) up to a multiple."""
    raw = round(expansion * hidden * 2 / 3)
    return -(-raw // multiple) * multiple


@dataclass(frozen=True)
class TRMConfig:
    """Every size of the network. Field names are part of the checkpoint contract."""

    hidden: int = 64  # D
    heads: int = 4
    expansion: float = 4.0
    intermediate: int = 256  # I, SwiGLU width (gate_up: D -> 2I, down: I -> D)
    layers: int = 2
    H_cycles: int = 3  # T
    L_cycles: int = 4  # n
    puzzle_emb_len: int = 16  # prefix positions (attention mixer only; 0 for conv)
    canvas_h: int = 30
    canvas_w: int = 30
    mixer: str = "attention"  # 'attention' (RoPE, non-causal) or 'conv' (3x3 over the grid)
    rope_base: float = 10000.0
    norm_eps: float = 1e-5
    sup_steps: int = 1  # supervision steps run at inference
    halt_max_steps: int = 1  # ACT limit in training
    halt_exploration_prob: float = 0.1
    num_classes: int = NUM_CLASSES  # vocabulary of inputs and outputs
    num_puzzles: int = 1  # rows of the puzzle-embedding table
    loss_on_outside: bool = True  # NeuroGolf: the loss covers the 'outside' cells too

    def __post_init__(self) -> None:
        problems = []
        if self.mixer not in MIXERS:
            problems.append(f"mixer must be one of {', '.join(MIXERS)}, got {self.mixer!r}")
        if self.mixer == "attention" and (self.heads < 1 or self.hidden % self.heads):
            problems.append(f"hidden {self.hidden} is not divisible by heads {self.heads}")
        if self.mixer == "attention" and (self.hidden // max(self.heads, 1)) % 2:
            problems.append("the head dimension must be even for RoPE")
        if self.mixer == "conv" and self.puzzle_emb_len != 0:
            problems.append("the conv mixer takes puzzle_emb_len 0 (the puzzle vector is added)")
        if self.mixer == "attention" and self.puzzle_emb_len < 1:
            problems.append("the attention mixer needs puzzle_emb_len >= 1")
        if not (1 <= self.canvas_h <= 30 and 1 <= self.canvas_w <= 30):
            problems.append(f"canvas {self.canvas_h}x{self.canvas_w} is not within 30x30")
        small = ("hidden", "layers", "H_cycles", "L_cycles", "sup_steps", "halt_max_steps")
        for name in small:
            if getattr(self, name) < 1:
                problems.append(f"{name} must be >= 1")
        if self.num_classes != NUM_CLASSES:
            problems.append(f"num_classes must be {NUM_CLASSES}")
        if problems:
            raise UserError("invalid model config: " + "; ".join(problems))

    @property
    def seq_len(self) -> int:
        return self.puzzle_emb_len + self.canvas_h * self.canvas_w

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TRMConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise UserError(f"checkpoint config has unknown fields: {', '.join(sorted(unknown))}")
        return cls(**raw)

    def with_(self, **changes: Any) -> TRMConfig:
        return replace(self, **changes)


@dataclass(frozen=True)
class TrainConfig:
    """How to train: optimiser, schedule, batch and augmentation."""

    steps: int = 2000
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.1
    warmup_steps: int = 100
    lr_min_ratio: float = 1.0  # cosine decay floor after warmup (1.0 = constant, official)
    puzzle_lr: float = 1e-2  # sign-SGD on the puzzle embeddings
    puzzle_weight_decay: float = 0.1
    ema_decay: float = 0.999
    halt_loss_weight: float = 0.5
    augmentations: int = 8  # variants per task (identity first), dihedral x colour perms
    translate: bool = False  # random translation on the canvas (inference is top-left)
    heldout_fraction: float = 0.25  # of arc-gen, kept out of training
    eval_every: int = 200
    # Stop at an evaluation once every training example (all of them, on the EMA weights that
    # the checkpoint holds) is an exact match; held-out examples are never consulted.
    stop_when_exact: bool = False
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})


@dataclass(frozen=True)
class Preset:
    model: TRMConfig
    train: TrainConfig
    crop: bool  # shrink the canvas to the task's largest grid


PRESETS: dict[str, Preset] = {
    # Learns small local/colour/flip rules on 2 CPU cores in minutes: conv mixer, cropped canvas;
    # stops at the first evaluation (every 250 steps) where every training example is exact.
    "tiny": Preset(
        TRMConfig(hidden=32, heads=1, expansion=2.0, intermediate=48, layers=2, H_cycles=2,
                  L_cycles=2, puzzle_emb_len=0, mixer="conv", sup_steps=2, halt_max_steps=2),
        TrainConfig(steps=3000, batch_size=32, lr=2e-3, warmup_steps=50, lr_min_ratio=0.1,
                    ema_decay=0.99, augmentations=8, eval_every=250, stop_when_exact=True),
        crop=True,
    ),
    # Whole-grid rules the conv mixer cannot place (rotations, transposes of small grids): the
    # "small" attention TRM (RoPE gives positions), stopping early like "tiny".
    "tiny-attn": Preset(
        TRMConfig(hidden=64, heads=4, expansion=2.0, intermediate=128, layers=2, H_cycles=2,
                  L_cycles=3, puzzle_emb_len=1, mixer="attention", sup_steps=2,
                  halt_max_steps=4),
        TrainConfig(steps=4000, batch_size=32, lr=1e-3, warmup_steps=200, ema_decay=0.995,
                    augmentations=32, eval_every=250, stop_when_exact=True),
        crop=True,
    ),
    # A small attention TRM on a cropped canvas.
    "small": Preset(
        TRMConfig(hidden=64, heads=4, expansion=2.0, intermediate=128, layers=2, H_cycles=2,
                  L_cycles=3, puzzle_emb_len=1, mixer="attention", sup_steps=2,
                  halt_max_steps=4),
        TrainConfig(steps=4000, batch_size=32, lr=1e-3, warmup_steps=200, ema_decay=0.995,
                    augmentations=32, eval_every=500),
        crop=True,
    ),
    # What the compiler benchmarks: D=64, 4 heads, I=256, 2 layers, T=3, n=4, 1 step, 30x30.
    "reference": Preset(
        TRMConfig(hidden=64, heads=4, expansion=4.0, intermediate=ffn_width(64, 4.0, 256),
                  layers=2, H_cycles=3, L_cycles=4, puzzle_emb_len=16, mixer="attention",
                  sup_steps=1, halt_max_steps=1),
        TrainConfig(steps=20000, batch_size=64, lr=1e-4, warmup_steps=2000, ema_decay=0.999,
                    augmentations=1000, eval_every=1000),
        crop=False,
    ),
}


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise UserError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})")
    return PRESETS[name]
