"""The TRM front end's MLP: ``swiglu`` as one IR node (its lowerings choose how to
contract the three projections).

Layouts: ``tokens`` = ``[1, L, D]`` (channel axis 2), ``nchw`` = ``[1, D, h, w]`` (axis 1);
the ``axis`` attribute names the channel axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.ops.infer import normalize_axis, same_dtype
from trmgolf.ir.registry import Attr, IRTypeError, register
from trmgolf.ir.types import TensorType


def _f64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


def _swiglu(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    h, wg, wu, wd = types
    same_dtype(types, "swiglu")
    axis = normalize_axis(attrs["axis"], h.rank)
    d = h.shape[axis]
    inter = wg.shape[0]
    if wg.shape != (inter, d) or wu.shape != (inter, d) or wd.shape != (d, inter):
        raise IRTypeError(f"swiglu: weights {wg}, {wu}, {wd} do not fit {d} channels")
    return [h]


@register("swiglu", infer=_swiglu, attrs={"axis": Attr(int)}, arity=4)
def swiglu(h, wg, wu, wd, *, axis):
    """``down(silu(gate(h)) * up(h))`` along the channel ``axis`` (bias-free)."""
    x = np.moveaxis(_f64(h), axis, -1)
    g, u = x @ _f64(wg).T, x @ _f64(wu).T
    out = (g / (1.0 + np.exp(-g)) * u) @ _f64(wd).T
    return np.moveaxis(out, -1, axis).astype(h.dtype)
