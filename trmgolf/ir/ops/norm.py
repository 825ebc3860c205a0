"""Normalisation ops of the TRM front end: ``rms_norm`` (weightless, TRM's post-norm).

Layouts: ``tokens`` = ``[1, L, D]`` (channel axis 2), ``nchw`` = ``[1, D, h, w]`` (axis 1);
the ``axis`` attribute names the channel axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.ops.infer import normalize_axis, require_float
from trmgolf.ir.registry import Attr, register
from trmgolf.ir.types import TensorType


def _f64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


def _rms_norm(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    require_float(types, "rms_norm")
    normalize_axis(attrs["axis"], types[0].rank)
    return [types[0]]


@register("rms_norm", infer=_rms_norm, attrs={"axis": Attr(int), "eps": Attr(float)})
def rms_norm(x, *, axis, eps):
    """``x / sqrt(mean(x^2, axis) + eps)``, weightless (TRM's post-norm)."""
    x64 = _f64(x)
    return (x64 / np.sqrt(np.mean(x64 * x64, axis=axis, keepdims=True) + eps)).astype(x.dtype)
