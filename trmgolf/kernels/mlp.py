"""Lowerings of ``swiglu`` (``down(silu(gate(h)) * up(h))``), on tokens or NCHW activations.

The cheap ones never store the up projection or the product: one multi-operand Einsum
contracts them away; SiLU is one ``Swish`` node at opset 24. One step of an ONNX
``RNN``/``GRU`` (tokens read as ``[seq=1, batch=L, D]``) with a zero recurrence is a fused
"linear map + activation": it stores ``sigmoid(h W^T)`` (or ``silu``) without ``h W^T``.
"""

from __future__ import annotations

import numpy as np

from trmgolf.ir.graph import Node
from trmgolf.ir.types import TensorType
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext
from trmgolf.kernels.operands import (
    activation_dtype,
    derived_key,
    operand,
    weight,
    weights_constant,
    with_channels,
)

LETTERS = {"tokens": "bl{}", "nchw": "b{}hw"}


def _eq(node: Node, ch: str) -> str:
    layout = "tokens" if node.attrs["axis"] % node.inputs[0].type.rank == 2 else "nchw"
    return LETTERS[layout].format(ch)


SWIGLU_WHY = "needs constant weights and tokens [1, L, D] (axis 2) or an image [1, D, h, w] (axis 1)"
TOKENS_WHY = "needs constant weights and an input of [1, L, D] tokens (axis 2)"


def _swiglu_ok(node: Node) -> bool:
    rank, axis = node.inputs[0].type.rank, node.attrs["axis"] % node.inputs[0].type.rank
    return weights_constant(node) and (rank, axis) in ((3, 2), (4, 1))


def _silu(ctx: EmitContext, node: Node, gate: str, t: TensorType) -> str:
    out = ctx.tmp(t, "silu")
    if ctx.opset >= 24:
        ctx.node("Swish", [gate], [out], alpha=1.0)
        return out
    sig = ctx.tmp(t, "sigmoid")
    ctx.node("Sigmoid", [gate], [sig])
    ctx.node("Mul", [gate, sig], [out])
    return out


def _gate(ctx: EmitContext, node: Node, ins: list[str], index: int, hint: str) -> tuple[str, TensorType]:
    dt = activation_dtype(node)
    axis = node.attrs["axis"] % node.inputs[0].type.rank
    inter = operand(node, 1).shape[0]
    t = with_channels(node.inputs[0].type, axis, inter)
    out = ctx.tmp(t, hint)
    x, y = _eq(node, "d"), _eq(node, "i")
    ctx.node("Einsum", [ins[0], weight(ctx, node, index, dt, f"{hint}_w")], [out],
             equation=f"{x},id->{y}")
    return out, t


@lowering("swiglu", "einsum4", min_opset=12, applies=_swiglu_ok,
          why=SWIGLU_WHY)
