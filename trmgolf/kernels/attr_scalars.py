"""Ops that carry their scalar in an attribute (no initializer, so no parameter): one ONNX
node each, Shrink (opset 9), Selu and LeakyRelu (opset 6)."""

from __future__ import annotations

from trmgolf.ir.graph import Node
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext


@lowering("shrink", "direct", min_opset=9)
def shrink(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Shrink node, bias and lambd as attributes."""
    ctx.node("Shrink", ins, outs, bias=float(node.attrs.get("bias", 0.0)),
             lambd=float(node.attrs.get("lambd", 0.5)))


@lowering("selu", "direct", min_opset=6)
def selu(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Selu node, alpha and gamma as attributes."""
    ctx.node("Selu", ins, outs, alpha=float(node.attrs["alpha"]), gamma=float(node.attrs["gamma"]))


@lowering("leaky_relu", "direct", min_opset=6)
def leaky_relu(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One LeakyRelu node, alpha as an attribute."""
    ctx.node("LeakyRelu", ins, outs, alpha=float(node.attrs["alpha"]))
