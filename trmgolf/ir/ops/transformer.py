"""Composite transformer ops of the TRM front end, each one IR node with several lowerings.

Keeping a whole sub-network (an attention mixer, a SwiGLU) as one node lets the kernel
selector see every way to write it in ONNX at once: fused opset-23/24 operators, Einsums
that contract several operands without materialising intermediates, or plain
decompositions for old opsets. Weights are constant inputs (so passes share and fold
them); the numpy references below are the semantics every lowering must reproduce.

Layouts: ``tokens`` = ``[1, L, D]`` (channel axis 2), ``nchw`` = ``[1, D, h, w]`` (axis 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.ops.infer import normalize_axis, require_float, same_dtype
from trmgolf.ir.registry import IRTypeError, register
from trmgolf.ir.types import TensorType

LAYOUTS = ("tokens", "nchw")


def _f64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


# --------------------------------------------------------------------------- rms_norm


def _rms_norm(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    require_float(types, "rms_norm")
    normalize_axis(attrs["axis"], types[0].rank)
    return [types[0]]


@register("rms_norm", infer=_rms_norm)
def rms_norm(x, *, axis, eps):
    """``x / sqrt(mean(x^2, axis) + eps)``, weightless (TRM's post-norm)."""
    x64 = _f64(x)
    return (x64 / np.sqrt(np.mean(x64 * x64, axis=axis, keepdims=True) + eps)).astype(x.dtype)


# --------------------------------------------------------------------------- attention


def _attention(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    h, wq, wk, wv, wo, cos, sin = types
    same_dtype(types, "attention")
    if h.rank != 3 or h.shape[0] != 1:
        raise IRTypeError(f"attention: hidden state must be [1, L, D], got {h}")
    _, length, d = h.shape
    heads = attrs["heads"]
    if d % heads or (d // heads) % 2:
        raise IRTypeError(f"attention: {d} dims do not split into {heads} even heads")
    for w in (wq, wk, wv, wo):
        if w.shape != (d, d):
            raise IRTypeError(f"attention: projection weights must be [{d}, {d}], got {w}")
    if cos.shape != (length, d // heads) or sin.shape != cos.shape:
        raise IRTypeError(f"attention: RoPE tables must be [{length}, {d // heads}]")
    return [h]


def rotate_half(x: np.ndarray) -> np.ndarray:
    """``[a, b] -> [-b, a]`` on the last axis (RoPE's rotate-half layout)."""
    half = x.shape[-1] // 2
    return np.concatenate((-x[..., half:], x[..., :half]), axis=-1)


@register("attention", infer=_attention, arity=7)
def attention(h, wq, wk, wv, wo, cos, sin, *, heads, residual=0):
    """Non-causal multi-head self-attention with 1-D RoPE: ``o(softmax(q k^T / sqrt(hd)) v)``,
    plus ``h`` itself when ``residual`` (set by the ``fuse_residual`` pass).

    ``w*`` are ``Linear`` weights ``[out, in]``; head ``i`` owns rows ``i*hd .. (i+1)*hd``.
    """
    x = _f64(h[0])
    length, d = x.shape
    hd = d // heads

    def split(w: np.ndarray) -> np.ndarray:
        return (x @ _f64(w).T).reshape(length, heads, hd).transpose(1, 0, 2)

    c, s = _f64(cos), _f64(sin)
    q, k, v = split(wq), split(wk), split(wv)
    q, k = q * c + rotate_half(q) * s, k * c + rotate_half(k) * s
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
    p = np.exp(scores - scores.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    y = (p @ v).transpose(1, 0, 2).reshape(length, d)
    out = y @ _f64(wo).T + (x if residual else 0.0)
    return out[None].astype(h.dtype)


# --------------------------------------------------------------------------- swiglu


def _swiglu(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    h, wg, wu, wd = types
    same_dtype(types, "swiglu")
    axis = normalize_axis(attrs["axis"], h.rank)
    d = h.shape[axis]
    inter = wg.shape[0]
    if wg.shape != (inter, d) or wu.shape != (inter, d) or wd.shape != (d, inter):
        raise IRTypeError(f"swiglu: weights {wg}, {wu}, {wd} do not fit {d} channels")
    return [h]


@register("swiglu", infer=_swiglu, arity=4)
def swiglu(h, wg, wu, wd, *, axis):
    """``down(silu(gate(h)) * up(h))`` along the channel ``axis`` (bias-free)."""
    x = np.moveaxis(_f64(h), axis, -1)
    g, u = x @ _f64(wg).T, x @ _f64(wu).T
    out = (g / (1.0 + np.exp(-g)) * u) @ _f64(wd).T
    return np.moveaxis(out, -1, axis).astype(h.dtype)


# --------------------------------------------------------------------------- embedding


def _embed(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x, delta, base = types
    same_dtype(types, "onehot_embed")
    layout = attrs["layout"]
    if layout not in LAYOUTS:
        raise IRTypeError(f"onehot_embed: layout must be one of {LAYOUTS}")
    if x.rank != 4 or x.shape[0] != 1:
        raise IRTypeError(f"onehot_embed: input must be [1, C, h, w], got {x}")
    c, d = delta.shape
    if c != x.shape[1] or base.shape != (d,):
        raise IRTypeError(f"onehot_embed: table {delta} / base {base} do not fit {x}")
    _, _, hh, ww = x.shape
    shape = (1, hh * ww, d) if layout == "tokens" else (1, d, hh, ww)
    return [TensorType(x.dtype, shape)]


@register("onehot_embed", infer=_embed, arity=3)
def onehot_embed(x, delta, base, *, layout):
    """``base + sum_c x[c] * delta[c]``: a table lookup of one-hot (or empty) cells as a linear map.

    With ``delta = E[1:] - E[0]`` and ``base = E[0]`` it equals ``E[token]`` where the
    token of an all-zero cell is 0 ("outside").
    """
    e = np.einsum("bchw,cd->bhwd", _f64(x), _f64(delta)) + _f64(base)
    if layout == "tokens":
        e = e.reshape(1, -1, e.shape[-1])
    else:
        e = e.transpose(0, 3, 1, 2)
    return e.astype(x.dtype)


# --------------------------------------------------------------------------- decode


def _decode(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    z, w = types
    same_dtype(types, "argmax_decode")
    layout, prefix = attrs["layout"], attrs.get("prefix", 0)
    ch, cw = attrs["canvas"]
    size = attrs.get("size", 30)
    if layout == "tokens":
        ok = z.rank == 3 and z.shape[1] == prefix + ch * cw
        d = z.shape[-1]
    else:
        ok = z.rank == 4 and z.shape[2:] == (ch, cw) and prefix == 0
        d = z.shape[1]
    if not ok or w.shape[1] != d or w.shape[0] < 2 or ch > size or cw > size:
        raise IRTypeError(f"argmax_decode: {z} / head {w} do not fit canvas {ch}x{cw}")
    return [TensorType("float32", (1, w.shape[0] - 1, size, size))]


@register("argmax_decode", infer=_decode, arity=2)
def argmax_decode(z, w, *, layout, canvas, prefix=0, size=30):
    """The NeuroGolf answer of a class head: channel c is 1 where class c+1 is the argmax of
    ``w @ z`` over all classes (class 0 = "outside"), else 0; 0 beyond the canvas."""
    ch, cw = canvas
    x = _f64(z)
    x = x[0, prefix:].reshape(ch, cw, -1) if layout == "tokens" else x[0].transpose(1, 2, 0)
    logits = x @ _f64(w).T  # [h, w, K]
    hit = logits >= logits.max(-1, keepdims=True)
    out = np.zeros((1, w.shape[0] - 1, size, size), np.float32)
    out[0, :, :ch, :cw] = hit[..., 1:].transpose(2, 0, 1)
    return out
