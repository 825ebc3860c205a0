"""Reductions, argmax, softmax and hardmax. Since opset 13 (ReduceSum) / 18 (the others) the
axes are an input, an initializer that costs params; before, an attribute. A reduction over
every axis needs neither: ONNX reads absent axes as all of them (``noop_with_empty_axes`` = 0).
With the dims kept, a reduction whose axes cover every axis longer than 1 is one over every
axis too: a length-1 axis adds no element to any output, and keeping it keeps the shape."""

from __future__ import annotations

from trmgolf.ir.graph import Node
from trmgolf.ir.onnx_ops import REDUCTIONS
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext


def _reduce(op_type: str, axes_as_input: bool):
    def emit(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
        axes = list(node.attrs["axes"])
        keep = node.attrs.get("keepdims", 1)
        if axes_as_input:
            ctx.node(op_type, [ins[0], ctx.ints(axes, "axes")], outs, keepdims=keep)
        else:
            ctx.node(op_type, ins, outs, axes=axes, keepdims=keep)

    emit.__doc__ = f"One {op_type} node."
    return emit


def _reduce_all(op_type: str):
    def emit(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
        ctx.node(op_type, ins[:1], outs, keepdims=node.attrs.get("keepdims", 1))

    emit.__doc__ = f"One {op_type} node without axes: it reduces every axis, and no axes tensor costs params."
    return emit


def covers_every_axis(node: Node) -> bool:
    """The axes name every axis, or, with the dims kept, every axis longer than 1."""
    shape = node.inputs[0].type.shape
    rank = len(shape)
    if rank == 0:
        return False
    axes = {a % rank for a in node.attrs["axes"]}
    if axes == set(range(rank)):
        return True
    longer = {i for i, d in enumerate(shape) if d > 1}
    return node.attrs.get("keepdims", 1) == 1 and bool(axes) and longer <= axes


for _op, (_onnx, _since) in REDUCTIONS.items():
    lowering(_op, "axes_input", min_opset=_since)(_reduce(_onnx, True))
    lowering(_op, "axes_attr", min_opset=1, max_opset=_since - 1)(_reduce(_onnx, False))
    lowering(_op, "all_axes", min_opset=1, applies=covers_every_axis,
             why="needs a reduction over every axis of its input (with the dims kept, every axis "
                 "longer than 1)")(_reduce_all(_onnx))


def _spatial_of_nchw(node: Node) -> bool:
    x = node.inputs[0].type
    axes = {a % max(x.rank, 1) for a in node.attrs["axes"]}
    kept = node.attrs.get("keepdims", 1) == 1
    return x.rank == 4 and axes == {2, 3} and kept and x.dtype.startswith("float")


def _global_pool(op_type: str):
    def emit(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
        ctx.node(op_type, ins, outs)

    emit.__doc__ = f"One {op_type} node: a reduction over H and W of NCHW without an axes tensor."
    return emit


for _op, _onnx in (("reduce_mean", "GlobalAveragePool"), ("reduce_max", "GlobalMaxPool")):
    lowering(_op, "global_pool", min_opset=1, applies=_spatial_of_nchw,
             why="needs a float NCHW input reduced over H and W, dims kept")(_global_pool(_onnx))


def _arg_index(op_type: str, before_11: bool):
    def emit(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
        ctx.node(op_type, ins, outs, axis=node.attrs.get("axis", 0), keepdims=node.attrs.get("keepdims", 1))

    emit.__doc__ = (f"{op_type} before opset 11 (no negative axis): imported networks at their old opset."
                    if before_11 else f"One {op_type} node (first index on ties, as numpy).")
    return emit


def _non_negative_axis(node: Node) -> bool:
    return node.attrs.get("axis", 0) >= 0


def _first_index(node: Node) -> bool:
    return not node.attrs.get("select_last_index", 0)


def _last_index_opset(node: Node) -> int:
    return 12 if node.attrs.get("select_last_index", 0) else 1


@lowering("argmax", "direct", min_opset=11, min_opset_for=_last_index_opset)
def argmax(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One ArgMax node (first index on ties, as numpy; the last with select_last_index, opset 12)."""
    last = node.attrs.get("select_last_index", 0)
    extra = {"select_last_index": 1} if last else {}
    ctx.node("ArgMax", ins, outs, axis=node.attrs.get("axis", 0), keepdims=node.attrs.get("keepdims", 1),
             **extra)


lowering("argmin", "direct", min_opset=11)(_arg_index("ArgMin", False))
for _op, _onnx in (("argmax", "ArgMax"), ("argmin", "ArgMin")):
    lowering(_op, f"{_op}1", min_opset=1, max_opset=10,
             applies=lambda n: _non_negative_axis(n) and _first_index(n),
             why="before opset 11 the axis cannot be negative (nor the last index be asked for)")(
        _arg_index(_onnx, True))


@lowering("softmax", "direct", min_opset=13)
def softmax(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Softmax node (opset 13 semantics: normalises along one axis)."""
    ctx.node("Softmax", ins, outs, axis=node.attrs.get("axis", -1))


@lowering("hardmax", "direct", min_opset=13)
def hardmax(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Hardmax node (opset 13 semantics: one-hot of the first maximum along one axis)."""
    ctx.node("Hardmax", ins, outs, axis=node.attrs.get("axis", -1))
