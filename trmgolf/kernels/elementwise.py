"""Elementwise ops: one ONNX node each (the direct lowering is also the cheapest)."""

from __future__ import annotations

from trmgolf.ir.graph import Node
from trmgolf.ir.onnx_ops import ELEMENTWISE
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext, onnx_dtype


def _direct(op_type: str):
    def emit(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
        ctx.node(op_type, ins, outs)

    emit.__doc__ = f"One {op_type} node."
    return emit


#: ONNX ops whose integer inputs came later than their float ones (Max-12, Min-12).
INTEGER_SINCE = {"Max": 12, "Min": 12}


def _integer_since(op_type: str):
    since = INTEGER_SINCE.get(op_type)
    if since is None:
        return None

    def needs(node: Node) -> int:
        return since if any(v.type.dtype.startswith(("int", "uint")) for v in node.inputs) else 1
    return needs


for _op, (_onnx, _since) in ELEMENTWISE.items():
    lowering(_op, "direct", min_opset=_since, min_opset_for=_integer_since(_onnx))(_direct(_onnx))


@lowering("cast", "direct", min_opset=6)
def cast(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Cast node."""
    ctx.node("Cast", ins, outs, to=onnx_dtype(node.attrs["to"]))
