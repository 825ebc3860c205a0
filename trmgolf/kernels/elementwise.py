"""Elementwise ops: one ONNX node each (the direct lowering is also the cheapest)."""

from __future__ import annotations

from trmgolf.ir.graph import Node
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext, onnx_dtype

#: IR op -> (ONNX op type, opset it needs)
DIRECT = {
    "add": ("Add", 7), "sub": ("Sub", 7), "mul": ("Mul", 7), "div": ("Div", 7),
    "pow": ("Pow", 7), "min": ("Min", 8), "max": ("Max", 8),
    "equal": ("Equal", 11), "less": ("Less", 9), "greater": ("Greater", 9),
    "and": ("And", 7), "or": ("Or", 7), "xor": ("Xor", 7), "not": ("Not", 1),
    "identity": ("Identity", 1), "neg": ("Neg", 6), "abs": ("Abs", 6), "relu": ("Relu", 6),
    "sigmoid": ("Sigmoid", 6), "exp": ("Exp", 6), "log": ("Log", 6), "sqrt": ("Sqrt", 6),
    "reciprocal": ("Reciprocal", 6), "tanh": ("Tanh", 6), "where": ("Where", 9),
}


def _direct(op_type: str):
    def emit(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
        ctx.node(op_type, ins, outs)

    emit.__doc__ = f"One {op_type} node."
    return emit


for _op, (_onnx, _since) in DIRECT.items():
    lowering(_op, "direct", min_opset=_since)(_direct(_onnx))


@lowering("cast", "direct", min_opset=6)
def cast(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Cast node."""
    ctx.node("Cast", ins, outs, to=onnx_dtype(node.attrs["to"]))
