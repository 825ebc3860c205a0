"""Ops that hand-written NeuroGolf networks use and trmgolf's own front ends do not:
non-strict comparisons, sign, rounding, modulo, clip, argmin, tile and the remaining
ONNX reductions. They are modelled (not carried as ``onnx_node``) so that passes can
fold them and reason about their values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.ops.infer import arg_index, broadcast, broadcast_bool, normalize_axis, require_float
from trmgolf.ir.registry import Attr, IRTypeError, register
from trmgolf.ir.types import TensorType


@register("greater_or_equal", infer=broadcast_bool, arity=2, attrs={}, elementwise=True, monotone=(1, -1))
def greater_or_equal(a, b):
    return np.greater_equal(a, b)


@register("less_or_equal", infer=broadcast_bool, arity=2, attrs={}, elementwise=True, monotone=(-1, 1))
def less_or_equal(a, b):
    return np.less_equal(a, b)


def _numeric(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    if types[0].dtype == "bool":
        raise IRTypeError("this op needs numbers, not bool")
    return [types[0]]


@register("sign", infer=_numeric, attrs={}, elementwise=True, monotone=(1,))
def sign(a):
    return np.sign(a).astype(a.dtype, copy=False)


def _float_only(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    require_float(types, "rounding")
    return [types[0]]


@register("floor", infer=_float_only, attrs={}, elementwise=True, monotone=(1,))
def floor(a):
    return np.floor(a)


@register("ceil", infer=_float_only, attrs={}, elementwise=True, monotone=(1,))
def ceil(a):
    return np.ceil(a)


@register("round", infer=_float_only, attrs={}, elementwise=True, monotone=(1,))
def round_(a):
    """Halves go to the even neighbour, as in ONNX."""
    return np.round(a)


def _mod(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    out = broadcast(types, attrs)
    if out[0].dtype == "bool":
        raise IRTypeError("mod needs numbers, not bool")
    if out[0].np_dtype.kind == "f" and not attrs.get("fmod", 0):
        raise IRTypeError("mod: float inputs need fmod=1 (ONNX)")
    return out


@register("mod", infer=_mod, arity=2, attrs={"fmod": Attr(int, 0)}, elementwise=True)
def mod(a, b, *, fmod=0):
    """``fmod=0``: the result takes the divisor's sign (numpy ``mod``); ``fmod=1``: the
    dividend's (C ``fmod``)."""
    return (np.fmod(a, b) if fmod else np.mod(a, b)).astype(a.dtype, copy=False)


def _clip(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    if types[0].dtype == "bool":
        raise IRTypeError("clip needs numbers, not bool")
    return [types[0]]


@register("clip", infer=_clip, attrs={"min": Attr(float, None), "max": Attr(float, None)},
          elementwise=True, monotone=(1,))
def clip(x, *, min=None, max=None):  # noqa: A002 - the ONNX names
    """``min(max(x, min), max)``; a bound that is None is absent."""
    out = x
    if min is not None:
        out = np.maximum(out, np.asarray(min).astype(x.dtype))
    if max is not None:
        out = np.minimum(out, np.asarray(max).astype(x.dtype))
    return out


@register("argmin", infer=arg_index, attrs={"axis": Attr(int, 0), "keepdims": Attr(int, 1)})
def argmin(x, *, axis=0, keepdims=1):
    """First index of the minimum on ties, as numpy and ONNX (select_last_index=0)."""
    out = np.argmin(x, axis=axis)
    return np.expand_dims(out, axis) if keepdims else out


def _tile(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    t = types[0]
    reps = tuple(attrs["repeats"])
    if len(reps) != t.rank or any(r <= 0 for r in reps):
        raise IRTypeError(f"tile: need {t.rank} positive repeats, got {list(reps)}")
    return [t.with_shape(tuple(d * r for d, r in zip(t.shape, reps, strict=True)))]


@register("tile", infer=_tile, attrs={"repeats": Attr("ints")}, moves=(0,))
def tile(x, *, repeats):
    return np.tile(x, repeats)


def _reduce(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    t = types[0]
    if not attrs["axes"]:
        raise IRTypeError("reductions need at least one axis (ONNX reads none as all)")
    if t.dtype == "bool":
        raise IRTypeError("reductions need numbers, not bool")
    axes = {normalize_axis(a, t.rank) for a in attrs["axes"]}
    keep = attrs.get("keepdims", 1)
    shape = tuple(1 if i in axes else d for i, d in enumerate(t.shape) if keep or i not in axes)
    return [t.with_shape(shape)]


def _float_reduce(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    require_float(types, "this reduction")
    return _reduce(types, attrs)


REDUCE_ATTRS = {"axes": Attr("ints"), "keepdims": Attr(int, 1)}


def _reduced(x: np.ndarray, axes: tuple[int, ...], keepdims: int, fn) -> np.ndarray:
    wide = x.astype(np.float64) if x.dtype.kind == "f" else x
    axis = tuple(a % x.ndim for a in axes)
    return np.asarray(fn(wide, axis)).reshape(
        tuple(1 if i in axis else d for i, d in enumerate(x.shape) if keepdims or i not in axis)
    ).astype(x.dtype)


@register("reduce_prod", infer=_reduce, attrs=REDUCE_ATTRS)
def reduce_prod(x, *, axes, keepdims=1):
    return _reduced(x, axes, keepdims, lambda a, ax: np.prod(a, axis=ax))


@register("reduce_l1", infer=_reduce, attrs=REDUCE_ATTRS)
def reduce_l1(x, *, axes, keepdims=1):
    return _reduced(x, axes, keepdims, lambda a, ax: np.sum(np.abs(a), axis=ax))


@register("reduce_sum_square", infer=_reduce, attrs=REDUCE_ATTRS)
def reduce_sum_square(x, *, axes, keepdims=1):
    return _reduced(x, axes, keepdims, lambda a, ax: np.sum(a * a, axis=ax))


@register("reduce_l2", infer=_float_reduce, attrs=REDUCE_ATTRS)
def reduce_l2(x, *, axes, keepdims=1):
    return _reduced(x, axes, keepdims, lambda a, ax: np.sqrt(np.sum(a * a, axis=ax)))


@register("reduce_log_sum", infer=_float_reduce, attrs=REDUCE_ATTRS)
def reduce_log_sum(x, *, axes, keepdims=1):
    return _reduced(x, axes, keepdims, lambda a, ax: np.log(np.sum(a, axis=ax)))


@register("reduce_log_sum_exp", infer=_float_reduce, attrs=REDUCE_ATTRS)
def reduce_log_sum_exp(x, *, axes, keepdims=1):
    return _reduced(x, axes, keepdims, lambda a, ax: np.log(np.sum(np.exp(a), axis=ax)))
