"""Training throughput of the trainer per preset, and its speed-up over a straightforward loop.

The straightforward loop computes the same gradients the plain way: one sample at a time,
every recursion cycle recorded by autograd and detached before the last one, attention
written out by hand. The trainer batches samples, runs the T-1 gradient-free cycles under
``torch.no_grad`` and uses fused scaled-dot-product attention.

    python bench/train_throughput.py [--steps 3] [--threads 1] [--presets tiny,small]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from trmgolf.trainer.config import TrainConfig, TRMConfig, get_preset
from trmgolf.trainer.model import TRM, Attention, apply_rope, stablemax_cross_entropy
from trmgolf.trainer.train import new_carry, train_step


def synthetic_batch(cfg: TRMConfig, size: int, seed: int) -> dict[str, torch.Tensor]:
    rng = np.random.default_rng(seed)
    cells = cfg.canvas_h * cfg.canvas_w
    return {"tokens": torch.from_numpy(rng.integers(0, 11, (size, cells))),
            "labels": torch.from_numpy(rng.integers(0, 11, (size, cells))),
            "puzzle_ids": torch.from_numpy(rng.integers(0, cfg.num_puzzles, size))}


def trainer_rate(cfg: TRMConfig, tcfg: TrainConfig, batch: int, steps: int) -> float:
    torch.manual_seed(0)
    core = TRM(cfg)
    params = [p for n, p in core.named_parameters() if n != "puzzle_emb.weight"]
    opt = torch.optim.AdamW(params, lr=tcfg.lr)
    data = synthetic_batch(cfg, batch, 0)
    carry = new_carry(core, data)
    carry, _ = train_step(core, core, carry, data, opt, tcfg, 0)  # warm-up
    start = time.perf_counter()
    for step in range(steps):
        carry, _ = train_step(core, core, carry, synthetic_batch(cfg, batch, step), opt, tcfg,
                              step)
    return batch * steps / (time.perf_counter() - start)


def manual_attention(self: Attention, h: torch.Tensor) -> torch.Tensor:
    b, length, d = h.shape
    qkv = self.qkv(h).view(b, length, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
    q = apply_rope(qkv[0], self.rope_cos, self.rope_sin)
    k = apply_rope(qkv[1], self.rope_cos, self.rope_sin)
    scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim)
    out = torch.softmax(scores, dim=-1) @ qkv[2]
    return self.o(out.transpose(1, 2).reshape(b, length, d))


def straightforward_rate(cfg: TRMConfig, tcfg: TrainConfig, batch: int, steps: int) -> float:
    """Per-sample loop, all cycles through autograd (detached before the last), no SDPA."""
    torch.manual_seed(0)
    core = TRM(cfg)
    for block in core.blocks:
        if isinstance(block.mixer, Attention):
            block.mixer.forward = manual_attention.__get__(block.mixer)  # type: ignore[method-assign]
    opt = torch.optim.AdamW(core.parameters(), lr=tcfg.lr)

    def one_step(data: dict[str, torch.Tensor]) -> None:
        opt.zero_grad()
        for i in range(batch):
            x = core.embed(data["tokens"][i : i + 1], core.puzzle_emb(data["puzzle_ids"][i : i + 1]))
            z_H, z_L = core.initial_state(1, x.dtype)
            for cycle in range(cfg.H_cycles):
                if cycle == cfg.H_cycles - 1:
                    z_H, z_L = z_H.detach(), z_L.detach()
                z_H, z_L = core.cycle(z_H, z_L, x)
            logits, q = core.heads(z_H)
            labels = data["labels"][i : i + 1]
            loss = stablemax_cross_entropy(logits, labels).mean()
            correct = (logits.argmax(-1) == labels).all(-1).float()
            loss = loss + 0.5 * F.binary_cross_entropy_with_logits(q, correct)
            (loss / batch).backward()
        opt.step()

    one_step(synthetic_batch(cfg, batch, 0))
    start = time.perf_counter()
    for step in range(steps):
        one_step(synthetic_batch(cfg, batch, step))
    return batch * steps / (time.perf_counter() - start)


BENCH_SHAPES = {  # (canvas, batch) per preset: a small-grid task, or the full canvas
    "tiny": ((10, 10), 32),
    "small": ((10, 10), 16),
    "reference": ((30, 30), 4),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--presets", default="tiny,small,reference")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{'preset':<10} {'canvas':<7} {'batch':>5} {'trainer/s':>10} {'plain/s':>9} "
          f"{'speed-up':>8}")
    for name in args.presets.split(","):
        preset = get_preset(name)
        (h, w), batch = BENCH_SHAPES[name]
        cfg = preset.model.with_(canvas_h=h, canvas_w=w, num_puzzles=8)
        fast = trainer_rate(cfg, preset.train, batch, args.steps)
        plain = straightforward_rate(cfg, preset.train, batch, max(1, args.steps // 2))
        print(f"{name:<10} {h}x{w:<5} {batch:>5} {fast:>10.1f} {plain:>9.1f} "
              f"{fast / plain:>7.1f}x", flush=True)


if __name__ == "__main__":
    main()
