"""Lowerings of ``rms_norm``: the opset-23 ``RMSNormalization`` node, or a decomposition
whose only temporaries are ``[.., 1]`` statistics (older opsets).
"""

from __future__ import annotations

import numpy as np

from trmgolf.ir.graph import Node
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext
from trmgolf.kernels.operands import activation_dtype, with_channels


def _last_axis(node: Node) -> bool:
    return node.attrs["axis"] % node.inputs[0].type.rank == node.inputs[0].type.rank - 1


@lowering("rms_norm", "fused", min_opset=23, applies=_last_axis,
          why="the normalised axis is not the last")
def rms_norm_fused(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One RMSNormalization (opset 23) with a ones scale; statistics in float32 (stash_type)."""
    d = node.inputs[0].type.shape[-1]
    scale = ctx.const(np.ones(d), activation_dtype(node), "rms_scale")
    ctx.node("RMSNormalization", [ins[0], scale], outs, axis=-1, epsilon=float(node.attrs["eps"]))


@lowering("rms_norm", "decomposed", min_opset=13)
def rms_norm_decomposed(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """ReduceSumSquare (no x^2 tensor) -> *1/D -> +eps -> Sqrt -> Div: only [.., 1] temporaries."""
    t = node.inputs[0].type
    axis = node.attrs["axis"] % t.rank
    small = with_channels(t, axis, 1)
    dt = t.dtype
    ss = ctx.tmp(small, "sumsq")
    if ctx.opset >= 18:
        ctx.node("ReduceSumSquare", [ins[0], ctx.ints([axis], "axes")], [ss], keepdims=1)
    else:
        ctx.node("ReduceSumSquare", [ins[0]], [ss], axes=[axis], keepdims=1)
    ms = ctx.tmp(small, "meansq")
    ctx.node("Mul", [ss, ctx.const(np.asarray(1.0 / t.shape[axis]), dt, "inv_d")], [ms])
    var = ctx.tmp(small, "var")
    ctx.node("Add", [ms, ctx.const(np.asarray(node.attrs["eps"]), dt, "eps")], [var])
    rms = ctx.tmp(small, "rms")
    ctx.node("Sqrt", [var], [rms])
    ctx.node("Div", [ins[0], rms], outs)
