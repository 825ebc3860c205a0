"""Lowerings of ``attention`` (multi-head self-attention with RoPE on ``[1, L, D]`` tokens).

Under the NeuroGolf cost a tensor that is never materialised costs nothing, so the cheap
lowerings fold RoPE's position-dependent rotation into the q/k projection (one Einsum with
a ``[L, 2, hd]`` cos/sin table) and use the fused opset-23 ``Attention``, which never writes
its ``[heads, L, L]`` scores. One step of an ONNX ``RNN`` with ``R = I`` and
``initial_h = h`` stores ``y W^T + h`` without ``y W^T`` (the output projection and the
residual in one node). The decomposed alternative covers opsets before 23 and serves as a
``--kernel`` comparison.
"""

from __future__ import annotations

import numpy as np

from trmgolf.ir.graph import Node
from trmgolf.ir.ops.attention import rotate_half
from trmgolf.ir.types import TensorType
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext
from trmgolf.kernels.operands import activation_dtype, derived_key, operand, weight, weights_constant


def _heads(node: Node) -> tuple[int, int, int, int]:
    _, length, d = node.inputs[0].type.shape
    heads = node.attrs["heads"]
    return length, d, heads, d // heads


def _plain_and_rotated(node: Node, w_index: int, scale: float) -> np.ndarray:
    """``[W; R W]`` per head, ``[2, H, hd, D]`` (float64): a projection's rows and the rows
    of its rotate-half image, so ``rope(h W^T)`` is one contraction with a cos/sin table."""
    _, d, heads, hd = _heads(node)
    w = operand(node, w_index).astype(np.float64).reshape(heads, hd, d) * scale
    return np.stack((w, rotate_half(w.transpose(0, 2, 1)).transpose(0, 2, 1)))


def _rope_projection(ctx: EmitContext, node: Node, ins: list[str], w_index: int, scale: float,
                     hint: str) -> str:
    """q (or k) per head with RoPE folded in: ``Einsum(h, [W; R W], [cos, sin])``.

    ``rope(h W^T) = (h W^T) cos + (h (R W)^T) sin`` for the rotate-half matrix R, so one
    three-operand Einsum gives the rotated heads ``[1, H, L, hd]`` directly.
    """
    length, d, heads, hd = _heads(node)
    dt = activation_dtype(node)

    def w2() -> np.ndarray:
        return _plain_and_rotated(node, w_index, scale)  # [2, H, hd, D]

    def table() -> np.ndarray:
        return np.stack((operand(node, 5), operand(node, 6)), axis=1).astype(np.float64)  # [L, 2, hd]

    out = ctx.tmp(TensorType(dt, (1, heads, length, hd)), hint)
    w2_name = ctx.const(w2, dt, f"{hint}_rope_w", derived_key(node, "rope_w", w_index, extra=scale))
    table_name = ctx.const(table, dt, "rope_table", derived_key(node, "rope_table", 5, 6))
    ctx.node("Einsum", [ins[0], w2_name, table_name], [out], equation="bld,khjd,lkj->bhlj")
    return out


def _head_projection(ctx: EmitContext, node: Node, ins: list[str], w_index: int, hint: str) -> str:
    length, d, heads, hd = _heads(node)
    dt = activation_dtype(node)
    w = ctx.const(lambda: operand(node, w_index).reshape(heads, hd, d), dt, f"{hint}_w",
                  derived_key(node, "heads_w", w_index))
    out = ctx.tmp(TensorType(dt, (1, heads, length, hd)), hint)
    ctx.node("Einsum", [ins[0], w], [out], equation="bld,hjd->bhlj")
    return out


def _residual_target(ctx: EmitContext, node: Node, outs: list[str]) -> list[str]:
    """Where the projection writes: ``outs``, or a temporary that ``_add_residual`` adds to h."""
    return [ctx.tmp(node.output.type, "o")] if node.attrs.get("residual") else outs


