"""Resampling through a box: max_roi_pool, roi_align and resize as their one ONNX node each.

Each lowering writes one schema version of its ONNX op and declares the opsets where that
version holds (``schema_span``): onnxruntime has no MaxRoiPool-22 or RoiAlign-22, so a graph
holding them is emitted at opset 21.
"""

from __future__ import annotations

import numpy as np

from trmgolf.ir.graph import Node
from trmgolf.kernels.base import lowering, schema_span
from trmgolf.kernels.context import EmitContext

_POOL_SINCE, _POOL_UNTIL = schema_span("MaxRoiPool", 1)
_ALIGN_SINCE, _ALIGN_UNTIL = schema_span("RoiAlign", 16)  # 16: coordinate_transformation_mode
_RESIZE_SINCE, _RESIZE_UNTIL = schema_span("Resize", 19)


@lowering("max_roi_pool", "direct", min_opset=_POOL_SINCE, max_opset=_POOL_UNTIL)
def max_roi_pool(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One MaxRoiPool node."""
    ctx.node("MaxRoiPool", ins, outs, pooled_shape=list(node.attrs["pooled_shape"]),
             spatial_scale=float(node.attrs.get("spatial_scale", 1.0)))


@lowering("roi_align", "direct", min_opset=_ALIGN_SINCE, max_opset=_ALIGN_UNTIL)
def roi_align(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One RoiAlign node, every attribute written (RoiAlign-10 read half_pixel differently)."""
    a = node.attrs
    ctx.node("RoiAlign", ins, outs, mode=a.get("mode", "avg"), output_height=a.get("output_height", 1),
             output_width=a.get("output_width", 1), sampling_ratio=a.get("sampling_ratio", 0),
             spatial_scale=float(a.get("spatial_scale", 1.0)),
             coordinate_transformation_mode=a.get("coordinate_transformation_mode", "half_pixel"))


@lowering("resize", "direct", min_opset=_RESIZE_SINCE, max_opset=_RESIZE_UNTIL)
def resize(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One nearest Resize node given its ``sizes`` (and the ROI, for tf_crop_and_resize), both
    initializers; the axes as an attribute."""
    a = node.attrs
    roi = tuple(a.get("roi", ()))
    roi_name = ctx.const(np.asarray(roi, np.float32), "float32", "roi") if roi else ""
    axes = {"axes": list(a["axes"])} if a.get("axes") is not None else {}
    ctx.node("Resize", [ins[0], roi_name, "", ctx.ints(a["sizes"], "sizes")], outs, **axes, mode="nearest",
             coordinate_transformation_mode=a["coordinate_transformation_mode"],
             nearest_mode=a.get("nearest_mode", "round_prefer_floor"),
             extrapolation_value=float(a.get("extrapolation_value", 0.0)))
