"""Data-movement ops with static attributes: reshape, transpose, slice, pad, concat,
split, gather and expand. Shapes are static, so every index is an attribute."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.ops.infer import broadcast_shape, normalize_axis, same_dtype
from trmgolf.ir.registry import ALL_INPUTS, Attr, IRTypeError, register
from trmgolf.ir.types import TensorType


def _reshape(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    shape = tuple(attrs["shape"])
    t = types[0]
    if int(np.prod(shape, dtype=np.int64)) != t.numel or any(d <= 0 for d in shape):
        raise IRTypeError(f"reshape: cannot view {t} as {list(shape)}")
    return [t.with_shape(shape)]


@register("reshape", infer=_reshape, attrs={"shape": Attr("ints")}, moves=(0,))
def reshape(x, *, shape):
    return x.reshape(shape)


def _transpose(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    t = types[0]
    perm = tuple(attrs["perm"])
    if sorted(perm) != list(range(t.rank)):
        raise IRTypeError(f"transpose: {list(perm)} is not a permutation of rank {t.rank}")
    return [t.with_shape(tuple(t.shape[p] for p in perm))]


@register("transpose", infer=_transpose, attrs={"perm": Attr("ints")}, moves=(0,))
def transpose(x, *, perm):
    return np.transpose(x, perm)


def _slices(shape: tuple[int, ...], attrs: Mapping[str, Any]) -> tuple[slice, ...]:
    """Python slices; with a negative step, an end of ``-(dim + 1)`` runs through index 0
    (ONNX reads it the same way: both add the dim to a negative bound, then clamp)."""
    starts, ends = attrs["starts"], attrs["ends"]
    axes = attrs.get("axes") or tuple(range(len(starts)))
    steps = attrs.get("steps") or (1,) * len(starts)
    index = [slice(None)] * len(shape)
    for a, s, e, st in zip(axes, starts, ends, steps, strict=True):
        if st == 0:
            raise IRTypeError("slice: a step cannot be 0")
        index[normalize_axis(a, len(shape))] = slice(s, e, st)
    return tuple(index)


def _slice(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    t = types[0]
    index = _slices(t.shape, attrs)
    shape = tuple(len(range(*s.indices(d))) for s, d in zip(index, t.shape, strict=True))
    if any(d <= 0 for d in shape):
        raise IRTypeError(f"slice: empty result from {t}")
    return [t.with_shape(shape)]


@register("slice", infer=_slice, moves=(0,), attrs={
    "starts": Attr("ints"), "ends": Attr("ints"), "axes": Attr("ints", ()), "steps": Attr("ints", ()),
})
def slice_(x, *, starts, ends, axes=(), steps=()):
    return x[_slices(x.shape, {"starts": starts, "ends": ends, "axes": axes, "steps": steps})]


def _pad(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    t = types[0]
    pads = tuple(attrs["pads"])
    if len(pads) != 2 * t.rank:
        raise IRTypeError(f"pad: need {2 * t.rank} pads, got {list(pads)}")
    shape = tuple(d + pads[i] + pads[i + t.rank] for i, d in enumerate(t.shape))
    if any(d <= 0 for d in shape):
        raise IRTypeError(f"pad: pads {list(pads)} leave nothing of {t}")
    return [t.with_shape(shape)]


@register("pad", infer=_pad, attrs={"pads": Attr("ints"), "value": Attr(float, 0.0)}, moves=(0,),
          fill="value")
def pad(x, *, pads, value=0.0):
    """Constant padding; ``pads`` = (begin_0..begin_n, end_0..end_n) as in ONNX. A negative
    pad crops that many elements (ONNX semantics)."""
    n = x.ndim
    crop = tuple(slice(max(0, -pads[i]), x.shape[i] - max(0, -pads[i + n])) for i in range(n))
    grow = [(max(0, pads[i]), max(0, pads[i + n])) for i in range(n)]
    return np.pad(x[crop], grow, constant_values=np.asarray(value).astype(x.dtype))


def _concat(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    dtype = same_dtype(types, "concat")
    rank = types[0].rank
    axis = normalize_axis(attrs["axis"], rank)
    for t in types:
        if t.rank != rank or any(d != e for i, (d, e) in enumerate(zip(t.shape, types[0].shape,
                                                                        strict=True)) if i != axis):
            raise IRTypeError(f"concat: {t} does not fit {types[0]} along axis {axis}")
    shape = list(types[0].shape)
    shape[axis] = sum(t.shape[axis] for t in types)
    return [TensorType(dtype, tuple(shape))]


@register("concat", infer=_concat, attrs={"axis": Attr(int)}, arity=(1, 64), moves=ALL_INPUTS)
def concat(*xs, axis):
    return np.concatenate(xs, axis=axis)


def _split(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    t = types[0]
    axis = normalize_axis(attrs["axis"], t.rank)
    sizes = tuple(attrs["sizes"])
    if sum(sizes) != t.shape[axis] or any(s <= 0 for s in sizes):
        raise IRTypeError(f"split: sizes {list(sizes)} do not cover axis {axis} of {t}")
    out = []
    for s in sizes:
        shape = list(t.shape)
        shape[axis] = s
        out.append(t.with_shape(tuple(shape)))
    return out


@register("split", infer=_split, attrs={"axis": Attr(int), "sizes": Attr("ints")}, moves=(0,))
def split(x, *, axis, sizes):
    cuts = np.cumsum(sizes)[:-1]
    return tuple(np.split(x, cuts, axis=axis))


def _gather(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    data, idx = types
    if idx.dtype not in ("int64", "int32"):
        raise IRTypeError("gather: indices must be int64 or int32")
    axis = normalize_axis(attrs.get("axis", 0), data.rank)
    shape = data.shape[:axis] + idx.shape + data.shape[axis + 1:]
    return [data.with_shape(shape)]


@register("gather", infer=_gather, attrs={"axis": Attr(int, 0)}, arity=2, moves=(0,))
def gather(data, idx, *, axis=0):
    return np.take(data, idx, axis=axis)


def _expand(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    t = types[0]
    return [t.with_shape(broadcast_shape(t.shape, tuple(attrs["shape"])))]


@register("expand", infer=_expand, attrs={"shape": Attr("ints")}, moves=(0,))
def expand(x, *, shape):
    return np.broadcast_to(x, np.broadcast_shapes(x.shape, tuple(shape))).copy()