def _add_residual(ctx: EmitContext, node: Node, ins: list[str], projected: list[str],
                  outs: list[str]) -> None:
    if projected != outs:
        ctx.node("Add", [ins[0], projected[0]], outs)


def _out_projection(ctx: EmitContext, node: Node, ins: list[str], y: str, outs: list[str]) -> None:
    _, d, heads, hd = _heads(node)
    wo = ctx.const(lambda: operand(node, 4).T.reshape(heads, hd, d),  # [H, hd, D_out]
                   activation_dtype(node), "o_w", derived_key(node, "o_w", 4))
    target = _residual_target(ctx, node, outs)
    ctx.node("Einsum", [y, wo], target, equation="bhlj,hje->ble")
    _add_residual(ctx, node, ins, target, outs)


@lowering("attention", "fused", min_opset=23, applies=weights_constant,
          why="the weights are not constants")
def attention_fused(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """RoPE folded into the q/k Einsums, opset-23 Attention on [1,H,L,hd] (scores never
    materialised), the output projection as an Einsum over (head, dim)."""
    length, d, heads, hd = _heads(node)
    q = _rope_projection(ctx, node, ins, 1, 1.0, "q")
    k = _rope_projection(ctx, node, ins, 2, 1.0, "k")
    v = _head_projection(ctx, node, ins, 3, "v")
    y = ctx.tmp(TensorType(activation_dtype(node), (1, heads, length, hd)), "attn")
    ctx.node("Attention", [q, k, v], [y])
    _out_projection(ctx, node, ins, y, outs)


def _rope_projection_3d(ctx: EmitContext, node: Node, ins: list[str], w_index: int, hint: str) -> str:
    """``_rope_projection`` for the 3-D layout ``[1, L, D]`` (heads side by side): the
    ``[L, 2, D]`` table repeats the per-head cos/sin for every head."""
    length, d, heads, hd = _heads(node)
    dt = activation_dtype(node)

    def w2() -> np.ndarray:
        return _plain_and_rotated(node, w_index, 1.0).reshape(2, d, d)  # [2, D_out, D_in]

    def table() -> np.ndarray:
        cos, sin = (np.tile(operand(node, i).astype(np.float64), (1, heads)) for i in (5, 6))
        return np.stack((cos, sin), axis=1)  # [L, 2, D]

    out = ctx.tmp(TensorType(dt, (1, length, d)), hint)
    ctx.node("Einsum", [ins[0], ctx.const(w2, dt, f"{hint}_rope_w", derived_key(node, "rope_w_3d", w_index)),
                        ctx.const(table, dt, "rope_table_3d", derived_key(node, "rope_table_3d", 5, 6))],
             [out], equation="bld,kjd,lkj->blj")
    return out


def _residual_weights(node: Node) -> bool:
    return bool(node.attrs.get("residual")) and weights_constant(node)


@lowering("attention", "fused_rnn_residual", min_opset=23, applies=_residual_weights,
          why="the attention has no fused residual, or its weights are not constants")
def attention_fused_rnn_residual(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """RoPE-folded q/k Einsums and v in the 3-D layout, opset-23 Attention, then ONE RNN step
    for the output projection AND the residual: ``X = y`` ``[seq=1, batch=L, D]``, ``W = W_o``,
    ``R = I``, ``initial_h = h``, identity Affine activation, so its last state ``Y_h`` is
    ``y W_o^T + h`` ``[1, L, D]``: the projection is never stored apart from the sum."""
    length, d, heads, hd = _heads(node)
    dt = activation_dtype(node)
    q = _rope_projection_3d(ctx, node, ins, 1, "q")
    k = _rope_projection_3d(ctx, node, ins, 2, "k")
    v = ctx.tmp(TensorType(dt, (1, length, d)), "v")
    ctx.node("Einsum", [ins[0], weight(ctx, node, 3, dt, "v_w")], [v], equation="bld,ed->ble")
    y = ctx.tmp(TensorType(dt, (1, length, d)), "attn")
    ctx.node("Attention", [q, k, v], [y], q_num_heads=heads, kv_num_heads=heads)
    ctx.node("RNN", [y, ctx.const(lambda: operand(node, 4)[None], dt, "o_w3", derived_key(node, "o_w3", 4)),
                     ctx.const(lambda: np.eye(d)[None], dt, "identity_recurrence", ("eye", d)), "", "",
                     ins[0]],
             ["", outs[0]], hidden_size=d, activations=["Affine"], activation_alpha=[1.0],
             activation_beta=[0.0])


def _rope_halves_repeat(node: Node) -> bool:
    """RotaryEmbedding reads half-width cos/sin caches: only right when both tables are in the
    rotate-half layout (second half = first half), as RoPE builds them; the op allows any table."""
    if not weights_constant(node):
        return False
    hd = _heads(node)[3]
    return all(np.array_equal(t[:, : hd // 2], t[:, hd // 2:]) for t in (operand(node, 5), operand(node, 6)))


@lowering("attention", "fused_rotary", min_opset=23, applies=_rope_halves_repeat,
          why="the RoPE tables are not in the rotate-half layout (or not constants)")
def attention_fused_rotary(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Separate MatMul projections, RotaryEmbedding on q and k, Attention on [1,L,D]."""
    length, d, heads, hd = _heads(node)
    dt = activation_dtype(node)
    t = node.inputs[0].type
    proj = {}
    for i, name in ((1, "q"), (2, "k"), (3, "v")):
        proj[name] = ctx.tmp(t, name)
        ctx.node("MatMul", [ins[0], ctx.const(operand(node, i).T, dt, f"{name}_wt")], [proj[name]])
    cos = ctx.const(operand(node, 5)[None, :, : hd // 2], dt, "rope_cos")
    sin = ctx.const(operand(node, 6)[None, :, : hd // 2], dt, "rope_sin")
    for name in ("q", "k"):
        rot = ctx.tmp(t, f"{name}_rot")
        ctx.node("RotaryEmbedding", [proj[name], cos, sin], [rot], num_heads=heads)
        proj[name] = rot
    y = ctx.tmp(t, "attn")
    ctx.node("Attention", [proj["q"], proj["k"], proj["v"]], [y], q_num_heads=heads,
             kv_num_heads=heads)
    target = _residual_target(ctx, node, outs)
    ctx.node("MatMul", [y, ctx.const(operand(node, 4).T, dt, "o_wt")], target)
    _add_residual(ctx, node, ins, target, outs)


@lowering("attention", "decomposed", min_opset=13, applies=weights_constant,
          why="the weights are not constants")
def attention_decomposed(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """RoPE-folded q/k Einsums (1/sqrt(hd) folded into q), scores Einsum, Softmax, Einsum with v:
    materialises two [1,H,L,L] tensors, what every opset before 23 must pay."""
    length, d, heads, hd = _heads(node)
    dt = activation_dtype(node)
    q = _rope_projection(ctx, node, ins, 1, 1.0 / np.sqrt(hd), "q")
    k = _rope_projection(ctx, node, ins, 2, 1.0, "k")
    v = _head_projection(ctx, node, ins, 3, "v")
    scores = ctx.tmp(TensorType(dt, (1, heads, length, length)), "scores")
    ctx.node("Einsum", [q, k], [scores], equation="bhlj,bhmj->bhlm")
    probs = ctx.tmp(TensorType(dt, (1, heads, length, length)), "probs")
    ctx.node("Softmax", [scores], [probs], axis=-1)
    y = ctx.tmp(TensorType(dt, (1, heads, length, hd)), "attn")
    ctx.node("Einsum", [probs, v], [y], equation="bhlm,bhmj->bhlj")
    _out_projection(ctx, node, ins, y, outs)
