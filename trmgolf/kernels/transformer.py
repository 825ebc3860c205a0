"""Lowerings of the composite transformer ops (``trmgolf.ir.ops.transformer``).

Under the NeuroGolf cost a tensor that is never materialised costs nothing, so the
cheap lowerings contract several operands in one node (Einsum), fold RoPE's
position-dependent rotation into the q/k projection (one Einsum with a ``[L, 2, hd]``
cos/sin table), and use the fused opset-23/24 operators (``Attention`` never writes
its ``[heads, L, L]`` scores; ``RMSNormalization`` and ``Swish`` are one node each).
One step of an ONNX ``RNN``/``GRU`` (tokens read as ``[seq=1, batch=L, D]``) is a fused
"linear map + activation" or "linear map + residual" node: with a zero recurrence it
stores ``sigmoid(h W^T)`` without ``h W^T``; with ``R = I`` and ``initial_h = h`` it
stores ``y W^T + h`` without ``y W^T``. Decomposed alternatives cover older opsets and
serve as ``--kernel`` comparisons.
Derived constants (reshaped or rotated weights, RoPE tables) go through ``ctx.const``,
which shares them by content: every unrolled step reads the same initializer.
"""

from __future__ import annotations

import numpy as np

from trmgolf.ir.graph import Node
from trmgolf.ir.ops.transformer import rotate_half
from trmgolf.ir.types import TensorType
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext

LETTERS = {"tokens": "bl{}", "nchw": "b{}hw"}


def _weights_constant(node: Node) -> bool:
    return all(v.is_constant for v in node.inputs[1:])


def _np(node: Node, i: int) -> np.ndarray:
    return node.inputs[i].constant


def _key(node: Node, tag: str, *indices: int, extra: object = None) -> tuple:
    """What a derived constant is built from (``EmitContext.const``'s ``key``): a tag and
    the identities of the node's constant inputs it reads."""
    return (tag, *(id(node.inputs[i]) for i in indices), extra)


def _weight(ctx: EmitContext, node: Node, index: int, dt: str, hint: str) -> str:
    """Constant input ``index`` as an initializer of dtype ``dt`` (memoised by identity)."""
    return ctx.const(lambda: _np(node, index), dt, hint, _key(node, "input", index))


def _dtype(node: Node) -> str:
    return node.inputs[0].type.dtype


def _with_channels(t: TensorType, axis: int, n: int) -> TensorType:
    shape = list(t.shape)
    shape[axis] = n
    return t.with_shape(tuple(shape))


# --------------------------------------------------------------------------- rms_norm


def _last_axis(node: Node) -> bool:
    return node.attrs["axis"] % node.inputs[0].type.rank == node.inputs[0].type.rank - 1


@lowering("rms_norm", "fused", min_opset=23, applies=_last_axis,
          why="the normalised axis is not the last")
