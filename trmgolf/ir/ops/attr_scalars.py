"""Ops whose scalar operand lives in an attribute: ``shrink`` (an added constant), ``selu``
and ``leaky_relu`` (a multiplying constant, on non-negative and negative values). The grader
counts every initializer element as a parameter but no attribute, so ``add(x, 3)`` costs one
parameter and ``shrink(x) {bias=3}`` none. The ``scalar_attributes`` pass introduces them
where the value ranges prove them equal.

The references follow onnxruntime's CPU kernels, not only the ONNX text: Shrink adds its
float32 ``bias`` in float32 arithmetic for integer and float16 inputs and converts back, Selu
multiplies by ``gamma`` and LeakyRelu by ``alpha`` in float32 (float16 inputs too, then
rounded).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.registry import Attr, IRTypeError, register
from trmgolf.ir.types import TensorType


def _numeric(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    """Integers, float16 or float32 (onnxruntime's float64 Shrink does not follow the float32
    arithmetic the reference models)."""
    if types[0].dtype in ("bool", "float64"):
        raise IRTypeError(f"shrink needs integers, float16 or float32, not {types[0].dtype}")
    return [types[0]]


@register("shrink", infer=_numeric, attrs={"bias": Attr(float, 0.0), "lambd": Attr(float, 0.5)})
def shrink(x, *, bias=0.0, lambd=0.5):
    """ONNX Shrink: ``x + bias`` below ``-lambd``, ``x - bias`` above ``lambd``, else 0."""
    wide = x.astype(np.float32)
    b, lam = np.float32(bias), np.float32(lambd)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.where(wide < -lam, wide + b, np.where(wide > lam, wide - b, 0))
        return out.astype(x.dtype)


def _float(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    """float32, or float16 (which onnxruntime computes in float32 and rounds, as the
    references do: ``narrow_dtypes`` may narrow these ops)."""
    if types[0].dtype not in ("float32", "float16"):
        raise IRTypeError(f"this activation needs float32 or float16, got {types[0].dtype}")
    return [types[0]]


def _selu_monotone(node: Any) -> tuple[int, ...]:
    """``gamma * x`` above 0, ``gamma * alpha * (exp(x) - 1)`` (0 at 0) below: with
    ``alpha >= 0`` both pieces move with x as gamma's sign says (rounding keeps order)."""
    alpha, gamma = node.attrs.get("alpha", 1.0), node.attrs.get("gamma", 1.0)  # the defaults are > 0
    return (0,) if alpha < 0 else (1,) if gamma >= 0 else (-1,)


def _leaky_relu_monotone(node: Any) -> tuple[int, ...]:
    """``x`` from 0 up, ``alpha * x`` below: nondecreasing when ``alpha >= 0``."""
    return (1,) if node.attrs.get("alpha", 0.01) >= 0 else (0,)


@register("selu", infer=_float, attrs={"alpha": Attr(float, 1.67326319217681884765625),
                                         "gamma": Attr(float, 1.05070102214813232421875)},
          elementwise=True, monotone=_selu_monotone)
def selu(x, *, alpha=1.67326319217681884765625, gamma=1.05070102214813232421875):
    """ONNX Selu: ``gamma * x`` above 0, ``gamma * alpha * (exp(x) - 1)`` elsewhere."""
    g, a, wide = np.float32(gamma), np.float32(alpha), x.astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(wide > 0, g * wide, g * (a * (np.exp(wide) - np.float32(1)))).astype(x.dtype)


@register("leaky_relu", infer=_float, attrs={"alpha": Attr(float, 0.01)}, elementwise=True,
          monotone=_leaky_relu_monotone)
def leaky_relu(x, *, alpha=0.01):
    """ONNX LeakyRelu: ``x`` from 0 up, ``alpha * x`` below."""
    wide = x.astype(np.float32)
    return np.where(wide >= 0, wide, np.float32(alpha) * wide).astype(x.dtype)
