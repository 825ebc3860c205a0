"""Integer ops: quantize_linear and conv_integer as their one ONNX node each (see
``kernels.resample`` for the opset windows)."""

from __future__ import annotations

from trmgolf.ir.graph import Node
from trmgolf.kernels.base import lowering, schema_span
from trmgolf.kernels.context import EmitContext

_QUANTIZE_SINCE, _QUANTIZE_UNTIL = schema_span("QuantizeLinear", 13)  # 13: the per-tensor form checked
_CONV_SINCE, _CONV_UNTIL = schema_span("ConvInteger", 10)


@lowering("quantize_linear", "direct", min_opset=_QUANTIZE_SINCE, max_opset=_QUANTIZE_UNTIL)
def quantize_linear(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One QuantizeLinear node."""
    ctx.node("QuantizeLinear", ins, outs)


@lowering("conv_integer", "direct", min_opset=_CONV_SINCE, max_opset=_CONV_UNTIL)
def conv_integer(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One ConvInteger node (kernel_shape and pads always written; strides and dilations when
    not 1)."""
    extra = {k: list(node.attrs[k]) for k in ("strides", "dilations")
             if tuple(node.attrs.get(k, (1, 1))) != (1, 1)}
    ctx.node("ConvInteger", ins, outs, kernel_shape=list(node.inputs[1].type.shape[2:]),
             pads=list(node.attrs.get("pads", (0, 0, 0, 0))), **extra)
