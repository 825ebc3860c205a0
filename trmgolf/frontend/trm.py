"""TRM checkpoint -> trmgolf IR of its NeuroGolf inference (``trmgolf.trainer`` contract).

The graph is built from the documented forward, step by step: slice the input to the
canvas; embed the one-hot cells as one linear map (``E[token] = E[0] + sum_c x_c (E[c+1] -
E[0])``, scale sqrt(D) folded into the table, the task's puzzle vector a constant);
unroll ``sup_steps x H_cycles x (L_cycles + 1)`` net calls; decode the class head into
the NeuroGolf answer. Every net call is a region ``step{s}/cycle{c}/L{k}`` or ``.../H``
with sub-regions ``block{i}`` so cost reports show where the bytes go. Attention models
keep the hidden state as tokens ``[1, L, D]``; conv models as an image ``[1, D, h, w]``
(NCHW: the 3x3 conv needs no transposes).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from trmgolf.frontend.crop_canvas import check_fits, crop_canvas
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.tasks import Task, load_task
from trmgolf.trainer.inference import TRMInference, load_model


@dataclass
class Source:
    """What a compile starts from: the PyTorch module (possibly cropped) and the task."""

    module: TRMInference
    task: Task | None
    cropped: bool = False


def load_source(ckpt_path: str | os.PathLike[str], task: str | int | None = None,
                data: str | os.PathLike[str] | None = None, *, crop: bool = False,
                need_task: bool = False) -> Source:
    """Load the checkpoint's inference module for ``task`` and, when needed, the task file."""
    # The task file first: a missing or malformed one is reported as such, not as a task
    # the checkpoint lacks.
    loaded = load_task(task, data) if task is not None and (crop or need_task or _is_path(task)) else None
    module = load_model(ckpt_path, task)
    if loaded is not None:
        check_fits(module, loaded)
    if crop:
        if loaded is None:
            from trmgolf.errors import UserError

            raise UserError("--crop needs a task (--task N) and its data (--data DIR)")
        cropped = crop_canvas(module, loaded)
        return Source(cropped, loaded, cropped is not module)
    return Source(module, loaded)


def _is_path(task: str | int) -> bool:
    return str(task).endswith(".json") or os.sep in str(task)


def _weights(module: TRMInference) -> dict[str, np.ndarray]:
    return {k: v.detach().float().numpy().copy() for k, v in module.net.state_dict().items()}


def build_graph(module: TRMInference) -> Graph:
    """The IR of ``module.forward`` on one NeuroGolf input (batch 1)."""
    cfg = module.config
    w = _weights(module)
    b = Builder()
    tokens = cfg.mixer == "attention"
    ch, cw = cfg.canvas_h, cfg.canvas_w
    d = cfg.hidden
    scale = math.sqrt(d)

    with b.region("embed"):
        x = b.input
        if (ch, cw) != (30, 30):
            x = b.op("slice", x, starts=(0, 0), ends=(ch, cw), axes=(2, 3))
        table = b.const(w["embed_tokens.weight"])  # [11, D]
        row0 = b.op("slice", table, starts=(0,), ends=(1,), axes=(0,))
        rest = b.op("slice", table, starts=(1,), ends=(11,), axes=(0,))
        delta = b.op("mul", b.op("sub", rest, row0), scale)
        puzzle = b.const(w["puzzle_emb.weight"][0])
        base_vec = b.op("reshape", row0, shape=(d,))
        if not tokens:
            base_vec = b.op("add", base_vec, puzzle)
        base = b.op("mul", base_vec, scale)
        emb = b.op("onehot_embed", x, delta, base, layout="tokens" if tokens else "nchw")
        if tokens:
            prefix = np.zeros((1, cfg.puzzle_emb_len, d), np.float32)
            prefix[0, 0] = w["puzzle_emb.weight"][0]
            emb = b.op("concat", b.op("mul", b.const(prefix), scale), emb, axis=1)
    shape = (d,) if tokens else (d, 1, 1)
    z_h: Value = b.const(w["H_init"].reshape(shape))
    z_l: Value = b.const(w["L_init"].reshape(shape))
    blocks = _block_weights(b, w, cfg)
    cos = sin = None
    if tokens:
        mixer = module.net.blocks[0].mixer
        cos = b.const(mixer.rope_cos.numpy())
        sin = b.const(mixer.rope_sin.numpy())

    def net(h: Value, inj: Value, region: str) -> Value:
        with b.region(region):
            h = b.op("add", h, inj)
            for i, bw in enumerate(blocks):
                with b.region(f"block{i}"):
                    if tokens:
                        m = b.op("attention", h, bw["q"], bw["k"], bw["v"], bw["o"], cos, sin,
                                 heads=cfg.heads)
                    else:
                        m = b.op("conv2d", h, bw["conv"], pads=(1, 1, 1, 1))
                    axis = 2 if tokens else 1
                    h = b.op("rms_norm", b.op("add", h, m), axis=axis, eps=cfg.norm_eps)
                    g = b.op("swiglu", h, bw["gate"], bw["up"], bw["down"], axis=axis)
                    h = b.op("rms_norm", b.op("add", h, g), axis=axis, eps=cfg.norm_eps)
        return h

    for s in range(cfg.sup_steps):
        for c in range(cfg.H_cycles):
            cycle = f"step{s}/cycle{c}"
            with b.region(cycle):
                inj = b.op("add", z_h, emb)
            for k in range(cfg.L_cycles):
                z_l = net(z_l, inj, f"{cycle}/L{k}")
            z_h = net(z_h, z_l, f"{cycle}/H")
    with b.region("decode"):
        out = b.op("argmax_decode", z_h, b.const(w["lm_head.weight"]),
                   layout="tokens" if tokens else "nchw", canvas=(ch, cw),
                   prefix=cfg.puzzle_emb_len if tokens else 0)
    return b.finish(out)


def _block_weights(b: Builder, w: dict[str, np.ndarray], cfg) -> list[dict[str, Value]]:
    """One constant per weight, shared by every unrolled call of the net."""
    d, inter = cfg.hidden, cfg.intermediate
    out = []
    for i in range(cfg.layers):
        p = f"blocks.{i}."
        bw: dict[str, Value] = {}
        if cfg.mixer == "attention":
            qkv = w[p + "mixer.qkv.weight"]
            bw.update(q=b.const(qkv[:d]), k=b.const(qkv[d:2 * d]), v=b.const(qkv[2 * d:]),
                      o=b.const(w[p + "mixer.o.weight"]))
        else:
            bw["conv"] = b.const(w[p + "mixer.conv.weight"])
        gu = w[p + "mlp.gate_up.weight"]
        bw.update(gate=b.const(gu[:inter]), up=b.const(gu[inter:]),
                  down=b.const(w[p + "mlp.down.weight"]))
        out.append(bw)
    return out


def trm_graph(ckpt_path: str | os.PathLike[str], task: str | int | None = None,
              data: str | os.PathLike[str] | None = None, *, crop: bool = False) -> Graph:
    """The IR of a checkpoint's inference for ``task`` (before any pass)."""
    return build_graph(load_source(ckpt_path, task, data, crop=crop).module)
