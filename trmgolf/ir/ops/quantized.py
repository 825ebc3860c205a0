"""Integer ops: ``quantize_linear`` (float -> 8-bit) and ``conv_integer`` (8-bit Conv, int32 sums).

The structure search's ``crop_int`` family writes a cropped colour plane as uint8 and reads it
with a ConvInteger whose zero point pads with 0 (see ``search.crop_int``). The references
repeat onnxruntime's CPU arithmetic: QuantizeLinear divides in float32, rounds halves to even
and saturates; ConvInteger sums ``(x - x_zero_point) * (w - w_zero_point)`` exactly, the input
padded with its zero point (onnx's reference evaluator fails on pads wider than the input).

``quantize_linear`` is elementwise and, with a constant scale, monotone in ``x`` (the value
analyses run it on value sets); ``conv_integer`` declares nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.graph import Node
from trmgolf.ir.registry import Attr, IRTypeError, register
from trmgolf.ir.types import TensorType

#: The 8-bit dtypes of a quantized tensor (QuantizeLinear-13's outputs, ConvInteger's inputs).
EIGHT_BITS = ("uint8", "int8")


def _one_value(t: TensorType, what: str) -> None:
    if t.numel != 1 or t.rank > 1:
        raise IRTypeError(f"{what} must be one value (a per-tensor parameter), got {t}")


def _quantized(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x, scale, *zero = types
    if x.dtype != "float32" or scale.dtype != "float32":
        raise IRTypeError(f"quantize_linear: float32 x and scale, got {x.dtype}, {scale.dtype}")
    _one_value(scale, "quantize_linear: scale")
    dtype = "uint8"
    if zero:
        _one_value(zero[0], "quantize_linear: zero_point")
        dtype = zero[0].dtype
        if dtype not in EIGHT_BITS:
            raise IRTypeError(f"quantize_linear: zero_point must be uint8 or int8, got {dtype}")
    return [x.with_dtype(dtype)]


def _scale_direction(node: Node) -> tuple[int, ...]:
    """Nondecreasing in x for a constant positive scale, nonincreasing for a negative one."""
    scale = node.inputs[1]
    if not scale.is_constant:
        return (0,)
    sign = np.sign(float(np.asarray(scale.constant).reshape(())))
    return (int(sign),)


@register("quantize_linear", infer=_quantized, arity=(2, 3), elementwise=True, monotone=_scale_direction,
          attrs={})
def quantize_linear(x, scale, zero_point=None):
    """``saturate(round(x / scale) + zero_point)``, halves to even, in the zero point's dtype
    (uint8 without one): ONNX QuantizeLinear-13, per tensor."""
    zero = np.zeros((), np.uint8) if zero_point is None else np.asarray(zero_point)
    info = np.iinfo(zero.dtype)
    with np.errstate(all="ignore"):
        q = np.rint(np.asarray(x, np.float32) / np.asarray(scale, np.float32)).astype(np.float64)
    return np.clip(q + zero.astype(np.float64), info.min, info.max).astype(zero.dtype)


def conv_integer_reference(x: np.ndarray, w: np.ndarray, x_zero: int, w_zero: int,
                           pads: Sequence[int], strides: Sequence[int], dilations: Sequence[int]
                           ) -> np.ndarray:
    """ConvInteger (2-D, one group): int32 sums of ``(x - x_zero) * (w - w_zero)``, the input
    padded with ``x_zero`` (padding adds 0), as onnxruntime computes it."""
    top, left, bottom, right = pads
    sh, sw = strides
    dh, dw = dilations
    xs = np.pad(x.astype(np.int64) - x_zero, ((0, 0), (0, 0), (top, bottom), (left, right)))
    ws = w.astype(np.int64) - w_zero
    kh, kw = ws.shape[2:]
    oh = (xs.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xs.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], ws.shape[0], oh, ow), np.int64)
    for i in range(kh):
        for j in range(kw):
            patch = xs[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw: j * dw + sw * (ow - 1) + 1: sw]
            out += np.einsum("nchw,oc->nohw", patch, ws[:, :, i, j])
    return out.astype(np.int32)


def _conv_integer(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x, w, *zeros = types
    if x.dtype != "uint8" or w.dtype not in EIGHT_BITS:
        raise IRTypeError(f"conv_integer: uint8 x and 8-bit w (onnxruntime's kernel), got {x.dtype}, "
                          f"{w.dtype}")
    if x.rank != 4 or w.rank != 4 or w.shape[1] != x.shape[1]:
        raise IRTypeError(f"conv_integer: x [N,C,H,W] and w [M,C,kh,kw] (one group), got {x}, {w}")
    for zero, of in zip(zeros, (x, w), strict=False):
        _one_value(zero, "conv_integer: a zero point")
        if zero.dtype != of.dtype:
            raise IRTypeError(f"conv_integer: a zero point has its tensor's dtype {of.dtype}, "
                              f"got {zero.dtype}")
    top, left, bottom, right = attrs.get("pads", (0, 0, 0, 0))
    sh, sw = attrs.get("strides", (1, 1))
    dh, dw = attrs.get("dilations", (1, 1))
    if min(top, left, bottom, right) < 0 or min(sh, sw, dh, dw) < 1:
        raise IRTypeError("conv_integer: pads >= 0, strides and dilations >= 1")
    kh, kw = w.shape[2:]
    oh = (x.shape[2] + top + bottom - dh * (kh - 1) - 1) // sh + 1
    ow = (x.shape[3] + left + right - dw * (kw - 1) - 1) // sw + 1
    if oh <= 0 or ow <= 0:
        raise IRTypeError("conv_integer: empty output")
    return [TensorType("int32", (x.shape[0], w.shape[0], oh, ow))]


@register("conv_integer", infer=_conv_integer, arity=(2, 4), attrs={
    "pads": Attr("ints", (0, 0, 0, 0)), "strides": Attr("ints", (1, 1)), "dilations": Attr("ints", (1, 1))})
def conv_integer(x, w, x_zero_point=None, w_zero_point=None, *, pads=(0, 0, 0, 0), strides=(1, 1),
                 dilations=(1, 1)):
    """2-D integer convolution with int32 sums (ONNX ConvInteger-10, one group)."""
    zero = [0 if z is None else int(np.asarray(z).reshape(())) for z in (x_zero_point, w_zero_point)]
    return conv_integer_reference(x, w, zero[0], zero[1], pads, strides, dilations)
