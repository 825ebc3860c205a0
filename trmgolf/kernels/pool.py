"""Pooling: max_pool2d as one MaxPool node."""

from __future__ import annotations

from trmgolf.ir.graph import Node
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext


@lowering("max_pool2d", "maxpool", min_opset=12)
def max_pool(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One stride-1 MaxPool (opset 12: float16 and integer inputs)."""
    dilations = list(node.attrs.get("dilations", (1, 1)))
    extra = {"dilations": dilations} if dilations != [1, 1] else {}
    ctx.node("MaxPool", ins, outs, kernel_shape=list(node.attrs["kernel"]),
             pads=list(node.attrs.get("pads", (0, 0, 0, 0))), **extra)
