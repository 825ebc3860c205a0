"""Linear maps: matmul as MatMul, Gemm or Einsum; einsum; conv2d as Conv."""

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


@lowering("matmul", "gemm", min_opset=7, applies=_gemm_ok)
def gemm(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Gemm for 2-D operands (its C input can later absorb a residual add)."""
    ctx.node("Gemm", ins, outs)


def _no_batch_broadcast(node: Node) -> bool:
    """Einsum letters do not broadcast (size 1 against n): ONNX shape inference rejects it."""
    a, b = (v.type.shape[:-2] for v in node.inputs)
    n = min(len(a), len(b))
    return a[len(a) - n:] == b[len(b) - n:]


@lowering("matmul", "einsum", min_opset=12, applies=_no_batch_broadcast)
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


@lowering("conv2d", "conv", min_opset=1)
def conv(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Conv node (NCHW); the bias, when present, has one entry per output channel."""
    a = node.attrs
    kh, kw = node.inputs[1].type.shape[2:]
    ctx.node("Conv", ins, outs, kernel_shape=[kh, kw], pads=list(a.get("pads", (0, 0, 0, 0))),
             strides=list(a.get("strides", (1, 1))), dilations=list(a.get("dilations", (1, 1))),
             group=a.get("group", 1))
