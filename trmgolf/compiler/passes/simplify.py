"""Algebraic no-op removal: rewrites that delete work without changing any value.

Each rule is one small function ``(node) -> Value | None`` returning the value the
node's output can be replaced with. Rules: identity; x*1, x/1, x+0, x-0 (when the
constant does not broadcast x to a bigger shape or another dtype); transpose with
the identity permutation; transpose of transpose (composed into one); reshape of
reshape (collapsed); slice of a cast (sliced first); reshape, expand, cast, slice and pad that change nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Node, Value

Rule = Callable[[Node, Graph], Value | None]


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
    than what it crops (the 30x30 input cast to float16 before the canvas crop)."""
    src = node.inputs[0]
    if node.op != "slice" or src.producer is None or src.producer.op != "cast":
        return None
    inner = src.producer.inputs[0]
    sliced = Node("slice", [inner], dict(node.attrs), [node.output.type.with_dtype(inner.type.dtype)],
                  node.region)
    cast = Node("cast", [sliced.output], dict(src.producer.attrs), [node.output.type], node.region)
    graph.insert_before(node, sliced)
    return graph.insert_before(node, cast).output


RULES: list[Rule] = [_identity, _neutral, _same_type, _transpose_pair, _reshape_chain, _slice_before_cast]


def simplify(graph: Graph) -> PassResult:
    """Apply every rule to every node once; dead producers are left to ``dce``.

    A rule may insert the nodes of its replacement before ``node``; that changes the graph
    even when ``node`` has no reader left to move."""
    changed = False
    for node in graph.nodes:
        if node.op == "constant" or len(node.outputs) != 1:
            continue
        for rule in RULES:
            before = len(graph)
            replacement = rule(node, graph)
            if replacement is not None:
                moved = graph.replace_uses(node.output, replacement)
                changed = changed or moved > 0 or len(graph) != before
                break
    return PassResult(graph, changed)
