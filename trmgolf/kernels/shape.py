"""Data movement. Shape-like operands become int64 initializers, which cost params, so
where an attribute-only form exists (Flatten, Split into equal parts) it is offered
as an alternative and the cost model picks it."""

from __future__ import annotations

import numpy as np

from trmgolf.ir.graph import Node
from trmgolf.kernels.base import lowering
from trmgolf.kernels.context import EmitContext


def _not_scalar(node: Node) -> bool:
    """The shape of a scalar would be an empty initializer, which the grader refuses."""
    return node.output.type.rank > 0


@lowering("reshape", "reshape", min_opset=5, applies=_not_scalar)
def reshape(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Reshape with the target shape as an int64 initializer."""
    ctx.node("Reshape", [ins[0], ctx.ints(node.output.type.shape, "shape")], outs)


@lowering("reshape", "squeeze_all", min_opset=1, applies=lambda n: n.output.type.rank == 0)
def squeeze_all(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Squeeze with no axes: a one-element tensor to a scalar, without an empty shape."""
    ctx.node("Squeeze", ins, outs)


def _flatten_axis(node: Node) -> int | None:
    src, dst = node.inputs[0].type.shape, node.output.type.shape
    if len(dst) != 2:
        return None
    for axis in range(len(src) + 1):
        if (int(np.prod(src[:axis], dtype=np.int64)), int(np.prod(src[axis:], dtype=np.int64))) == dst:
            return axis
    return None


@lowering("reshape", "flatten", min_opset=1, applies=lambda n: _flatten_axis(n) is not None,
          why="the reshape is not a Flatten to rank 2")
def flatten(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Flatten(axis) when the target is 2-D: no shape initializer."""
    ctx.node("Flatten", ins, outs, axis=_flatten_axis(node))


@lowering("transpose", "direct", min_opset=1)
def transpose(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Transpose node."""
    ctx.node("Transpose", ins, outs, perm=list(node.attrs["perm"]))


@lowering("slice", "direct", min_opset=10)
def slice_(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Slice with starts/ends/axes(/steps) as int64 initializers; a node without axes (an
    imported Slice that left them implicit) gets none."""
    a = node.attrs
    starts, ends = list(a["starts"]), list(a["ends"])
    args = [ins[0], ctx.ints(starts, "starts"), ctx.ints(ends, "ends")]
    args.append(ctx.ints(list(a["axes"]), "axes") if a.get("axes") else "")
    steps = list(a.get("steps") or ())
    if steps and any(s != 1 for s in steps):
        args.append(ctx.ints(steps, "steps"))
    while args[-1] == "":
        args.pop()
    ctx.node("Slice", args, outs)


@lowering("pad", "direct", min_opset=11)
def pad(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Pad (constant mode) with pads as an int64 initializer; the value only when non-zero."""
    args = [ins[0], ctx.ints(node.attrs["pads"], "pads")]
    value = node.attrs.get("value", 0.0)
    if value != 0:
        args.append(ctx.const(np.asarray(value), node.output.type.dtype, "pad_value"))
    ctx.node("Pad", args, outs, mode="constant")


@lowering("concat", "direct", min_opset=4)
def concat(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Concat node."""
    ctx.node("Concat", ins, outs, axis=node.attrs["axis"])


@lowering("split", "sizes_input", min_opset=13)
def split(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Split with the sizes as an int64 initializer."""
    ctx.node("Split", [ins[0], ctx.ints(node.attrs["sizes"], "split")], outs,
             axis=node.attrs["axis"])


def _equal_parts(node: Node) -> bool:
    return len(set(node.attrs["sizes"])) == 1


@lowering("split", "num_outputs", min_opset=18, applies=_equal_parts, why="the parts are not of equal size")
def split_equal(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Split into equal parts with the num_outputs attribute: no initializer."""
    ctx.node("Split", ins, outs, axis=node.attrs["axis"], num_outputs=len(outs))


@lowering("split", "sizes_attr", min_opset=2, max_opset=12)
def split_attr(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Split with the sizes as an attribute (opsets before 13)."""
    ctx.node("Split", ins, outs, axis=node.attrs["axis"], split=list(node.attrs["sizes"]))


@lowering("gather", "direct", min_opset=1)
def gather(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Gather node."""
    ctx.node("Gather", ins, outs, axis=node.attrs.get("axis", 0))


@lowering("expand", "direct", min_opset=8)
def expand(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Expand with the target shape as an int64 initializer."""
    ctx.node("Expand", [ins[0], ctx.ints(node.attrs["shape"], "shape")], outs)


@lowering("onnx_node", "as_imported", min_opset=1,
          min_opset_for=lambda node: int(node.attrs["opset"]))  # never below its own
def onnx_node(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """The imported ONNX node itself, with its inputs and outputs renamed."""
    import onnx

    from trmgolf.ir.ops.foreign import bind_inputs

    proto = onnx.NodeProto.FromString(node.attrs["node"])
    bound = bind_inputs(proto, ins)
    del proto.input[:]
    del proto.output[:]
    proto.input.extend(bound)
    proto.output.extend(outs)
    proto.name = outs[0]
    if ctx.region:
        proto.doc_string = f"region={ctx.region}"
    ctx.nodes.append(proto)
