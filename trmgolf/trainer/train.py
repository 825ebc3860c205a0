"""Training: deep supervision with an ACT carry, stable-max loss, EMA, sign-SGD puzzles, DDP.

One optimiser step = one supervision step on a batch of slots. A slot keeps its example and
its (detached) z_H/z_L carry across steps until it halts (Q head, with exploration, or the
``halt_max_steps`` limit), then takes a fresh example: the official TRM's deep supervision.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from trmgolf.fsutil import write_atomic
from trmgolf.trainer.checkpoint import FORMAT, save_checkpoint
from trmgolf.trainer.config import TrainConfig, TRMConfig
from trmgolf.trainer.data import PuzzleSet
from trmgolf.trainer.evaluate import evaluate_examples
from trmgolf.trainer.inference import build_inference
from trmgolf.trainer.model import TRM, stablemax_cross_entropy

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class EMA:
    """``shadow = decay * shadow + (1 - decay) * param`` after every step (floats only)."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.shadow = {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for k, v in model.state_dict().items():
            if v.is_floating_point():
                self.shadow[k].lerp_(v.detach(), 1.0 - self.decay)
            else:
                self.shadow[k].copy_(v)


@torch.no_grad()
def sign_sgd_step(table: torch.Tensor, lr: float, weight_decay: float) -> None:
    """Official puzzle-embedding update: rows seen in the batch move by ``-lr*sign(grad)``
    with decoupled weight decay; unseen rows are untouched."""
    if table.grad is None:
        return
    rows = table.grad.abs().sum(dim=1) > 0
    update = table.grad[rows].sign() + weight_decay * table[rows]
    table[rows] -= lr * update
    table.grad = None


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warmup, then cosine down to ``lr_min_ratio * lr``."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps)
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return cfg.lr * (cfg.lr_min_ratio + (1 - cfg.lr_min_ratio) * cosine)


