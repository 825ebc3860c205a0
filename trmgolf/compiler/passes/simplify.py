"""Algebraic no-op removal: rewrites that delete work without changing any value.

Each rule is one small function ``(node) -> Value | None`` returning the value the
node's output can be replaced with. Rules: identity; x*1, x/1, x+0, x-0 (when the
constant does not broadcast x to a bigger shape or another dtype); transpose with
the identity permutation; transpose of transpose (composed into one); reshape of
reshape (collapsed); slice of a cast (sliced first); reshape, expand, cast, slice and pad
that change nothing; a gather of every index in order; a slice that keeps only cells of
what a pad padded (a slice of the unpadded value); a transpose, reshape or slice of
elementwise work (casts, scalar scales, comparisons ...) on the result of a move it cancels
or merges with (a transpose, a reshape, a pad): the move is done first, so the two meet (a
transpose and its inverse around a cast round trip).
"""

from __future__ import annotations

import numpy as np

from trmgolf.compiler.passes.result import PassResult
from trmgolf.compiler.passes.rewrite import Rule, rewrite
from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.registry import IRTypeError, get_op


def _const_is(v: Value, scalar: float) -> bool:
    return v.is_constant and bool(np.all(v.constant == scalar))


def _neutral(node: Node, graph: Graph) -> Value | None:
    """x op c -> x when c is the op's neutral element and x already has the result type."""
    neutral = {"mul": 1, "div": 1, "add": 0, "sub": 0}.get(node.op)
    if neutral is None:
        return None
    a, b = node.inputs
    out = node.output.type
    if _const_is(b, neutral) and a.type == out:
        return a
    if node.op in ("mul", "add") and _const_is(a, neutral) and b.type == out:
        return b
    return None


def _identity(node: Node, graph: Graph) -> Value | None:
    return node.inputs[0] if node.op == "identity" else None


def _same_type(node: Node, graph: Graph) -> Value | None:
    """Shape ops whose output type equals their input's do nothing."""
    if node.op in ("reshape", "expand", "cast", "slice", "pad") and len(node.inputs) == 1:
        if node.inputs[0].type == node.output.type:
            if node.op == "pad" and any(node.attrs["pads"]):
                return None  # a crop and a pad of the same size shift the tensor
            if node.op == "slice" and any(s < 0 for s in node.attrs.get("steps") or ()):
                return None  # a reversal
            return node.inputs[0]
    if node.op == "transpose" and tuple(node.attrs["perm"]) == tuple(range(node.output.type.rank)):
        return node.inputs[0]
    return None


def _identity_gather(node: Node, graph: Graph) -> Value | None:
    """gather(x, arange(n)) along an axis of length n: x itself."""
    if node.op != "gather" or not node.inputs[1].is_constant or node.inputs[0].type != node.output.type:
        return None
    idx = node.inputs[1].constant
    axis = node.attrs.get("axis", 0) % node.inputs[0].type.rank
    n = node.inputs[0].type.shape[axis]
    return node.inputs[0] if idx.shape == (n,) and bool(np.array_equal(idx, np.arange(n))) else None


def _transpose_pair(node: Node, graph: Graph) -> Value | None:
    """transpose(transpose(x, p), q) -> transpose(x, p∘q), or x when that is the identity."""
    src = node.inputs[0]
    if node.op != "transpose" or src.producer is None or src.producer.op != "transpose":
        return None
    p, q = src.producer.attrs["perm"], node.attrs["perm"]
    composed = tuple(p[i] for i in q)
    inner = src.producer.inputs[0]
    if composed == tuple(range(len(composed))):
        return inner
    new = Node("transpose", [inner], {"perm": composed}, [node.output.type], node.region)
    return graph.insert_before(node, new).output


def _reshape_chain(node: Node, graph: Graph) -> Value | None:
    """reshape(reshape(x)) -> reshape(x): only the final shape matters."""
    src = node.inputs[0]
    if node.op != "reshape" or src.producer is None or src.producer.op != "reshape":
        return None
    inner = src.producer.inputs[0]
    if inner.type == node.output.type:
        return inner
    new = Node("reshape", [inner], dict(node.attrs), [node.output.type], node.region)
    return graph.insert_before(node, new).output


def _slice_before_cast(node: Node, graph: Graph) -> Value | None:
    """slice(cast(x)) -> cast(slice(x)): convert only the cells that are kept.

    Data movement commutes with an elementwise cast, and a crop is usually much smaller
    than what it crops (the 30x30 input cast to float16 before the canvas crop). Only where
    that saves bytes: the cast has no other reader (else it stays, and the slice adds a
    tensor) and the crop in the wider dtype is smaller than the whole cast (a 10-cell float
    row cast to uint8 before keeping 5 cells is cheaper as it is)."""
    src = node.inputs[0]
    if node.op != "slice" or src.producer is None or src.producer.op != "cast":
        return None
    inner = src.producer.inputs[0]
    if len(src.uses) != 1 or node.output.type.with_dtype(inner.type.dtype).nbytes >= src.type.nbytes:
        return None
    sliced = Node("slice", [inner], dict(node.attrs), [node.output.type.with_dtype(inner.type.dtype)],
                  node.region)
    cast = Node("cast", [sliced.output], dict(src.producer.attrs), [node.output.type], node.region)
    graph.insert_before(node, sliced)
    return graph.insert_before(node, cast).output


