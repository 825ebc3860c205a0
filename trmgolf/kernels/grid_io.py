"""Grid <-> token I/O: ``onehot_embed`` (one-hot colour channels -> embeddings, tokens or
NCHW) and ``argmax_decode`` (states -> the thresholded one-hot answer padded to the
output grid). Used by every TRM front end, attention and conv mixers alike.
"""

from __future__ import annotations

from trmgolf.ir.graph import Node
from trmgolf.ir.types import TensorType
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext
from trmgolf.kernels.operands import activation_dtype, operand, weights_constant, with_channels

# --------------------------------------------------------------------------- embedding


@lowering("onehot_embed", "einsum", min_opset=12, applies=weights_constant,
          why="the weights are not constants")
def embed_einsum(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Einsum of the one-hot channels with the (scaled) table deltas, plus the base row."""
    dt = activation_dtype(node)
    layout = node.attrs["layout"]
    out_t = node.output.type
    base = operand(node, 2)
    if layout == "tokens":
        _, _, hh, ww = node.inputs[0].type.shape
        e = ctx.tmp(TensorType(dt, (1, hh, ww, out_t.shape[-1])), "embed")
        ctx.node("Einsum", [ins[0], ins[1]], [e], equation="bchw,cd->bhwd")
        flat = ctx.tmp(out_t, "embed_flat")
        ctx.node("Reshape", [e, ctx.ints(out_t.shape, "shape")], [flat])
        ctx.node("Add", [flat, ins[2]], outs)
    else:
        e = ctx.tmp(out_t, "embed")
        ctx.node("Einsum", [ins[0], ins[1]], [e], equation="bchw,cd->bdhw")
        ctx.node("Add", [e, ctx.const(base.reshape(-1, 1, 1), dt, "embed_base")], outs)


@lowering("onehot_embed", "conv", min_opset=1,
          applies=lambda n: weights_constant(n) and n.attrs["layout"] == "nchw",
          why="the embedding is not an NCHW image with constant weights")
def embed_conv(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One 1x1 Conv whose bias is the base row (NCHW): no temporaries."""
    dt = activation_dtype(node)
    w = operand(node, 1).T[:, :, None, None]
    ctx.node("Conv", [ins[0], ctx.const(w, dt, "embed_w"), ins[2]], outs, kernel_shape=[1, 1])


# --------------------------------------------------------------------------- decode


def _decode_logits(ctx: EmitContext, node: Node, ins: list[str]) -> tuple[str, TensorType]:
    """Class logits ``[1, K, h, w]`` of the canvas cells."""
    z = node.inputs[0].type
    dt = z.dtype
    k = operand(node, 1).shape[0]
    ch, cw = node.attrs["canvas"]
    prefix = node.attrs.get("prefix", 0)
    grid = TensorType(dt, (1, k, ch, cw))
    if node.attrs["layout"] == "nchw":
        out = ctx.tmp(grid, "logits")
        ctx.node("Einsum", [ins[0], ins[1]], [out], equation="bdhw,kd->bkhw")
        return out, grid
    length, d = z.shape[1], z.shape[2]
    if prefix and k < d:
        # Drop the prefix tokens from the K-channel logits, not from the D-channel states.
        every = ctx.tmp(TensorType(dt, (1, k, length)), "token_logits")
        ctx.node("Einsum", [ins[0], ins[1]], [every], equation="bld,kd->bkl")
        flat = ctx.tmp(TensorType(dt, (1, k, ch * cw)), "logits")
        ctx.node("Slice", [every, ctx.ints([prefix], "starts"), ctx.ints([length], "ends"),
                           ctx.ints([2], "axes")], [flat])
    else:
        src = ins[0]
        if prefix:
            src = ctx.tmp(TensorType(dt, (1, ch * cw, d)), "cells")
            ctx.node("Slice", [ins[0], ctx.ints([prefix], "starts"), ctx.ints([length], "ends"),
                               ctx.ints([1], "axes")], [src])
        flat = ctx.tmp(TensorType(dt, (1, k, ch * cw)), "logits")
        ctx.node("Einsum", [src, ins[1]], [flat], equation="bld,kd->bkl")
    out = ctx.tmp(grid, "logits_grid")
    ctx.node("Reshape", [flat, ctx.ints(grid.shape, "shape")], [out])
    return out, grid


def _decode(ctx: EmitContext, node: Node, ins: list[str], outs: list[str], pad_bool: bool) -> None:
    logits, grid = _decode_logits(ctx, node, ins)
    k = grid.shape[1]
    ch, cw = node.attrs["canvas"]
    size = node.attrs.get("size", 30)
    mx = ctx.tmp(with_channels(grid, 1, 1), "max")
    if ctx.opset >= 18:
        ctx.node("ReduceMax", [logits, ctx.ints([1], "axes")], [mx], keepdims=1)
    else:
        ctx.node("ReduceMax", [logits], [mx], axes=[1], keepdims=1)
    colours = ctx.tmp(with_channels(grid, 1, k - 1), "colour_logits")
    ctx.node("Slice", [logits, ctx.ints([1], "starts"), ctx.ints([k], "ends"), ctx.ints([1], "axes")],
             [colours])
    hit = ctx.tmp(TensorType("bool", (1, k - 1, ch, cw)), "hit")
    ctx.node("GreaterOrEqual", [colours, mx], [hit])
    pads = ctx.ints([0, 0, 0, 0, 0, 0, size - ch, size - cw], "pads")
    if (ch, cw) == (size, size):
        ctx.node("Cast", [hit], outs, to=1)
    elif pad_bool:
        padded = ctx.tmp(TensorType("bool", (1, k - 1, size, size)), "hit_padded")
        ctx.node("Pad", [hit, pads], [padded], mode="constant")
        ctx.node("Cast", [padded], outs, to=1)
    else:
        f = ctx.tmp(TensorType("float32", (1, k - 1, ch, cw)), "answer")
        ctx.node("Cast", [hit], [f], to=1)
        ctx.node("Pad", [f, pads], outs, mode="constant")


@lowering("argmax_decode", "cast_then_pad", min_opset=13)
def decode_cast_then_pad(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """logits -> ReduceMax -> colour logits >= max (bool) -> Cast -> Pad into ``output``."""
    _decode(ctx, node, ins, outs, pad_bool=False)


@lowering("argmax_decode", "pad_then_cast", min_opset=13)
def decode_pad_then_cast(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """As cast_then_pad but pads the 1-byte mask and casts last (cheaper on big canvases)."""
    _decode(ctx, node, ins, outs, pad_bool=True)