def halting(steps: torch.Tensor, q_halt: torch.Tensor, max_steps: int, explore_prob: float,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """Training halting: the step limit, or ``q_halt > 0`` once past a random exploration
    minimum (with probability ``explore_prob``, at least U{2..max_steps} steps)."""
    halted = steps >= max_steps
    if max_steps > 1:
        halted = halted | (q_halt > 0)
        rand = torch.rand(steps.shape, generator=generator).to(steps.device)
        low = torch.randint(2, max_steps + 1, steps.shape, generator=generator).to(steps.device)
        min_steps = (rand < explore_prob).long() * low
        halted = halted & (steps >= min_steps)
    return halted


@dataclass
class Carry:
    z_H: torch.Tensor
    z_L: torch.Tensor
    steps: torch.Tensor
    halted: torch.Tensor
    data: dict[str, torch.Tensor]


def new_carry(model: TRM, batch: dict[str, torch.Tensor]) -> Carry:
    b = batch["tokens"].shape[0]
    z_H, z_L = model.initial_state(b, torch.float32)
    steps = torch.zeros(b, dtype=torch.long, device=z_H.device)
    halted = torch.ones(b, dtype=torch.bool, device=z_H.device)
    return Carry(z_H, z_L, steps, halted, batch)


def refill(model: TRM, carry: Carry, fresh: dict[str, torch.Tensor]) -> Carry:
    """Halted slots take the fresh example and restart from the init state."""
    h = carry.halted
    z_H0, z_L0 = model.initial_state(h.shape[0], carry.z_H.dtype)
    return Carry(
        torch.where(h[:, None, None], z_H0, carry.z_H),
        torch.where(h[:, None, None], z_L0, carry.z_L),
        torch.where(h, 0, carry.steps),
        h,
        {k: torch.where(h.view(-1, *[1] * (v.dim() - 1)), fresh[k], v)
         for k, v in carry.data.items()},
    )


def carry_to_dict(carry: Carry) -> dict[str, Any]:
    """The carry as plain tensors, so a resumed run continues exactly."""
    return {"z_H": carry.z_H.cpu(), "z_L": carry.z_L.cpu(), "steps": carry.steps.cpu(),
            "halted": carry.halted.cpu(), "data": {k: v.cpu() for k, v in carry.data.items()}}


def carry_from_dict(raw: dict[str, Any], device: torch.device) -> Carry:
    return Carry(raw["z_H"].to(device), raw["z_L"].to(device), raw["steps"].to(device),
                 raw["halted"].to(device), {k: v.to(device) for k, v in raw["data"].items()})


@dataclass
class StepStats:
    loss: float
    lm_loss: float
    halt_loss: float
    exact: float  # fraction of halted slots whose whole canvas is right


def loss_terms(cfg: TRMConfig, tcfg: TrainConfig, logits: torch.Tensor, q_halt: torch.Tensor,
               labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    mask = None if cfg.loss_on_outside else labels > 0
    lm = stablemax_cross_entropy(logits, labels, mask).mean()
    right = logits.argmax(-1) == labels
    if mask is not None:
        right = right | ~mask
    seq_correct = right.all(-1)
    halt = F.binary_cross_entropy_with_logits(q_halt, seq_correct.float())
    return lm + tcfg.halt_loss_weight * halt, lm, halt, seq_correct


def train_step(model: nn.Module, core: TRM, carry: Carry, fresh: dict[str, torch.Tensor],
               optimizer: torch.optim.Optimizer, tcfg: TrainConfig, step: int,
               generator: torch.Generator | None = None) -> tuple[Carry, StepStats]:
    """One supervision step on every slot, one optimiser step, the new carry."""
    cfg = core.config
    carry = refill(core, carry, fresh)
    d = carry.data
    device = carry.z_H.device
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    with autocast:
        out = model(carry.z_H, carry.z_L, d["tokens"], d["puzzle_ids"])
    loss, lm, halt, seq_correct = loss_terms(cfg, tcfg, out.logits, out.q_halt, d["labels"])
    optimizer.zero_grad(set_to_none=True)
    core.puzzle_emb.weight.grad = None
    loss.backward()
    lr = lr_at(step, tcfg)
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.step()
    sign_sgd_step(core.puzzle_emb.weight, tcfg.puzzle_lr, tcfg.puzzle_weight_decay)
    with torch.no_grad():
        steps = carry.steps + 1
        halted = halting(steps, out.q_halt.detach(), cfg.halt_max_steps,
                         cfg.halt_exploration_prob, generator)
    done = halted if halted.any() else torch.ones_like(halted)
    exact = seq_correct[done].float().mean().item()
    stats = StepStats(loss.item(), lm.item(), halt.item(), exact)
    return Carry(out.z_H, out.z_L, steps, halted, d), stats


@dataclass
class RunSpec:
    """What one training run produces and records."""

    out: Path
    preset: str
    mode: str  # 'single', 'multi' or 'finetune'
    device: str = "cpu"
    resume: bool = False
    progress: bool = True
    eval_tasks: int = 4  # tasks measured at each evaluation in multi-task runs
    eval_limit: int | None = 128  # examples per split at intermediate evaluations
    plot: bool = True  # redraw the metrics plot at every evaluation (costs ~0.6 s each)
    # Wall-clock seconds of training (a resumed run counts its earlier time): the run stops
    # at the first step past it and writes its final checkpoint. None: no limit.
    budget_s: float | None = None


def _distributed() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def init_distributed(device: str) -> None:
    """Join a ``torchrun`` group when launched by it (gloo on CPU, nccl on GPU)."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device == "cuda" else "gloo")


def evaluate_puzzles(puzzles: PuzzleSet, cfg: TRMConfig, weights: dict[str, torch.Tensor],
                     task_indices: list[int], limit: int | None, device: str
                     ) -> dict[str, dict[str, float | None]]:
    """Exact match per task and split, through the inference module of each task."""
    out = {}
    for t in task_indices:
        split = puzzles.splits[t]
        module = build_inference(cfg, weights, puzzles.first_puzzle[t]).to(device)
        row: dict[str, float | None] = {}
        for name, examples in (("train", split.train), ("heldout", split.heldout),
                               ("test", split.test)):
            ex = examples[:limit] if limit else examples
            r = evaluate_examples(module, ex, name, device=device)
            row[name] = r.exact if r.total else None
        out[split.name] = row
    return out


def mean_of(results: dict[str, dict[str, float | None]], split: str) -> float | None:
    vals = [r[split] for r in results.values() if r.get(split) is not None]
    return float(np.mean(vals)) if vals else None


@contextlib.contextmanager
def progress_bar(total: int, start: int, enabled: bool) -> Iterator[Callable[..., None]]:
    if not enabled:
        yield lambda *_, **__: None
        return
    from trmgolf.progress import make_progress

    fields = "loss {task.fields[loss]:.4f}  em {task.fields[em]:.2f}  held-out {task.fields[held]}"
    with make_progress(fields) as bar:
        task = bar.add_task("train", total=total, completed=start, loss=0.0, em=0.0, held="-")
        yield lambda advance=1, **kw: bar.update(task, advance=advance, **kw)


@dataclass
class _Run:
    """What one training run carries from step to step (model, optimiser, EMA, ACT carry)."""

    puzzles: PuzzleSet
    cfg: TRMConfig
    tcfg: TrainConfig
    spec: RunSpec
    meta: dict[str, Any]
    core: TRM
    model: nn.Module  # ``core``, or its DDP wrapper
    optimizer: torch.optim.Optimizer
    ema: EMA
    metrics_path: Path
    eval_tasks: list[int]
    can_stop: bool  # early stopping needs every task measured on all its training examples
    start: int = 0
    wall_before: float = 0.0
    carry: Carry | None = None
    last_eval: dict[str, Any] = field(default_factory=dict)
    t0: float = 0.0
    step: int = 0  # optimiser steps done so far
    saved: int | None = None  # the step of the checkpoint now in ``spec.out`` from this run

    def wall(self) -> float:
        return self.wall_before + time.perf_counter() - self.t0


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training, saying what the checkpoint file holds. Still a KeyboardInterrupt,
    so code that treats a failed run as an outcome (``solve --trm-train``) does not swallow it."""


def interrupted_note(run: _Run) -> str:
    """What a Ctrl-C leaves: the step reached, and the step the checkpoint file holds."""
    if run.saved is None:
        return (f"interrupted at step {run.step}, before the first checkpoint (step "
                f"{min(run.tcfg.eval_every, run.tcfg.steps)}): nothing was saved")
    return (f"interrupted at step {run.step}: {run.spec.out} holds the run at step {run.saved}; "
            "rerun with --resume to continue")


def train(puzzles: PuzzleSet, cfg: TRMConfig, tcfg: TrainConfig, spec: RunSpec,
          init_weights: dict[str, torch.Tensor] | None = None,
          resume_state: dict[str, Any] | None = None, meta: dict[str, Any] | None = None
          ) -> dict[str, Any]:
    """Train and write the checkpoint; returns the final evaluation and timing."""
    rank, world = _distributed()
    run = _start_run(puzzles, cfg, tcfg, spec, init_weights, resume_state, meta or {}, rank, world)
    try:
        end = _run_steps(run, rank, world)
        if rank == 0:
            _snapshot(run, end, final=True)
    except KeyboardInterrupt:
        raise TrainingInterrupted(interrupted_note(run)) from None
    checksum = float(sum(p.detach().double().sum().item() for p in run.core.parameters()))
    return {**run.last_eval, "wall_s": run.wall(), "rank": rank, "world": world,
            "param_checksum": checksum, "planned_steps": tcfg.steps, "steps_done": end,
            "stopped_early": end < tcfg.steps}


def _start_run(puzzles: PuzzleSet, cfg: TRMConfig, tcfg: TrainConfig, spec: RunSpec,
               init_weights: dict[str, torch.Tensor] | None, resume_state: dict[str, Any] | None,
               meta: dict[str, Any], rank: int, world: int) -> _Run:
    """Seeded model (DDP-wrapped on several ranks), AdamW without the puzzle table, EMA, and
    the state of an interrupted run when resuming."""
    device = torch.device(spec.device)
    torch.manual_seed(tcfg.seed)
    core = TRM(cfg).to(device)
    if init_weights is not None:
        core.load_state_dict(init_weights)
    model: nn.Module = core
    if world > 1:
        model = nn.parallel.DistributedDataParallel(core, broadcast_buffers=False)
    params = [p for n, p in core.named_parameters() if n != "puzzle_emb.weight"]
    optimizer = torch.optim.AdamW(params, lr=tcfg.lr, betas=(0.9, 0.95),
                                  weight_decay=tcfg.weight_decay)
    eval_tasks = list(range(min(spec.eval_tasks, len(puzzles.splits))))
    run = _Run(puzzles, cfg, tcfg, spec, meta, core, model, optimizer, EMA(core, tcfg.ema_decay),
               metrics_path(spec.out), eval_tasks,
               can_stop=tcfg.stop_when_exact and len(eval_tasks) == len(puzzles.splits))
    if resume_state is not None:
        _resume(run, resume_state, device, world)
        run.step = run.saved = run.start
    if rank == 0 and run.start == 0 and run.metrics_path.exists():
        run.metrics_path.unlink()
    run.t0 = time.perf_counter()
    return run


def _resume(run: _Run, state: dict[str, Any], device: torch.device, world: int) -> None:
    run.core.load_state_dict(state["model"])
    run.optimizer.load_state_dict(state["optimizer"])
    run.ema.shadow = {k: v.to(device) for k, v in state["ema"].items()}
    run.start, run.wall_before = int(state["step"]), float(state["wall_s"])
    if state.get("carry") is not None and world == 1:
        run.carry = carry_from_dict(state["carry"], device)


def _run_steps(run: _Run, rank: int, world: int) -> int:
    """The optimiser steps from ``run.start``, with evaluations and early stopping; returns
    the step count the run ended at."""
    tcfg, device = run.tcfg, torch.device(run.spec.device)
    batch_per_rank = max(1, tcfg.batch_size // world)
    with progress_bar(tcfg.steps, run.start, run.spec.progress and rank == 0) as advance:
        for step in range(run.start, tcfg.steps):
            stats = _one_step(run, step, rank, batch_per_rank, device)
            run.step = step + 1
            row = {"step": step, "loss": stats.loss, "lm_loss": stats.lm_loss,
                   "halt_loss": stats.halt_loss, "exact": stats.exact, "lr": lr_at(step, tcfg)}
            if rank == 0 and (step % 10 == 0 or step == tcfg.steps - 1):
                write_metrics(run.metrics_path, row)
            done = step + 1
            if rank == 0 and done < tcfg.steps and done % tcfg.eval_every == 0:
                _snapshot(run, done, final=False)
            held = run.last_eval.get("heldout")
            advance(loss=stats.loss, em=stats.exact,
                    held="-" if held is None else f"{held:.2f}")
            if rank == 0 and world == 1 and run.spec.budget_s is not None \
                    and run.wall() >= run.spec.budget_s:
                advance(0, total=done, description=f"train: out of time at step {done}")
                if step % 10:
                    write_metrics(run.metrics_path, row)
                return done
            if run.can_stop and stop_early(tcfg, run.last_eval, done, device):
                # the bar would otherwise stop at done/steps with time "remaining"
                advance(0, total=done, description="train: stopped early")  # the note: once, after
                if rank == 0 and step % 10:
                    write_metrics(run.metrics_path, row)  # the last step is always logged
                return done
    return tcfg.steps


def early_stop_note(step: int, planned: int) -> str:
    """What a user reads when training ended before its planned steps."""
    return f"stopped early at step {step} of {planned}: every training example is exact"


def _one_step(run: _Run, step: int, rank: int, batch_per_rank: int, device: torch.device) -> StepStats:
    """A fresh batch (seeded by step and rank), one train_step, the EMA update."""
    tcfg = run.tcfg
    rng = np.random.default_rng([tcfg.seed, rank, step])
    gen = torch.Generator().manual_seed(tcfg.seed * 1_000_003 + step * 101 + rank)
    fresh = {k: v.to(device) for k, v in
             run.puzzles.batch(batch_per_rank, rng, tcfg.translate).items()}
    if run.carry is None:
        run.carry = new_carry(run.core, fresh)
    run.core.train()
    run.carry, stats = train_step(run.model, run.core, run.carry, fresh, run.optimizer, tcfg, step, gen)
    run.ema.update(run.core)
    return stats


def _snapshot(run: _Run, step: int, final: bool) -> None:
    """Evaluate the EMA weights, log the evaluation, write the checkpoint and the plot."""
    weights = {k: v.detach().cpu().clone() for k, v in run.ema.shadow.items()}
    limit = None if final or run.can_stop else run.spec.eval_limit
    evals = evaluate_puzzles(run.puzzles, run.cfg, weights, run.eval_tasks, limit, run.spec.device)
    run.last_eval = {"step": step, "tasks": evals,
                     **{s: mean_of(evals, s) for s in ("train", "heldout", "test")}}
    wall = run.wall()
    write_metrics(run.metrics_path, {"step": step, "eval": run.last_eval, "wall_s": wall})
    save_checkpoint(run.spec.out, _checkpoint(run, step, weights, wall, final))
    run.saved = step
    if run.spec.plot:
        plot_metrics(run.metrics_path, curves_path(run.spec.out), curves_title(run))


def _checkpoint(run: _Run, step: int, weights: dict[str, torch.Tensor], wall: float,
                final: bool) -> dict[str, Any]:
    """The checkpoint: EMA weights for inference, and the full state for resuming."""
    puzzles, spec = run.puzzles, run.spec
    return {
        "format": FORMAT, "config": run.cfg.to_dict(), "train_config": run.tcfg.to_dict(),
        "weights": weights, "puzzles": puzzles.puzzle_names,
        "task_puzzle": puzzles.task_puzzle,
        "meta": {**run.meta, "step": step, "preset": spec.preset, "mode": spec.mode,
                 "wall_s": wall, "canvas": list(puzzles.canvas),
                 "heldout_index": {s.name: s.heldout_index for s in puzzles.splits},
                 "eval": run.last_eval, "complete": final},
        "train_state": {"model": {k: v.detach().cpu() for k, v in run.core.state_dict().items()},
                        "optimizer": run.optimizer.state_dict(), "ema": weights,
                        "carry": None if run.carry is None else carry_to_dict(run.carry),
                        "step": step, "wall_s": wall},
    }


def stop_early(tcfg: TrainConfig, last_eval: dict[str, Any], done: int,
               device: torch.device) -> bool:
    """``stop_when_exact``: every task measured at this step's evaluation (all the run's tasks,
    on all their training examples) is exact on training (``train == 1.0``; held-out examples
    play no part). Under DDP rank 0 decides and every rank follows."""
    if done >= tcfg.steps or done % tcfg.eval_every:
        return False
    tasks = last_eval.get("tasks", {}) if last_eval.get("step") == done else {}
    stop = bool(tasks) and all(r.get("train") == 1.0 for r in tasks.values())
    rank, world = _distributed()
    if world > 1:
        flag = torch.tensor([float(stop and rank == 0)], device=device)
        dist.broadcast(flag, src=0)
        stop = bool(flag.item())
    return stop


def curves_path(out: Path) -> Path:
    """``run.pt`` -> ``run.curves.png``: a name no cost picture (``R.cost.png``) can take."""
    return out.with_suffix(".curves.png")


def metrics_path(out: Path) -> Path:
    """``run.pt`` -> ``run.metrics.jsonl``, the step-by-step log the curves are drawn from."""
    return out.with_suffix(".metrics.jsonl")


def curves_title(run: _Run) -> str:
    tasks = run.meta.get("tasks") or [s.name for s in run.puzzles.splits]
    shown = ", ".join(tasks[:3]) + (f" and {len(tasks) - 3} more" if len(tasks) > 3 else "")
    return f"{run.spec.out.name}: {run.spec.preset} TRM on {shown}"


def write_metrics(path: Path, row: dict[str, Any]) -> None:
    with open(path, "a") as f:
        f.write(json.dumps(row) + "\n")


#: One marker per evaluated split, hollow and of falling size, so equal values stay visible.
SPLIT_MARKERS = {"train": ("o", 9), "heldout": ("s", 6), "test": ("^", 4)}


def metrics_figure(rows: list[dict[str, Any]], title: str) -> Figure:
    """Loss (left) and exact match (right) against the step, under ``title``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train_rows = [r for r in rows if "loss" in r]
    eval_rows = [r for r in rows if "eval" in r]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    fig.suptitle(title)
    ax1.plot([r["step"] for r in train_rows], [r["loss"] for r in train_rows], label="loss")
    ax1.set_yscale("log")
    ax1.set_xlabel("step")
    ax1.set_title("training loss")
    ax1.legend()
    ax2.plot([r["step"] for r in train_rows], [r["exact"] for r in train_rows],
             label="batch exact", alpha=0.5)
    for split, (marker, size) in SPLIT_MARKERS.items():
        pts = [(r["step"], r["eval"][split]) for r in eval_rows
               if r["eval"].get(split) is not None]
        if pts:
            ax2.plot(*zip(*pts, strict=False), marker=marker, markersize=size, fillstyle="none",
                     label=f"{split} exact")
    ax2.set_ylim(-0.02, 1.02)
    ax2.set_xlabel("step")
    ax2.set_title("exact match")
    ax2.legend()
    fig.tight_layout()
    return fig


def plot_metrics(jsonl: Path, png: Path, title: str = "") -> None:
    """The curves of the metrics log as a PNG (written atomically)."""
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in jsonl.read_text().splitlines() if line.strip()]
    fig = metrics_figure(rows, title or png.stem)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    write_atomic(png, buffer.getvalue())
