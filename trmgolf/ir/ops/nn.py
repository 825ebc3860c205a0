"""Network ops: matmul, einsum, conv2d, conv_transpose2d, softmax, reductions and argmax."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.ops.infer import arg_index, broadcast_shape, normalize_axis, require_float, same_dtype
from trmgolf.ir.registry import Attr, IRTypeError, register
from trmgolf.ir.types import TensorType


def _matmul(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    a, b = types
    dtype = same_dtype(types, "matmul")
    if a.rank < 2 or b.rank < 2:
        raise IRTypeError("matmul: both inputs need rank >= 2 in the IR")
    if a.shape[-1] != b.shape[-2]:
        raise IRTypeError(f"matmul: inner dimensions differ ({a} @ {b})")
    batch = broadcast_shape(a.shape[:-2], b.shape[:-2])
    return [TensorType(dtype, (*batch, a.shape[-2], b.shape[-1]))]


@register("matmul", infer=_matmul, attrs={}, arity=2)
def matmul(a, b):
    if np.issubdtype(a.dtype, np.floating):
        return np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(a.dtype)
    return np.matmul(a, b)


def _einsum_parts(equation: str, n: int) -> tuple[list[str], str]:
    if "->" not in equation or "." in equation:
        raise IRTypeError(f"einsum: need an explicit output and no ellipsis: {equation!r}")
    lhs, out = equation.replace(" ", "").split("->")
    ins = lhs.split(",")
    if len(ins) != n:
        raise IRTypeError(f"einsum: {equation!r} names {len(ins)} operands, got {n}")
    return ins, out


def _einsum(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    dtype = same_dtype(types, "einsum")
    ins, out = _einsum_parts(attrs["equation"], len(types))
    sizes: dict[str, int] = {}
    for letters, t in zip(ins, types, strict=True):
        if len(letters) != t.rank:
            raise IRTypeError(f"einsum: {letters!r} does not match {t}")
        for ch, d in zip(letters, t.shape, strict=True):
            if sizes.setdefault(ch, d) != d:
                raise IRTypeError(f"einsum: index {ch} has sizes {sizes[ch]} and {d}")
    return [TensorType(dtype, tuple(sizes[ch] for ch in out))]


@register("einsum", infer=_einsum, attrs={"equation": Attr(str)}, arity=(1, 8))
def einsum(*arrays, equation):
    dtype = arrays[0].dtype
    if np.issubdtype(dtype, np.floating):
        arrays = tuple(a.astype(np.float64) for a in arrays)
    # Contract pairwise: numpy's default path keeps intermediates no larger than the output,
    # which runs a 4-operand routing einsum (views) as one 10-deep loop, seconds per call.
    path = np.einsum_path(equation, *arrays, optimize=("greedy", 1e8))[0] if len(arrays) > 2 else False
    out = np.einsum(equation, *arrays, optimize=path)
    return out.astype(dtype, copy=False)


def _conv_out(size: int, k: int, pad: int, stride: int, dilation: int) -> int:
    return (size + pad - dilation * (k - 1) - 1) // stride + 1


def _spatial_out(x: TensorType, w: TensorType, attrs: Mapping[str, Any],
                 out: Callable[[int, int, int, int, int], int], op: str) -> tuple[int, int]:
    """Output (height, width) of a convolution-like op from its pads, strides and dilations."""
    t, left, b, r = attrs.get("pads", (0, 0, 0, 0))
    sh, sw = attrs.get("strides", (1, 1))
    dh, dw = attrs.get("dilations", (1, 1))
    oh = out(x.shape[2], w.shape[2], t + b, sh, dh)
    ow = out(x.shape[3], w.shape[3], left + r, sw, dw)
    if oh <= 0 or ow <= 0:
        raise IRTypeError(f"{op}: empty output")
    return oh, ow


def _pad_or_crop(x: np.ndarray, t: int, left: int, bot: int, r: int) -> np.ndarray:
    """Zero padding of the last two axes; a negative pad crops that side (ONNX Conv pads)."""
    xp = np.pad(x, ((0, 0), (0, 0), (max(t, 0), max(bot, 0)), (max(left, 0), max(r, 0))))
    h, w = xp.shape[2], xp.shape[3]
    return xp[:, :, max(-t, 0):h - max(-bot, 0), max(-left, 0):w - max(-r, 0)]


def _conv2d(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x, w = types[0], types[1]
    dtype = same_dtype(types, "conv2d")
    if x.rank != 4 or w.rank != 4:
        raise IRTypeError("conv2d: input and weight must be rank 4 (NCHW, OIHW)")
    group = attrs.get("group", 1)
    if x.shape[1] != w.shape[1] * group or w.shape[0] % group:
        raise IRTypeError(f"conv2d: {x} does not match weight {w} with group {group}")
    if len(types) == 3 and types[2].shape != (w.shape[0],):
        raise IRTypeError(f"conv2d: bias must be [{w.shape[0]}] (a shorter one reads undefined memory)")
    oh, ow = _spatial_out(x, w, attrs, _conv_out, "conv2d")
    return [TensorType(dtype, (x.shape[0], w.shape[0], oh, ow))]


@register("conv2d", infer=_conv2d, arity=(2, 3), attrs={
    "pads": Attr("ints", (0, 0, 0, 0)), "strides": Attr("ints", (1, 1)),
    "dilations": Attr("ints", (1, 1)), "group": Attr(int, 1),
})
def conv2d(x, w, b=None, *, pads=(0, 0, 0, 0), strides=(1, 1), dilations=(1, 1), group=1):
    """NCHW convolution with OIHW weights; ``pads`` = (top, left, bottom, right)."""
    t, left, bot, r = pads
    xp = _pad_or_crop(x.astype(np.float64), t, left, bot, r)
    o, ci, kh, kw = w.shape
    sh, sw = strides
    dh, dw = dilations
    oh = _conv_out(x.shape[2], kh, t + bot, sh, dh)
    ow = _conv_out(x.shape[3], kw, left + r, sw, dw)
    out = np.zeros((x.shape[0], o, oh, ow))
    og = o // group
    for g in range(group):
        xs = xp[:, g * ci:(g + 1) * ci]
        ws = w[g * og:(g + 1) * og].astype(np.float64)
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh,
                           j * dw: j * dw + sw * (ow - 1) + 1: sw]
                out[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", patch, ws[:, :, i, j])
    if b is not None:
        out += b.astype(np.float64)[None, :, None, None]
    return out.astype(x.dtype)


def _transposed_out(size: int, k: int, pad: int, stride: int, dilation: int) -> int:
    return stride * (size - 1) + dilation * (k - 1) + 1 - pad


def _conv_transpose2d(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x, w = types[0], types[1]
    dtype = same_dtype(types, "conv_transpose2d")
    if x.rank != 4 or w.rank != 4:
        raise IRTypeError("conv_transpose2d: input and weight must be rank 4 (NCHW, IOHW)")
    group = attrs.get("group", 1)
    if x.shape[1] != w.shape[0] or w.shape[0] % group:
        raise IRTypeError(f"conv_transpose2d: {x} does not match weight {w} with group {group}")
    out_channels = w.shape[1] * group
    if len(types) == 3 and types[2].shape != (out_channels,):
        raise IRTypeError(f"conv_transpose2d: bias must be [{out_channels}]")
    oh, ow = _spatial_out(x, w, attrs, _transposed_out, "conv_transpose2d")
    return [TensorType(dtype, (x.shape[0], out_channels, oh, ow))]


@register("conv_transpose2d", infer=_conv_transpose2d, arity=(2, 3), attrs={
    "pads": Attr("ints", (0, 0, 0, 0)), "strides": Attr("ints", (1, 1)),
    "dilations": Attr("ints", (1, 1)), "group": Attr(int, 1),
})
def conv_transpose2d(x, w, b=None, *, pads=(0, 0, 0, 0), strides=(1, 1), dilations=(1, 1), group=1):
    """NCHW transposed convolution with IOHW weights (ONNX ConvTranspose): input cell (r, c)
    adds its weighted kernel at output (stride*r + dilation*i - top, ...); ``pads`` crop the
    full output (top, left, bottom, right)."""
    t, left, bot, r = pads
    n, ci, h, wd = x.shape
    _, og, kh, kw = w.shape
    sh, sw = strides
    dh, dw = dilations
    full = np.zeros((n, og * group, _transposed_out(h, kh, 0, sh, dh), _transposed_out(wd, kw, 0, sw, dw)))
    cg = ci // group
    for g in range(group):
        xs = x[:, g * cg:(g + 1) * cg].astype(np.float64)
        ws = w[g * cg:(g + 1) * cg].astype(np.float64)
        for i in range(kh):
            for j in range(kw):
                full[:, g * og:(g + 1) * og, i * dh: i * dh + sh * (h - 1) + 1: sh,
                     j * dw: j * dw + sw * (wd - 1) + 1: sw] += np.einsum("nchw,co->nohw", xs, ws[:, :, i, j])
    out = full[:, :, t: full.shape[2] - bot, left: full.shape[3] - r]
    if b is not None:
        out = out + b.astype(np.float64)[None, :, None, None]
    return out.astype(x.dtype)


def _softmax(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    require_float(types, "softmax")
    normalize_axis(attrs.get("axis", -1), types[0].rank)
    return [types[0]]


@register("softmax", infer=_softmax, attrs={"axis": Attr(int, -1)})
def softmax(x, *, axis=-1):
    x64 = x.astype(np.float64)
    e = np.exp(x64 - x64.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(x.dtype)


@register("hardmax", infer=_softmax, attrs={"axis": Attr(int, -1)})
def hardmax(x, *, axis=-1):
    """1 at the first maximum along ``axis``, 0 elsewhere (ONNX Hardmax, opset 13)."""
    first = np.expand_dims(np.argmax(x, axis=axis), axis)
    out = np.zeros_like(x)
    np.put_along_axis(out, first, 1, axis=axis)
    return out


def _reduce(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    t = types[0]
    if not attrs["axes"]:
        raise IRTypeError("reductions need at least one axis (ONNX reads none as all)")
    axes = {normalize_axis(a, t.rank) for a in attrs["axes"]}
    keep = attrs.get("keepdims", 1)
    shape = tuple(1 if i in axes else d for i, d in enumerate(t.shape) if keep or i not in axes)
    return [t.with_shape(shape)]


REDUCE_ATTRS = {"axes": Attr("ints"), "keepdims": Attr(int, 1)}


def _axes(x: np.ndarray, axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(a % x.ndim for a in axes)


@register("reduce_sum", infer=_reduce, attrs=REDUCE_ATTRS)
def reduce_sum(x, *, axes, keepdims=1):
    wide = x.astype(np.float64) if np.issubdtype(x.dtype, np.floating) else x
    return np.sum(wide, axis=_axes(x, axes), keepdims=bool(keepdims)).astype(x.dtype)


@register("reduce_mean", infer=_reduce, attrs=REDUCE_ATTRS)
def reduce_mean(x, *, axes, keepdims=1):
    return np.mean(x.astype(np.float64), axis=_axes(x, axes), keepdims=bool(keepdims)).astype(x.dtype)


@register("reduce_max", infer=_reduce, attrs=REDUCE_ATTRS, moves=(0,))
def reduce_max(x, *, axes, keepdims=1):
    return np.max(x, axis=_axes(x, axes), keepdims=bool(keepdims))


@register("reduce_min", infer=_reduce, attrs=REDUCE_ATTRS, moves=(0,))
def reduce_min(x, *, axes, keepdims=1):
    return np.min(x, axis=_axes(x, axes), keepdims=bool(keepdims))


@register("argmax", infer=arg_index,
          attrs={"axis": Attr(int, 0), "keepdims": Attr(int, 1), "select_last_index": Attr(int, 0)})
def argmax(x, *, axis=0, keepdims=1, select_last_index=0):
    """Index of the maximum along ``axis``: the first on ties, the last with ``select_last_index``
    (the far edge of a 0/1 presence vector in one node)."""
    if select_last_index:
        out = x.shape[axis] - 1 - np.argmax(np.flip(x, axis=axis), axis=axis)
    else:
        out = np.argmax(x, axis=axis)
    return np.expand_dims(out, axis) if keepdims else out