def rms_norm_fused(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One RMSNormalization (opset 23) with a ones scale; statistics in float32 (stash_type)."""
    d = node.inputs[0].type.shape[-1]
    scale = ctx.const(np.ones(d), _dtype(node), "rms_scale")
    ctx.node("RMSNormalization", [ins[0], scale], outs, axis=-1, epsilon=float(node.attrs["eps"]))


@lowering("rms_norm", "decomposed", min_opset=13)
def rms_norm_decomposed(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """ReduceSumSquare (no x^2 tensor) -> *1/D -> +eps -> Sqrt -> Div: only [.., 1] temporaries."""
    t = node.inputs[0].type
    axis = node.attrs["axis"] % t.rank
    small = _with_channels(t, axis, 1)
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


# --------------------------------------------------------------------------- attention


def _heads(node: Node) -> tuple[int, int, int, int]:
    _, length, d = node.inputs[0].type.shape
    heads = node.attrs["heads"]
    return length, d, heads, d // heads


def _plain_and_rotated(node: Node, w_index: int, scale: float) -> np.ndarray:
    """``[W; R W]`` per head, ``[2, H, hd, D]`` (float64): a projection's rows and the rows
    of its rotate-half image, so ``rope(h W^T)`` is one contraction with a cos/sin table."""
    _, d, heads, hd = _heads(node)
    w = _np(node, w_index).astype(np.float64).reshape(heads, hd, d) * scale
    return np.stack((w, rotate_half(w.transpose(0, 2, 1)).transpose(0, 2, 1)))


def _rope_projection(ctx: EmitContext, node: Node, ins: list[str], w_index: int, scale: float,
                     hint: str) -> str:
    """q (or k) per head with RoPE folded in: ``Einsum(h, [W; R W], [cos, sin])``.

    ``rope(h W^T) = (h W^T) cos + (h (R W)^T) sin`` for the rotate-half matrix R, so one
    three-operand Einsum gives the rotated heads ``[1, H, L, hd]`` directly.
    """
    length, d, heads, hd = _heads(node)
    dt = _dtype(node)

    def w2() -> np.ndarray:
        return _plain_and_rotated(node, w_index, scale)  # [2, H, hd, D]

    def table() -> np.ndarray:
        return np.stack((_np(node, 5), _np(node, 6)), axis=1).astype(np.float64)  # [L, 2, hd]

    out = ctx.tmp(TensorType(dt, (1, heads, length, hd)), hint)
    w2_name = ctx.const(w2, dt, f"{hint}_rope_w", _key(node, "rope_w", w_index, extra=scale))
    ctx.node("Einsum", [ins[0], w2_name, ctx.const(table, dt, "rope_table", _key(node, "rope_table", 5, 6))],
             [out], equation="bld,khjd,lkj->bhlj")
    return out


def _head_projection(ctx: EmitContext, node: Node, ins: list[str], w_index: int, hint: str) -> str:
    length, d, heads, hd = _heads(node)
    dt = _dtype(node)
    w = ctx.const(lambda: _np(node, w_index).reshape(heads, hd, d), dt, f"{hint}_w",
                  _key(node, "heads_w", w_index))
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
    wo = ctx.const(lambda: _np(node, 4).T.reshape(heads, hd, d), _dtype(node), "o_w",  # [H, hd, D_out]
                   _key(node, "o_w", 4))
    target = _residual_target(ctx, node, outs)
    ctx.node("Einsum", [y, wo], target, equation="bhlj,hje->ble")
    _add_residual(ctx, node, ins, target, outs)


@lowering("attention", "fused", min_opset=23, applies=_weights_constant,
          why="the weights are not constants")
def attention_fused(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """RoPE folded into the q/k Einsums, opset-23 Attention on [1,H,L,hd] (scores never
    materialised), the output projection as an Einsum over (head, dim)."""
    length, d, heads, hd = _heads(node)
    q = _rope_projection(ctx, node, ins, 1, 1.0, "q")
    k = _rope_projection(ctx, node, ins, 2, 1.0, "k")
    v = _head_projection(ctx, node, ins, 3, "v")
    y = ctx.tmp(TensorType(_dtype(node), (1, heads, length, hd)), "attn")
    ctx.node("Attention", [q, k, v], [y])
    _out_projection(ctx, node, ins, y, outs)


def _rope_projection_3d(ctx: EmitContext, node: Node, ins: list[str], w_index: int, hint: str) -> str:
    """``_rope_projection`` for the 3-D layout ``[1, L, D]`` (heads side by side): the
    ``[L, 2, D]`` table repeats the per-head cos/sin for every head."""
    length, d, heads, hd = _heads(node)
    dt = _dtype(node)

    def w2() -> np.ndarray:
        return _plain_and_rotated(node, w_index, 1.0).reshape(2, d, d)  # [2, D_out, D_in]

    def table() -> np.ndarray:
        cos, sin = (np.tile(_np(node, i).astype(np.float64), (1, heads)) for i in (5, 6))
        return np.stack((cos, sin), axis=1)  # [L, 2, D]

    out = ctx.tmp(TensorType(dt, (1, length, d)), hint)
    ctx.node("Einsum", [ins[0], ctx.const(w2, dt, f"{hint}_rope_w", _key(node, "rope_w_3d", w_index)),
                        ctx.const(table, dt, "rope_table_3d", _key(node, "rope_table_3d", 5, 6))],
             [out], equation="bld,kjd,lkj->blj")
    return out


def _residual_weights(node: Node) -> bool:
    return bool(node.attrs.get("residual")) and _weights_constant(node)


@lowering("attention", "fused_rnn_residual", min_opset=23, applies=_residual_weights,
          why="the attention has no fused residual, or its weights are not constants")
def attention_fused_rnn_residual(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """RoPE-folded q/k Einsums and v in the 3-D layout, opset-23 Attention, then ONE RNN step
    for the output projection AND the residual: ``X = y`` ``[seq=1, batch=L, D]``, ``W = W_o``,
    ``R = I``, ``initial_h = h``, identity Affine activation, so its last state ``Y_h`` is
    ``y W_o^T + h`` ``[1, L, D]``: the projection is never stored apart from the sum."""
    length, d, heads, hd = _heads(node)
    dt = _dtype(node)
    q = _rope_projection_3d(ctx, node, ins, 1, "q")
    k = _rope_projection_3d(ctx, node, ins, 2, "k")
    v = ctx.tmp(TensorType(dt, (1, length, d)), "v")
    ctx.node("Einsum", [ins[0], _weight(ctx, node, 3, dt, "v_w")], [v], equation="bld,ed->ble")
    y = ctx.tmp(TensorType(dt, (1, length, d)), "attn")
    ctx.node("Attention", [q, k, v], [y], q_num_heads=heads, kv_num_heads=heads)
    ctx.node("RNN", [y, ctx.const(lambda: _np(node, 4)[None], dt, "o_w3", _key(node, "o_w3", 4)),
                     ctx.const(lambda: np.eye(d)[None], dt, "identity_recurrence", ("eye", d)), "", "",
                     ins[0]],
             ["", outs[0]], hidden_size=d, activations=["Affine"], activation_alpha=[1.0],
             activation_beta=[0.0])


def _rope_halves_repeat(node: Node) -> bool:
    """RotaryEmbedding reads half-width cos/sin caches: only right when both tables are in the
    rotate-half layout (second half = first half), as RoPE builds them; the op allows any table."""
    if not _weights_constant(node):
        return False
    hd = _heads(node)[3]
    return all(np.array_equal(t[:, : hd // 2], t[:, hd // 2:]) for t in (_np(node, 5), _np(node, 6)))


@lowering("attention", "fused_rotary", min_opset=23, applies=_rope_halves_repeat,
          why="the RoPE tables are not in the rotate-half layout (or not constants)")
def attention_fused_rotary(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Separate MatMul projections, RotaryEmbedding on q and k, Attention on [1,L,D]."""
    length, d, heads, hd = _heads(node)
    dt = _dtype(node)
    t = node.inputs[0].type
    proj = {}
    for i, name in ((1, "q"), (2, "k"), (3, "v")):
        proj[name] = ctx.tmp(t, name)
        ctx.node("MatMul", [ins[0], ctx.const(_np(node, i).T, dt, f"{name}_wt")], [proj[name]])
    cos = ctx.const(_np(node, 5)[None, :, : hd // 2], dt, "rope_cos")
    sin = ctx.const(_np(node, 6)[None, :, : hd // 2], dt, "rope_sin")
    for name in ("q", "k"):
        rot = ctx.tmp(t, f"{name}_rot")
        ctx.node("RotaryEmbedding", [proj[name], cos, sin], [rot], num_heads=heads)
        proj[name] = rot
    y = ctx.tmp(t, "attn")
    ctx.node("Attention", [proj["q"], proj["k"], proj["v"]], [y], q_num_heads=heads,
             kv_num_heads=heads)
    target = _residual_target(ctx, node, outs)
    ctx.node("MatMul", [y, ctx.const(_np(node, 4).T, dt, "o_wt")], target)
    _add_residual(ctx, node, ins, target, outs)


@lowering("attention", "decomposed", min_opset=13, applies=_weights_constant,
          why="the weights are not constants")
def attention_decomposed(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """RoPE-folded q/k Einsums (1/sqrt(hd) folded into q), scores Einsum, Softmax, Einsum with v:
    materialises two [1,H,L,L] tensors, what every opset before 23 must pay."""
    length, d, heads, hd = _heads(node)
    dt = _dtype(node)
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


# --------------------------------------------------------------------------- swiglu


def _eq(node: Node, ch: str) -> str:
    layout = "tokens" if node.attrs["axis"] % node.inputs[0].type.rank == 2 else "nchw"
    return LETTERS[layout].format(ch)


SWIGLU_WHY = "needs constant weights and tokens [1, L, D] (axis 2) or an image [1, D, h, w] (axis 1)"
TOKENS_WHY = "needs constant weights and an input of [1, L, D] tokens (axis 2)"


def _swiglu_ok(node: Node) -> bool:
    rank, axis = node.inputs[0].type.rank, node.attrs["axis"] % node.inputs[0].type.rank
    return _weights_constant(node) and (rank, axis) in ((3, 2), (4, 1))


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
    dt = _dtype(node)
    axis = node.attrs["axis"] % node.inputs[0].type.rank
    inter = _np(node, 1).shape[0]
    t = _with_channels(node.inputs[0].type, axis, inter)
    out = ctx.tmp(t, hint)
    x, y = _eq(node, "d"), _eq(node, "i")
    ctx.node("Einsum", [ins[0], _weight(ctx, node, index, dt, f"{hint}_w")], [out],
             equation=f"{x},id->{y}")
    return out, t


@lowering("swiglu", "einsum4", min_opset=12, applies=_swiglu_ok,
          why=SWIGLU_WHY)
def swiglu_einsum4(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """gate Einsum, SiLU (Swish at opset 24), then ONE Einsum ``(h, W_up, silu, W_down)``: the
    up projection and the product are never materialised (slow in onnxruntime, cheapest here)."""
    dt = _dtype(node)
    gate, t = _gate(ctx, node, ins, 1, "gate")
    act = _silu(ctx, node, gate, t)
    x, y, o = _eq(node, "d"), _eq(node, "i"), _eq(node, "e")
    ctx.node("Einsum", [ins[0], _weight(ctx, node, 2, dt, "up_w"), act,
                        _weight(ctx, node, 3, dt, "down_w")], outs,
             equation=f"{x},id,{y},ei->{o}")


@lowering("swiglu", "separate", min_opset=12, applies=_swiglu_ok,
          why=SWIGLU_WHY)
def swiglu_separate(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """gate and up Einsums, SiLU, Mul, down Einsum: fast, materialises up and the product."""
    dt = _dtype(node)
    gate, t = _gate(ctx, node, ins, 1, "gate")
    up, _ = _gate(ctx, node, ins, 2, "up")
    act = _silu(ctx, node, gate, t)
    prod = ctx.tmp(t, "glu")
    ctx.node("Mul", [act, up], [prod])
    y, o = _eq(node, "i"), _eq(node, "e")
    ctx.node("Einsum", [prod, _weight(ctx, node, 3, dt, "down_w")], outs, equation=f"{y},ei->{o}")


def _tokens_ok(node: Node) -> bool:
    """``[1, L, D]`` tokens: read as an RNN's ``X`` ``[seq=1, batch=L, input=D]`` unchanged."""
    t = node.inputs[0].type
    return _swiglu_ok(node) and t.rank == 3 and t.shape[0] == 1


@lowering("swiglu", "rnn_sigmoid", min_opset=7, applies=_tokens_ok, why=TOKENS_WHY)
def swiglu_rnn_sigmoid(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One RNN step with a zero recurrence computes ``sigmoid(h W_gate^T)`` without storing the
    gate itself; one six-operand Einsum ``(h, W_gate, h, W_up, sigmoid, W_down)`` rebuilds
    ``silu(gate) * up`` and projects it down. The only stored tensor is ``[1, 1, L, I]`` (half of
    einsum4's), for an ``I x I`` zero matrix shared by every block (slow in onnxruntime)."""
    dt = _dtype(node)
    _, length, _ = node.inputs[0].type.shape
    inter = _np(node, 1).shape[0]
    # [1, I, D]: the RNN's W and an Einsum operand
    w_gate = ctx.const(lambda: _np(node, 1)[None], dt, "gate_w", _key(node, "gate_w3", 1))
    sig = ctx.tmp(TensorType(dt, (1, 1, length, inter)), "gate_sigmoid")
    ctx.node("RNN", [ins[0], w_gate, ctx.const(lambda: np.zeros((1, inter, inter)), dt, "zero_recurrence",
                                              ("zeros", inter, inter))],
             [sig], hidden_size=inter, activations=["Sigmoid"])
    ctx.node("Einsum", [ins[0], w_gate, ins[0], _weight(ctx, node, 2, dt, "up_w"), sig,
                        _weight(ctx, node, 3, dt, "down_w")], outs,
             equation="bld,kid,blc,ic,bkli,ei->ble")


@lowering("swiglu", "gru_silu", min_opset=7, applies=_tokens_ok, why=TOKENS_WHY)
def swiglu_gru_silu(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One GRU step with a zero state gives ``(1 - sigmoid(-g)) * g = silu(g)`` directly (update
    gate weights ``-W_gate``, candidate ``W_gate`` through an identity Affine), then einsum4's
    ``(h, W_up, silu, W_down)`` Einsum: one stored ``[1, 1, L, I]`` tensor like rnn_sigmoid and
    2.5x faster in onnxruntime, for a larger ``3I x I`` zero recurrence and ``3I x D`` weights."""
    dt = _dtype(node)
    _, length, _ = node.inputs[0].type.shape
    wg = _np(node, 1)
    inter = wg.shape[0]
    w = ctx.const(lambda: np.concatenate((-wg, np.zeros_like(wg), wg))[None], dt, "gru_w",  # z, r, h
                  _key(node, "gru_w", 1))
    act = ctx.tmp(TensorType(dt, (1, 1, length, inter)), "silu")
    ctx.node("GRU", [ins[0], w,
                     ctx.const(lambda: np.zeros((1, 3 * inter, inter)), dt, "zero_recurrence",
                               ("zeros", 3 * inter, inter))],
             [act], hidden_size=inter, activations=["Sigmoid", "Affine"],
             activation_alpha=[1.0, 1.0], activation_beta=[0.0, 0.0])
    ctx.node("Einsum", [ins[0], _weight(ctx, node, 2, dt, "up_w"), act,
                        _weight(ctx, node, 3, dt, "down_w")], outs, equation="bld,id,bkli,ei->ble")


# --------------------------------------------------------------------------- embedding


@lowering("onehot_embed", "einsum", min_opset=12, applies=_weights_constant,
          why="the weights are not constants")
def embed_einsum(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Einsum of the one-hot channels with the (scaled) table deltas, plus the base row."""
    dt = _dtype(node)
    layout = node.attrs["layout"]
    out_t = node.output.type
    base = _np(node, 2)
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
          applies=lambda n: _weights_constant(n) and n.attrs["layout"] == "nchw",
          why="the embedding is not an NCHW image with constant weights")
def embed_conv(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One 1x1 Conv whose bias is the base row (NCHW): no temporaries."""
    dt = _dtype(node)
    w = _np(node, 1).T[:, :, None, None]
    ctx.node("Conv", [ins[0], ctx.const(w, dt, "embed_w"), ins[2]], outs, kernel_shape=[1, 1])


# --------------------------------------------------------------------------- decode


def _decode_logits(ctx: EmitContext, node: Node, ins: list[str]) -> tuple[str, TensorType]:
    """Class logits ``[1, K, h, w]`` of the canvas cells."""
    z = node.inputs[0].type
    dt = z.dtype
    k = _np(node, 1).shape[0]
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
    mx = ctx.tmp(_with_channels(grid, 1, 1), "max")
    if ctx.opset >= 18:
        ctx.node("ReduceMax", [logits, ctx.ints([1], "axes")], [mx], keepdims=1)
    else:
        ctx.node("ReduceMax", [logits], [mx], axes=[1], keepdims=1)
    colours = ctx.tmp(_with_channels(grid, 1, k - 1), "colour_logits")
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
