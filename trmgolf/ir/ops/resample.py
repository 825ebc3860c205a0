"""Ops that resample a grid through a box: ``max_roi_pool``, ``roi_align`` and ``resize``.

The structure search and the crop solver write rules as one of these ONNX nodes (a crop,
an upscale, a flip as a reversed ROI, a two-step nearest resample). Their references are the
exact float32 models of onnxruntime's CPU kernels (``ir.roi_reference``,
``ir.resize_reference``), so the interpreter agrees with the grader cell for cell; each op
refuses, at type inference, the settings its model does not cover.

What the analyses may assume: ``max_roi_pool`` and nearest ``resize`` only copy input cells
(plus 0 in an empty bin, the extrapolation value outside the ROI); ``roi_align`` interpolates,
so it declares nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir import resize_reference, roi_reference
from trmgolf.ir.registry import Attr, IRTypeError, register
from trmgolf.ir.types import TensorType

#: Input dtypes onnxruntime's CPU Resize takes (no float64, no int64).
RESIZE_DTYPES = ("float32", "float16", "int32", "int8", "uint8")


def _float_nchw(x: TensorType, what: str) -> None:
    if x.dtype != "float32" or x.rank != 4:
        raise IRTypeError(f"{what}: x must be float32 NCHW (onnxruntime's kernel), got {x}")


def _pooled(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x, rois = types
    _float_nchw(x, "max_roi_pool")
    if rois.dtype != "float32" or rois.rank != 2 or rois.shape[1] != 5:
        raise IRTypeError(f"max_roi_pool: rois must be float32 [R,5] (batch, x1, y1, x2, y2), got {rois}")
    shape = tuple(attrs["pooled_shape"])
    if len(shape) != 2 or min(shape) < 1:
        raise IRTypeError(f"max_roi_pool: pooled_shape must be two sizes >= 1, got {list(shape)}")
    return [TensorType("float32", (rois.shape[0], x.shape[1], *shape))]


@register("max_roi_pool", infer=_pooled, arity=2, moves=(0,), fill=0.0, attrs={
    "pooled_shape": Attr("ints"), "spatial_scale": Attr(float, 1.0)})
def max_roi_pool(x, rois, *, pooled_shape, spatial_scale=1.0):
    """Per ROI, the largest value of each of pooled_shape bins of the scaled, rounded box
    (ONNX MaxRoiPool as onnxruntime computes it); an empty bin gives 0."""
    return roi_reference.max_roi_pool(x, rois, tuple(pooled_shape), spatial_scale)


ALIGN_MODES = ("avg", "max")
ALIGN_TRANSFORMS = ("half_pixel", "output_half_pixel")


def _aligned(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    x, rois, batch = types
    _float_nchw(x, "roi_align")
    if rois.dtype != "float32" or rois.rank != 2 or rois.shape[1] != 4:
        raise IRTypeError(f"roi_align: rois must be float32 [R,4] (x1, y1, x2, y2), got {rois}")
    if batch.dtype != "int64" or batch.shape != (rois.shape[0],):
        raise IRTypeError(f"roi_align: batch_indices must be int64 [{rois.shape[0]}], got {batch}")
    if attrs.get("mode", "avg") not in ALIGN_MODES:
        raise IRTypeError(f"roi_align: mode must be one of {ALIGN_MODES}")
    if attrs.get("coordinate_transformation_mode", "half_pixel") not in ALIGN_TRANSFORMS:
        raise IRTypeError(f"roi_align: coordinate_transformation_mode must be one of {ALIGN_TRANSFORMS}")
    height, width = attrs.get("output_height", 1), attrs.get("output_width", 1)
    if min(height, width) < 1:
        raise IRTypeError("roi_align: output_height and output_width must be >= 1")
    return [TensorType("float32", (rois.shape[0], x.shape[1], height, width))]


@register("roi_align", infer=_aligned, arity=3, attrs={
    "mode": Attr(str, "avg"), "output_height": Attr(int, 1), "output_width": Attr(int, 1),
    "sampling_ratio": Attr(int, 0), "spatial_scale": Attr(float, 1.0),
    "coordinate_transformation_mode": Attr(str, "half_pixel")})
def roi_align(x, rois, batch_indices, *, mode="avg", output_height=1, output_width=1, sampling_ratio=0,
              spatial_scale=1.0, coordinate_transformation_mode="half_pixel"):
    """Per ROI, bilinear samples of the box averaged (or their largest) per output cell
    (ONNX RoiAlign-16 as onnxruntime computes it, in float32)."""
    return roi_reference.roi_align(x, rois, batch_indices, mode=mode, output_height=output_height,
                                   output_width=output_width, sampling_ratio=sampling_ratio,
                                   spatial_scale=spatial_scale,
                                   coordinate_transformation_mode=coordinate_transformation_mode)


def resized_shape(shape: tuple[int, ...], sizes: Sequence[int], axes: Sequence[int] | None
                  ) -> tuple[int, ...]:
    """``shape`` with each axis of ``axes`` (every axis when None) set to its entry of ``sizes``."""
    rank = len(shape)
    axes = list(range(rank)) if axes is None else [a % rank for a in axes]
    out = list(shape)
    for axis, size in zip(axes, sizes, strict=True):
        out[axis] = int(size)
    return tuple(out)


def _resized(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    (x,) = types
    if x.dtype not in RESIZE_DTYPES:
        raise IRTypeError(f"resize: x must be one of {RESIZE_DTYPES} (onnxruntime's kernel), got {x.dtype}")
    axes, sizes, roi = attrs.get("axes"), tuple(attrs["sizes"]), tuple(attrs.get("roi", ()))
    if axes is not None and (not all(-x.rank <= a < x.rank for a in axes)
                             or len({a % x.rank for a in axes}) != len(axes)):
        raise IRTypeError(f"resize: axes {list(axes)} are not distinct axes of rank {x.rank}")
    count = x.rank if axes is None else len(axes)
    if len(sizes) != count or min(sizes, default=1) < 1:
        raise IRTypeError(f"resize: {count} sizes >= 1 wanted, got {list(sizes)}")
    transform = attrs["coordinate_transformation_mode"]
    if transform not in resize_reference.MODELLED:
        raise IRTypeError(f"resize: coordinate_transformation_mode must be one of "
                          f"{resize_reference.MODELLED}")
    if len(roi) != (2 * count if transform == "tf_crop_and_resize" else 0):
        raise IRTypeError(f"resize: tf_crop_and_resize takes {2 * count} roi values (starts, then ends), "
                          f"other modes none; got {len(roi)}")
    if attrs.get("nearest_mode", "round_prefer_floor") not in ("round_prefer_floor", "round_prefer_ceil",
                                                                "floor", "ceil"):
        raise IRTypeError("resize: unknown nearest_mode")
    fill = float(attrs.get("extrapolation_value", 0.0))
    if float(np.asarray(fill).astype(x.np_dtype)) != fill:
        raise IRTypeError(f"resize: extrapolation_value {fill} is not a {x.dtype} value")
    shape = resized_shape(x.shape, sizes, axes)
    if x.rank == 4 and shape == (x.shape[0], x.shape[1], 2 * x.shape[2], 2 * x.shape[3]):
        raise IRTypeError("resize: onnxruntime's 2x fast path (scales 1,1,2,2) ignores the ROI; not modelled")
    return [x.with_shape(shape)]


@register("resize", infer=_resized, moves=(0,), fill="extrapolation_value", attrs={
    "sizes": Attr("ints"), "axes": Attr("ints", None), "roi": Attr("floats", ()),
    "coordinate_transformation_mode": Attr(str), "nearest_mode": Attr(str, "round_prefer_floor"),
    "extrapolation_value": Attr(float, 0.0)})
def resize(x, *, sizes, coordinate_transformation_mode, axes=None, roi=(), nearest_mode="round_prefer_floor",
           extrapolation_value=0.0):
    """Nearest-neighbour resample to ``sizes`` (ONNX Resize-19, mode nearest, as onnxruntime
    computes it): each output line reads the input line its coordinate rounds to, or the
    extrapolation value where a ``tf_crop_and_resize`` coordinate leaves the input."""
    return resize_reference.resize_nearest(x, np.asarray(roi, np.float32), sizes, axes, nearest_mode,
                                           coordinate_transformation_mode, extrapolation_value)
