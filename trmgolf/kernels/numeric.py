"""Lowerings of the ops modelled for imported networks (``trmgolf.ir.ops.numeric``) that
are more than a renamed node: modulo, clip, tile and old-opset Equal. ArgMin sits with ArgMax
in ``reduce``; comparisons, sign, rounding and the reductions are lowered from the op table
(``trmgolf.ir.onnx_ops``)."""

from __future__ import annotations

import numpy as np

from trmgolf.ir.graph import Node
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext


@lowering("mod", "direct", min_opset=10)
def mod(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Mod node."""
    ctx.node("Mod", ins, outs, fmod=node.attrs.get("fmod", 0))


@lowering("clip", "direct", min_opset=11)
def clip(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Clip with each present bound as a scalar initializer of the input's dtype."""
    dtype = node.output.type.dtype
    args = [ins[0]]
    for bound in ("min", "max"):
        value = node.attrs.get(bound)
        args.append("" if value is None else ctx.const(np.asarray(value), dtype, f"clip_{bound}"))
    while args[-1] == "":
        args.pop()
    ctx.node("Clip", args, outs)


@lowering("tile", "direct", min_opset=6)
def tile(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Tile with the repeats as an int64 initializer."""
    ctx.node("Tile", [ins[0], ctx.ints(node.attrs["repeats"], "repeats")], outs)


def _equal7_types(node: Node) -> bool:
    return node.inputs[0].type.dtype in ("bool", "int32", "int64")


@lowering("equal", "equal7", min_opset=7, max_opset=10, applies=_equal7_types)
def equal7(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Equal before opset 11, which compares only bool, int32 and int64 (imported networks
    re-emitted at their own old opset)."""
    ctx.node("Equal", ins, outs)