def swiglu_einsum4(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """gate Einsum, SiLU (Swish at opset 24), then ONE Einsum ``(h, W_up, silu, W_down)``: the
    up projection and the product are never materialised (slow in onnxruntime, cheapest here)."""
    dt = activation_dtype(node)
    gate, t = _gate(ctx, node, ins, 1, "gate")
    act = _silu(ctx, node, gate, t)
    x, y, o = _eq(node, "d"), _eq(node, "i"), _eq(node, "e")
    ctx.node("Einsum", [ins[0], weight(ctx, node, 2, dt, "up_w"), act,
                        weight(ctx, node, 3, dt, "down_w")], outs,
             equation=f"{x},id,{y},ei->{o}")


@lowering("swiglu", "separate", min_opset=12, applies=_swiglu_ok,
          why=SWIGLU_WHY)
def swiglu_separate(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """gate and up Einsums, SiLU, Mul, down Einsum: fast, materialises up and the product."""
    dt = activation_dtype(node)
    gate, t = _gate(ctx, node, ins, 1, "gate")
    up, _ = _gate(ctx, node, ins, 2, "up")
    act = _silu(ctx, node, gate, t)
    prod = ctx.tmp(t, "glu")
    ctx.node("Mul", [act, up], [prod])
    y, o = _eq(node, "i"), _eq(node, "e")
    ctx.node("Einsum", [prod, weight(ctx, node, 3, dt, "down_w")], outs, equation=f"{y},ei->{o}")


def _tokens_ok(node: Node) -> bool:
    """``[1, L, D]`` tokens: read as an RNN's ``X`` ``[seq=1, batch=L, input=D]`` unchanged."""
    t = node.inputs[0].type
    return _swiglu_ok(node) and t.rank == 3 and t.shape[0] == 1


@lowering("swiglu", "rnn_sigmoid", min_opset=12, applies=_tokens_ok,  # its Einsum: opset 12
          why=TOKENS_WHY)
def swiglu_rnn_sigmoid(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One RNN step with a zero recurrence computes ``sigmoid(h W_gate^T)`` without storing the
    gate itself; one six-operand Einsum ``(h, W_gate, h, W_up, sigmoid, W_down)`` rebuilds
    ``silu(gate) * up`` and projects it down. The only stored tensor is ``[1, 1, L, I]`` (half of
    einsum4's), for an ``I x I`` zero matrix shared by every block (slow in onnxruntime)."""
    dt = activation_dtype(node)
    _, length, _ = node.inputs[0].type.shape
    inter = operand(node, 1).shape[0]
    # [1, I, D]: the RNN's W and an Einsum operand
    w_gate = ctx.const(lambda: operand(node, 1)[None], dt, "gate_w", derived_key(node, "gate_w3", 1))
    sig = ctx.tmp(TensorType(dt, (1, 1, length, inter)), "gate_sigmoid")
    ctx.node("RNN", [ins[0], w_gate, ctx.const(lambda: np.zeros((1, inter, inter)), dt, "zero_recurrence",
                                              ("zeros", inter, inter))],
             [sig], hidden_size=inter, activations=["Sigmoid"])
    ctx.node("Einsum", [ins[0], w_gate, ins[0], weight(ctx, node, 2, dt, "up_w"), sig,
                        weight(ctx, node, 3, dt, "down_w")], outs,
             equation="bld,kid,blc,ic,bkli,ei->ble")


@lowering("swiglu", "gru_silu", min_opset=12, applies=_tokens_ok,  # its Einsum: opset 12
          why=TOKENS_WHY)
def swiglu_gru_silu(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One GRU step with a zero state gives ``(1 - sigmoid(-g)) * g = silu(g)`` directly (update
    gate weights ``-W_gate``, candidate ``W_gate`` through an identity Affine), then einsum4's
    ``(h, W_up, silu, W_down)`` Einsum: one stored ``[1, 1, L, I]`` tensor like rnn_sigmoid and
    2.5x faster in onnxruntime, for a larger ``3I x I`` zero recurrence and ``3I x D`` weights."""
    dt = activation_dtype(node)
    _, length, _ = node.inputs[0].type.shape
    wg = operand(node, 1)
    inter = wg.shape[0]
    w = ctx.const(lambda: np.concatenate((-wg, np.zeros_like(wg), wg))[None], dt, "gru_w",  # z, r, h
                  derived_key(node, "gru_w", 1))
    act = ctx.tmp(TensorType(dt, (1, 1, length, inter)), "silu")
    ctx.node("GRU", [ins[0], w,
                     ctx.const(lambda: np.zeros((1, 3 * inter, inter)), dt, "zero_recurrence",
                               ("zeros", 3 * inter, inter))],
             [act], hidden_size=inter, activations=["Sigmoid", "Affine"],
             activation_alpha=[1.0, 1.0], activation_beta=[0.0, 0.0])
    ctx.node("Einsum", [ins[0], weight(ctx, node, 2, dt, "up_w"), act,
                        weight(ctx, node, 3, dt, "down_w")], outs, equation="bld,id,bkli,ei->ble")
