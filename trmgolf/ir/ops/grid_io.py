"""Grid <-> token I/O of the TRM front end: the one-hot grid in (``onehot_embed``) and the
NeuroGolf answer out (``argmax_decode``), each one IR node.

Layouts: ``tokens`` = ``[1, L, D]`` (channel axis 2), ``nchw`` = ``[1, D, h, w]`` (axis 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.ops.infer import same_dtype
from trmgolf.ir.registry import Attr, IRTypeError, register
from trmgolf.ir.types import TensorType

LAYOUTS = ("tokens", "nchw")


def _f64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


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


@register("onehot_embed", infer=_embed, attrs={"layout": Attr(str)}, arity=3)
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


@register("argmax_decode", infer=_decode, arity=2, attrs={
    "layout": Attr(str), "canvas": Attr("ints"), "prefix": Attr(int, 0), "size": Attr(int, 30),
})
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
