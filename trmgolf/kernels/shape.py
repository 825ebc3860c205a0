"""Data movement. Shape-like operands become int64 initializers, which cost params, so
where a form with fewer of them exists (Flatten, Squeeze of every size-1 dim, Split into
equal parts: none; Unsqueeze/Squeeze: one per moved axis instead of one per dim; Pad-18
with ``axes``: the changed axes only) it is offered as an alternative and the cost model
picks it."""

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


def inserted_ones(src: tuple[int, ...], dst: tuple[int, ...]) -> tuple[int, ...] | None:
    """The axes of ``dst`` that are size-1 dims inserted into ``src`` (an Unsqueeze), or None
    when ``dst`` is not ``src`` with 1s inserted. A 1 of ``dst`` is matched to a 1 of ``src``
    first, so the axes are the fewest."""
    axes, i = [], 0
    for k, d in enumerate(dst):
        if i < len(src) and src[i] == d:
            i += 1
        elif d == 1:
            axes.append(k)
        else:
            return None
    return tuple(axes) if i == len(src) and axes else None


def _unsqueeze_axes(node: Node) -> tuple[int, ...] | None:
    return inserted_ones(node.inputs[0].type.shape, node.output.type.shape)


def _is_unsqueeze(node: Node) -> bool:
    return _unsqueeze_axes(node) is not None


def _squeeze_axes(node: Node) -> tuple[int, ...] | None:
    """The axes a Squeeze drops to make the reshape (the inverse of an Unsqueeze)."""
    return inserted_ones(node.output.type.shape, node.inputs[0].type.shape)


@lowering("reshape", "unsqueeze", min_opset=13, applies=_is_unsqueeze,
          why="the reshape does not only insert size-1 dims")
def unsqueeze(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Unsqueeze with the inserted axes as an int64 initializer: one param per new axis,
    where Reshape's shape costs one per output dim."""
    ctx.node("Unsqueeze", [ins[0], ctx.ints(_unsqueeze_axes(node) or (), "axes")], outs)


@lowering("reshape", "unsqueeze_attr", min_opset=1, max_opset=12, applies=_is_unsqueeze,
          why="the reshape does not only insert size-1 dims")
def unsqueeze_attr(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Unsqueeze with the axes as an attribute (opsets before 13): no initializer."""
    ctx.node("Unsqueeze", ins, outs, axes=list(_unsqueeze_axes(node) or ()))


def _drops_every_one(node: Node) -> bool:
    src, dst = node.inputs[0].type.shape, node.output.type.shape
    return 1 in src and len(dst) > 0 and tuple(d for d in src if d != 1) == dst


@lowering("reshape", "squeeze_ones", min_opset=1, applies=_drops_every_one,
          why="the reshape does not drop exactly the size-1 dims")
def squeeze_ones(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Squeeze with no axes, which drops every size-1 dim: no initializer at any opset."""
    ctx.node("Squeeze", ins, outs)


@lowering("reshape", "squeeze", min_opset=13, applies=lambda n: _squeeze_axes(n) is not None,
          why="the reshape does not only drop size-1 dims")
def squeeze(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Squeeze with the dropped axes as an int64 initializer."""
    ctx.node("Squeeze", [ins[0], ctx.ints(_squeeze_axes(node) or (), "axes")], outs)


@lowering("reshape", "squeeze_attr", min_opset=1, max_opset=12,
          applies=lambda n: _squeeze_axes(n) is not None, why="the reshape does not only drop size-1 dims")
def squeeze_attr(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Squeeze with the axes as an attribute (opsets before 13): no initializer."""
    ctx.node("Squeeze", ins, outs, axes=list(_squeeze_axes(node) or ()))


@lowering("transpose", "direct", min_opset=1)
def transpose(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """One Transpose node."""
    ctx.node("Transpose", ins, outs, perm=list(node.attrs["perm"]))


def _slice_indices(dtype: str):
    def emit(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
        a = node.attrs

        def ints(values: list[int], hint: str) -> str:
            return ctx.const(np.asarray(values, dtype=np.int64), dtype, hint)

        args = [ins[0], ints(list(a["starts"]), "starts"), ints(list(a["ends"]), "ends")]
        args.append(ints(list(a["axes"]), "axes") if a.get("axes") else "")
        steps = list(a.get("steps") or ())
        if steps and any(s != 1 for s in steps):
            args.append(ints(steps, "steps"))
        while args[-1] == "":
            args.pop()
        ctx.node("Slice", args, outs)

    emit.__doc__ = (f"Slice with starts/ends/axes(/steps) as {dtype} initializers; a node without axes "
                    "(an imported Slice that left them implicit) gets none.")
    return emit


# int64 is the default; int32 (Slice takes either, all of one node's indices alike) wins where
# the model holds int32 index tensors already, as networks written by hand often do.
slice_ = lowering("slice", "direct", min_opset=10)(_slice_indices("int64"))
lowering("slice", "int32_indices", min_opset=10,
         applies=lambda n: all(-2**31 <= v < 2**31 for k in ("starts", "ends", "axes", "steps")
                               for v in (n.attrs.get(k) or ())),
         why="an index does not fit in int32")(_slice_indices("int32"))


@lowering("pad", "direct", min_opset=11)
def pad(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Pad (constant mode) with pads as an int64 initializer; the value only when non-zero."""
    args = [ins[0], ctx.ints(node.attrs["pads"], "pads")]
    value = node.attrs.get("value", 0.0)
    if value != 0:
        args.append(ctx.const(np.asarray(value), node.output.type.dtype, "pad_value"))
    ctx.node("Pad", args, outs, mode="constant")


def _padded_axes(node: Node) -> list[int]:
    pads, n = node.attrs["pads"], node.inputs[0].type.rank
    return [i for i in range(n) if pads[i] or pads[i + n]]


def _pads_some_axes(node: Node) -> bool:
    return 0 < len(_padded_axes(node)) < node.inputs[0].type.rank


@lowering("pad", "axes_input", min_opset=18, applies=_pads_some_axes,
          why="the pad changes every axis (or none)")
def pad_axes(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Pad-18 with ``axes``: pads only for the axes that change, plus the axes (3 params per
    padded axis, where the full pads cost 2 per dim)."""
    axes, n = _padded_axes(node), node.inputs[0].type.rank
    pads = node.attrs["pads"]
    args = [ins[0], ctx.ints([pads[i] for i in axes] + [pads[i + n] for i in axes], "pads")]
    value = node.attrs.get("value", 0.0)
    args.append(ctx.const(np.asarray(value), node.output.type.dtype, "pad_value") if value != 0 else "")
    args.append(ctx.ints(axes, "axes"))
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


@lowering("split", "equal_parts", min_opset=2, max_opset=17, applies=_equal_parts,
          why="the parts are not of equal size")
def split_unsized(ctx: EmitContext, node: Node, ins: list[str], outs: list[str]) -> None:
    """Split into equal parts without sizes (before opset 18, a Split given none splits into
    as many equal parts as it has outputs): no initializer where opsets 13-17 want one."""
    ctx.node("Split", ins, outs, axis=node.attrs["axis"])


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