def _slice_of_pad(node: Node, graph: Graph) -> Value | None:
    """slice(pad(x)) -> slice(x) when every kept cell is one of x's (steps of 1, pads >= 0)."""
    src = node.inputs[0]
    if node.op != "slice" or src.producer is None or src.producer.op != "pad":
        return None
    pads, x = src.producer.attrs["pads"], src.producer.inputs[0]
    rank = x.type.rank
    steps = node.attrs.get("steps") or (1,) * len(node.attrs["starts"])
    if any(p < 0 for p in pads) or any(st != 1 for st in steps):
        return None
    axes = node.attrs.get("axes") or tuple(range(len(node.attrs["starts"])))
    starts, ends = [], []
    for a, s, e in zip(axes, node.attrs["starts"], node.attrs["ends"], strict=True):
        axis = a % rank
        lo, hi, _ = slice(s, e, 1).indices(src.type.shape[axis])
        lo, hi = lo - pads[axis], hi - pads[axis]
        if lo < 0 or hi > x.type.shape[axis]:
            return None
        starts.append(lo)
        ends.append(hi)
    window = {axis % rank for axis in axes}
    if any(pads[i] or pads[i + rank] for i in range(rank) if i not in window):
        return None  # an axis the slice keeps whole was padded
    attrs = {"starts": tuple(starts), "ends": tuple(ends), "axes": tuple(a % rank for a in axes)}
    new = Node("slice", [x], attrs, [node.output.type], node.region)
    return graph.insert_before(node, new).output


#: A move, and the moves above it that it cancels or merges with once the two are adjacent.
_MEETS = {"transpose": ("transpose",), "reshape": ("reshape",), "slice": ("pad",)}


def _scalar_elementwise(v: Value) -> tuple[Node, int] | None:
    """(producer, index of its one variable input) when ``v`` is elementwise work on one
    value with size-1 constants only, read by one node."""
    node = v.producer
    if node is None or len(node.outputs) != 1 or not get_op(node.op).elementwise or len(v.uses) != 1:
        return None
    variable = [i for i, u in enumerate(node.inputs) if not u.is_constant]
    if len({node.inputs[i] for i in variable}) != 1:
        return None
    if any(u.is_constant and u.type.numel != 1 for u in node.inputs):
        return None
    return node, variable[0]


def _path_to_meet(v: Value, kinds: tuple[str, ...]) -> list[tuple[Node, int]] | None:
    """The scalar elementwise nodes from ``v`` up to a move of ``kinds`` (nearest first), or
    None when another op comes first."""
    path: list[tuple[Node, int]] = []
    for _ in range(16):
        if v.producer is not None and v.producer.op in kinds:
            return path
        found = _scalar_elementwise(v)
        if found is None:
            return None
        path.append(found)
        v = found[0].inputs[found[1]]
    return None


def _merged(node: Node, graph: Graph) -> Value:
    """``node`` (a move just inserted) merged with the move it reads, where a rule does."""
    for rule in (_transpose_pair, _reshape_chain, _slice_of_pad):
        out = rule(node, graph)
        if out is not None:
            return out
    return node.output


def _move_first(node: Node, graph: Graph) -> Value | None:
    """move(f(move'(x))) -> f(move(move'(x))) for elementwise f with scalar constants, when
    move meets move' (and merges with it)."""
    if node.op not in _MEETS or len(node.inputs) != 1:
        return None
    path = _path_to_meet(node.inputs[0], _MEETS[node.op])
    if not path:
        return None
    top = path[-1][0].inputs[path[-1][1]]
    moved_type = get_op(node.op).infer_types([top.type], node.attrs)[0]
    planned = []
    v_type = moved_type
    for elem, index in reversed(path):
        types = [v_type if i == index else u.type for i, u in enumerate(elem.inputs)]
        try:
            (out_type,) = get_op(elem.op).infer_types(types, elem.attrs)
        except (IRTypeError, ValueError):
            return None
        if out_type.shape != moved_type.shape:
            return None
        planned.append((elem, index, out_type))
        v_type = out_type
    if v_type != node.output.type:
        return None
    v = _merged(graph.insert_before(node, Node(node.op, [top], dict(node.attrs), [moved_type], node.region)),
                graph)
    for elem, index, out_type in planned:
        inputs = [v if i == index else u for i, u in enumerate(elem.inputs)]
        v = graph.insert_before(node, Node(elem.op, inputs, dict(elem.attrs), [out_type], elem.region)).output
    return v


RULES: list[Rule] = [_identity, _neutral, _same_type, _identity_gather, _transpose_pair, _reshape_chain,
                     _slice_before_cast, _slice_of_pad, _move_first]


def simplify(graph: Graph) -> PassResult:
    """Apply the first rule that fits to each node, once; dead producers are left to ``dce``."""
    return rewrite(graph, RULES)
