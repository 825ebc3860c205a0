"""The Tiny Recursive Model: one shared network applied recursively, as in the official TRM.

Hidden states are ``[B, L, D]`` with ``L = puzzle_emb_len + canvas_h*canvas_w`` (row-major
canvas after the puzzle prefix). Every block is post-norm (weightless RMSNorm) with no
biases: ``h = rms(h + mixer(h)); h = rms(h + swiglu(h))``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from trmgolf.trainer.config import TRMConfig


def rms_norm(x: torch.Tensor, eps: float) -> torch.Tensor:
    """RMSNorm without a weight, computed in float32 like the official code."""
    dtype = x.dtype
    x = x.float()
    return (x * torch.rsqrt(x.square().mean(-1, keepdim=True) + eps)).to(dtype)


def trunc_normal_(t: torch.Tensor, std: float) -> torch.Tensor:
    return nn.init.trunc_normal_(t, std=std, a=-2 * std, b=2 * std)


def linear(fan_in: int, fan_out: int) -> nn.Linear:
    """A bias-free linear layer with LeCun truncated-normal init (std 1/sqrt(fan_in))."""
    layer = nn.Linear(fan_in, fan_out, bias=False)
    trunc_normal_(layer.weight.data, 1.0 / math.sqrt(fan_in))
    return layer


def rope_tables(seq_len: int, head_dim: int, base: float) -> tuple[torch.Tensor, torch.Tensor]:
    """cos/sin ``[L, head_dim]`` for 1-D RoPE over positions 0..L-1 (rotate-half layout)."""
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(seq_len, dtype=torch.float32), inv_freq)
    emb = torch.cat((angles, angles), dim=-1)
    return emb.cos(), emb.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """``x*cos + rotate_half(x)*sin`` where rotate_half([a, b]) = [-b, a] on the last dim."""
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos + rotated * sin


class Attention(nn.Module):
    """Non-causal multi-head attention with a fused qkv projection and 1-D RoPE."""

    def __init__(self, cfg: TRMConfig) -> None:
        super().__init__()
        self.heads = cfg.heads
        self.head_dim = cfg.hidden // cfg.heads
        self.qkv = linear(cfg.hidden, 3 * cfg.hidden)
        self.o = linear(cfg.hidden, cfg.hidden)
        cos, sin = rope_tables(cfg.seq_len, self.head_dim, cfg.rope_base)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        b, length, d = h.shape
        qkv = self.qkv(h).view(b, length, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        cos, sin = self.rope_cos.to(h.dtype), self.rope_sin.to(h.dtype)
        q, k, v = apply_rope(qkv[0], cos, sin), apply_rope(qkv[1], cos, sin), qkv[2]
        out = F.scaled_dot_product_attention(q, k, v, is_causal=False)
        return self.o(out.transpose(1, 2).reshape(b, length, d))


class ConvMixer(nn.Module):
    """A bias-free 3x3 convolution over the canvas (zero padding): a cheap local mixer."""

    def __init__(self, cfg: TRMConfig) -> None:
        super().__init__()
        self.h, self.w = cfg.canvas_h, cfg.canvas_w
        self.conv = nn.Conv2d(cfg.hidden, cfg.hidden, 3, padding=1, bias=False)
        trunc_normal_(self.conv.weight.data, 1.0 / math.sqrt(9 * cfg.hidden))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        b, length, d = h.shape
        grid = h.transpose(1, 2).reshape(b, d, self.h, self.w)
        return self.conv(grid).reshape(b, d, length).transpose(1, 2)


class SwiGLU(nn.Module):
    """``down(silu(gate) * up)`` with ``gate_up: D -> 2I`` (gate first, then up)."""

    def __init__(self, cfg: TRMConfig) -> None:
        super().__init__()
        self.gate_up = linear(cfg.hidden, 2 * cfg.intermediate)
        self.down = linear(cfg.intermediate, cfg.hidden)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        gate, up = self.gate_up(h).chunk(2, dim=-1)
        return self.down(F.silu(gate) * up)


class Block(nn.Module):
    def __init__(self, cfg: TRMConfig) -> None:
        super().__init__()
        self.eps = cfg.norm_eps
        self.mixer: nn.Module = Attention(cfg) if cfg.mixer == "attention" else ConvMixer(cfg)
        self.mlp = SwiGLU(cfg)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        h = rms_norm(h + self.mixer(h), self.eps)
        return rms_norm(h + self.mlp(h), self.eps)


@dataclass
class StepOutput:
    z_H: torch.Tensor  # detached carry
    z_L: torch.Tensor
    logits: torch.Tensor  # [B, canvas cells, num_classes]
    q_halt: torch.Tensor  # [B]


class TRM(nn.Module):
    """The recursive core. ``net_calls`` counts net applications (for tests and benchmarks)."""

    def __init__(self, cfg: TRMConfig) -> None:
        super().__init__()
        self.config = cfg
        d = cfg.hidden
        self.embed_scale = math.sqrt(d)
        self.embed_tokens = nn.Embedding(cfg.num_classes, d)
        trunc_normal_(self.embed_tokens.weight.data, 1.0 / self.embed_scale)
        self.puzzle_emb = nn.Embedding(cfg.num_puzzles, d)
        nn.init.zeros_(self.puzzle_emb.weight)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.lm_head = linear(d, cfg.num_classes)
        self.q_head = nn.Linear(d, 2, bias=True)  # [halt, continue]; only halt is used
        nn.init.zeros_(self.q_head.weight)
        nn.init.constant_(self.q_head.bias, -5.0)
        self.register_buffer("H_init", trunc_normal_(torch.empty(d), 1.0))
        self.register_buffer("L_init", trunc_normal_(torch.empty(d), 1.0))
        self.net_calls = 0
        self.grad_net_calls = 0

    def net(self, h: torch.Tensor, injection: torch.Tensor) -> torch.Tensor:
        self.net_calls += 1
        self.grad_net_calls += int(torch.is_grad_enabled())
        h = h + injection
        for block in self.blocks:
            h = block(h)
        return h

    def embed(self, tokens: torch.Tensor, puzzle: torch.Tensor) -> torch.Tensor:
        """Tokens ``[B, cells]`` and puzzle vectors ``[B, D]`` -> input embedding ``[B, L, D]``."""
        emb = self.embed_tokens(tokens)
        p = self.config.puzzle_emb_len
        if p == 0:
            emb = emb + puzzle[:, None, :]
        else:
            prefix = puzzle.new_zeros(puzzle.shape[0], p, puzzle.shape[1])
            prefix[:, 0] = puzzle
            emb = torch.cat((prefix, emb), dim=1)
        return self.embed_scale * emb

    def initial_state(self, batch: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        shape = (batch, self.config.seq_len, self.config.hidden)
        return self.H_init.to(dtype).expand(shape), self.L_init.to(dtype).expand(shape)

    def cycle(self, z_H: torch.Tensor, z_L: torch.Tensor, x: torch.Tensor
              ) -> tuple[torch.Tensor, torch.Tensor]:
        for _ in range(self.config.L_cycles):
            z_L = self.net(z_L, z_H + x)
        return self.net(z_H, z_L), z_L

    def recurse(self, z_H: torch.Tensor, z_L: torch.Tensor, x: torch.Tensor,
                cycle: Callable[..., tuple[torch.Tensor, torch.Tensor]] | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """One supervision step: T-1 cycles without gradient, then one with."""
        cycle = cycle or self.cycle
        with torch.no_grad():
            for _ in range(self.config.H_cycles - 1):
                z_H, z_L = cycle(z_H, z_L, x)
        return cycle(z_H, z_L, x)

    def heads(self, z_H: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.config.puzzle_emb_len
        logits = self.lm_head(z_H[:, p:]).float()
        pooled = z_H[:, 0] if p else z_H.mean(dim=1)
        return logits, self.q_head(pooled).float()[:, 0]

    def step(self, z_H: torch.Tensor, z_L: torch.Tensor, tokens: torch.Tensor,
             puzzle_ids: torch.Tensor) -> StepOutput:
        """One supervision step of training (ACT): returns the detached carry and the heads."""
        x = self.embed(tokens, self.puzzle_emb(puzzle_ids))
        z_H, z_L = self.recurse(z_H, z_L, x)
        logits, q_halt = self.heads(z_H)
        return StepOutput(z_H.detach(), z_L.detach(), logits, q_halt)

    def forward(self, z_H: torch.Tensor, z_L: torch.Tensor, tokens: torch.Tensor,
                puzzle_ids: torch.Tensor) -> StepOutput:
        return self.step(z_H, z_L, tokens, puzzle_ids)

    def predict_logits(self, tokens: torch.Tensor, puzzle: torch.Tensor) -> torch.Tensor:
        """Inference: ``sup_steps`` supervision steps from the init state; logits of the last."""
        x = self.embed(tokens, puzzle)
        z_H, z_L = self.initial_state(tokens.shape[0], x.dtype)
        for _ in range(self.config.sup_steps):
            for _ in range(self.config.H_cycles):
                z_H, z_L = self.cycle(z_H, z_L, x)
        return self.heads(z_H)[0]


def stablemax(x: torch.Tensor) -> torch.Tensor:
    """s(x) = 1/(1-x) for x < 0, x + 1 otherwise."""
    return torch.where(x < 0, 1 / (1 - x), x + 1)


def stablemax_cross_entropy(logits: torch.Tensor, labels: torch.Tensor,
                            mask: torch.Tensor | None = None) -> torch.Tensor:
    """Per-sample mean over cells of ``-log(s(x_y) / sum_k s(x_k))``, in float64."""
    s = stablemax(logits.double())
    logp = torch.log(s / s.sum(-1, keepdim=True))
    nll = -logp.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    if mask is None:
        return nll.mean(-1)
    m = mask.double()
    return (nll * m).sum(-1) / m.sum(-1).clamp_min(1)


def count_parameters(model: nn.Module, include_puzzle: bool = False) -> int:
    return sum(p.numel() for n, p in model.named_parameters()
               if include_puzzle or "puzzle_emb" not in n)
