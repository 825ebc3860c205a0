"""Attention of the TRM front end: multi-head self-attention with 1-D RoPE as one IR node.

Keeping the whole mixer as one node lets the kernel selector see every way to write it
in ONNX at once: the fused opset-23 ``Attention`` and ``RotaryEmbedding``, Einsums that
contract several operands without materialising intermediates, or plain decompositions
for old opsets. Weights and RoPE tables are constant inputs (so passes share and fold
them); the numpy reference below is the semantics every lowering must reproduce.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.ops.infer import same_dtype
from trmgolf.ir.registry import Attr, IRTypeError, register
from trmgolf.ir.types import TensorType


def _f64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


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


@register("attention", infer=_attention, attrs={"heads": Attr(int), "residual": Attr(int, 0)},
          arity=7)
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
