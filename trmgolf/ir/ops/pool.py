"""``max_pool2d``: the largest value in a window around each cell (stride 1).

The object solvers spread a component's label over its cells with it: one unrolled
step of label propagation is a MaxPool and a mask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.ops.infer import require_float
from trmgolf.ir.registry import Attr, IRTypeError, register
from trmgolf.ir.types import TensorType


def _max_pool2d(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    (x,) = types
    if x.dtype not in ("uint8", "int8"):  # MaxPool-12 takes 8-bit integers too (a colour index)
        require_float(types, "max_pool2d")
    if x.rank != 4:
        raise IRTypeError("max_pool2d: input must be rank 4 (NCHW)")
    kh, kw = attrs["kernel"]
    dh, dw = attrs.get("dilations", (1, 1))
    t, left, b, r = attrs.get("pads", (0, 0, 0, 0))
    if min(t, left, b, r) < 0 or t >= kh or b >= kh or left >= kw or r >= kw:
        raise IRTypeError("max_pool2d: each pad must be smaller than the kernel")
    if min(dh, dw) < 1:
        raise IRTypeError("max_pool2d: dilations must be >= 1")
    oh, ow = x.shape[2] + t + b - (kh - 1) * dh, x.shape[3] + left + r - (kw - 1) * dw
    if oh <= 0 or ow <= 0:
        raise IRTypeError("max_pool2d: empty output")
    return [x.with_shape((x.shape[0], x.shape[1], oh, ow))]


@register("max_pool2d", infer=_max_pool2d, moves=(0,), attrs={
    "kernel": Attr("ints"), "pads": Attr("ints", (0, 0, 0, 0)), "dilations": Attr("ints", (1, 1))})
def max_pool2d(x, *, kernel, pads=(0, 0, 0, 0), dilations=(1, 1)):
    """Stride-1 max over a kh x kw window (taps ``dilations`` apart); padded cells never win
    (ONNX MaxPool)."""
    kh, kw = kernel
    dh, dw = dilations
    t, left, b, r = pads
    lowest = np.iinfo(x.dtype).min if np.issubdtype(x.dtype, np.integer) else -np.inf
    xp = np.pad(x, ((0, 0), (0, 0), (t, b), (left, r)), constant_values=lowest)
    oh, ow = xp.shape[2] - (kh - 1) * dh, xp.shape[3] - (kw - 1) * dw
    out = np.full((*x.shape[:2], oh, ow), lowest, dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            out = np.maximum(out, xp[:, :, i * dh:i * dh + oh, j * dw:j * dw + ow])
    return out
