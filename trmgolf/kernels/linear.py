"""Linear maps: matmul as MatMul, Gemm or Einsum; einsum; conv2d as Conv; conv_transpose2d as
ConvTranspose."""

from __future__ import annotations

from trmgolf.ir.graph import Node
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext


@lowering("matmul", "matmul", min_opset=1)
def matmul(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One MatMul node."""
    ctx.node("MatMul", ins, outs)


def _gemm_ok(node: Node) -> bool:
    return all(v.type.rank == 2 for v in node.inputs) and node.inputs[0].type.dtype in (
        "float32", "float16")


@lowering("matmul", "gemm", min_opset=11, applies=_gemm_ok,  # C optional from Gemm-11
          why="Gemm takes two rank-2 float inputs")
def gemm(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Gemm for 2-D operands (its C input can later absorb a residual add)."""
    ctx.node("Gemm", ins, outs)


def _no_batch_broadcast(node: Node) -> bool:
    """Einsum letters do not broadcast (size 1 against n): ONNX shape inference rejects it."""
    a, b = (v.type.shape[:-2] for v in node.inputs)
    n = min(len(a), len(b))
    return a[len(a) - n:] == b[len(b) - n:]


@lowering("matmul", "einsum", min_opset=12, applies=_no_batch_broadcast,
          why="Einsum cannot broadcast batch axes of size 1 against n")
def matmul_einsum(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Einsum with the equation of a batched matmul."""
    a, b = (v.type.rank for v in node.inputs)
    out_rank = node.output.type.rank
    letters = "abcdefgh"
    batch = letters[: out_rank - 2]
    la = batch[len(batch) - (a - 2):] + "ik"
    lb = batch[len(batch) - (b - 2):] + "kj"
    ctx.node("Einsum", ins, outs, equation=f"{la},{lb}->{batch}ij")


@lowering("einsum", "einsum", min_opset=12)
def einsum(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Einsum node: contracts every operand without intermediates."""
    ctx.node("Einsum", ins, outs, equation=node.attrs["equation"])


def _conv_attrs(node: Node) -> dict:
    """The ONNX attributes Conv and ConvTranspose share, from the IR node's (kernel from the weight)."""
    a = node.attrs
    kh, kw = node.inputs[1].type.shape[2:]
    return dict(kernel_shape=[kh, kw], pads=list(a.get("pads", (0, 0, 0, 0))),
                strides=list(a.get("strides", (1, 1))), dilations=list(a.get("dilations", (1, 1))),
                group=a.get("group", 1))


@lowering("conv2d", "conv", min_opset=1)
def conv(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Conv node (NCHW); the bias, when present, has one entry per output channel."""
    ctx.node("Conv", ins, outs, **_conv_attrs(node))


@lowering("conv_transpose2d", "conv_transpose", min_opset=1)
def conv_transpose(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One ConvTranspose node (NCHW, IOHW weights); ``pads`` crop its full output."""
    ctx.node("ConvTranspose", ins, outs, **_conv_attrs(node))


def _selection(node: Node) -> tuple[int, list[int]] | None:
    """(axis, indices) when the einsum only picks, per output channel, one input channel.

    That is ``P,de->O`` with a constant 0/1 matrix holding exactly one 1 per column and
    ``O`` equal to ``P`` with ``d`` renamed ``e``: a colour permutation or selection.
    """
    if len(node.inputs) != 2 or not node.inputs[1].is_constant:
        return None
    lhs, out = node.attrs["equation"].split("->")
    p, w = lhs.split(",")
    if len(w) != 2 or w[0] not in p or w[1] in p or p.replace(w[0], w[1]) != out:
        return None
    matrix = node.inputs[1].constant
    if not (((matrix == 0) | (matrix == 1)).all() and (matrix.sum(axis=0) == 1).all()):
        return None
    return p.index(w[0]), [int(i) for i in matrix.argmax(axis=0)]


@lowering("einsum", "gather_selection", min_opset=1, applies=lambda n: _selection(n) is not None,
          why="the einsum does not only copy one input channel per output channel")
def einsum_gather(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Gather with an index list instead of a 0/1 selection matrix: n params instead of n*m."""
    selection = _selection(node)
    assert selection is not None
    axis, indices = selection
    ctx.node("Gather", [ins[0], ctx.ints(indices, "select")], outs, axis=axis)


def _conv_selection(node: Node) -> list[int] | None:
    """Input channel per output channel when a 1x1 conv only copies channels."""
    w = node.inputs[1]
    a = node.attrs
    plain = (tuple(a.get("pads", (0, 0, 0, 0))) == (0, 0, 0, 0) and tuple(a.get("strides", (1, 1))) == (1, 1)
             and a.get("group", 1) == 1 and w.type.shape[2:] == (1, 1) and w.is_constant)
    if not plain:
        return None
    if len(node.inputs) == 3 and not (node.inputs[2].is_constant and not node.inputs[2].constant.any()):
        return None
    matrix = w.constant[:, :, 0, 0]
    if not (((matrix == 0) | (matrix == 1)).all() and (matrix.sum(axis=1) == 1).all()):
        return None
    return [int(i) for i in matrix.argmax(axis=1)]


@lowering("conv2d", "gather_selection", min_opset=1, applies=lambda n: _conv_selection(n) is not None,
          why="the conv is not a plain 1x1 copy of one input channel per output channel")
def conv_gather(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """A 1x1 conv that copies channels (zero bias) as Gather on the channel axis."""
    indices = _conv_selection(node)
    assert indices is not None
    ctx.node("Gather", [ins[0], ctx.ints(indices, "select")], outs, axis=1)


def _channel_mix(node: Node) -> tuple[bool, str] | None:
    """(weight is [out, in], dtype) when the einsum mixes the channels of an NCHW tensor
    with a constant matrix: ``abcd,xy->...`` contracting axis 1, the rest in place."""
    if len(node.inputs) != 2 or not node.inputs[1].is_constant or node.inputs[0].type.rank != 4:
        return None
    lhs, out = node.attrs["equation"].split("->")
    p, w = lhs.split(",")
    if len(w) != 2 or len(set(p)) != 4:
        return None
    shared = [ch for ch in w if ch in p]
    new = [ch for ch in w if ch not in p]
    if len(shared) != 1 or len(new) != 1 or p[1] != shared[0] or p.replace(shared[0], new[0]) != out:
        return None
    return w[0] == new[0], node.inputs[0].type.dtype


@lowering("einsum", "conv1x1", min_opset=1, applies=lambda n: _channel_mix(n) is not None,
          why="the einsum does not mix the channels of an NCHW tensor with a constant matrix")
def einsum_conv1x1(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """A channel mix of an NCHW tensor as a 1x1 Conv (the weight stored as [out, in, 1, 1])."""
    mix = _channel_mix(node)
    assert mix is not None
    out_first, dtype = mix
    matrix = node.inputs[1].constant
    weight = (matrix if out_first else matrix.T)[:, :, None, None]
    ctx.node("Conv", [ins[0], ctx.const(weight, dtype, "conv_w")], outs, kernel_shape=[1, 1])
