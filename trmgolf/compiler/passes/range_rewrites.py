"""Rewrites proven by the value ranges over the one-hot input domain (``analysis.ranges``).

Rules, each ``(node, ranges, graph) -> Value | None`` (the value that replaces the node's output):

- an elementwise cone (``analysis.cones``: casts, scales, comparisons ... from one value ``x``)
  that is the identity on every value ``x`` can hold: ``x`` (a scale and its inverse, a
  comparison and Cast that gives back {0, 1}, a round trip through any dtype exact on the
  values, a doubled value halved), the farthest such ``x`` first;
- a Relu whose input is never negative, a Clip (or Max/Min with a constant) whose bounds the
  input never crosses: the input itself;
- ``cast(cast(x, T1), T2)`` where every value of ``x`` is exact in ``T1``: ``cast(x, T2)``, or
  ``x`` when ``T2`` is ``x``'s dtype (a float64 or float16 round trip that loses nothing);
- ``cast(op(cast(a, W), b), N)`` for add/sub/mul/div whose operands are all exact in the
  narrower float ``N`` (casts from ``N`` or constants): ``op(a, b as N)`` computed in ``N``.
  Sound for any value: ``W`` has at least ``2p+2`` bits where ``N`` has ``p``, so rounding
  to ``W`` then to ``N`` equals rounding to ``N`` once (the double-rounding theorem).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from trmgolf.compiler.analysis.cones import cones, move_runs_on
from trmgolf.compiler.analysis.ranges import Range, exact_in, value_ranges, widens
from trmgolf.compiler.passes.result import PassResult
from trmgolf.compiler.passes.rewrite import Rule, rewrite
from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.registry import IRTypeError, get_op
from trmgolf.ir.types import NUMPY_DTYPES

RangeRule = Callable[[Node, dict[Value, Range], Graph], Value | None]

#: (wide, narrow) float pairs where rounding to wide then to narrow equals rounding to narrow.
_INNOCUOUS = {("float64", "float32"), ("float64", "float16"), ("float32", "float16")}
_CORRECTLY_ROUNDED = ("add", "sub", "mul", "div")


def _identity_cone(node: Node, ranges: dict[Value, Range], graph: Graph) -> Value | None:
    """The farthest value ``node``'s output equals cell by cell on every value it can hold
    (moved as the cone moves it: the moves are redone on that value)."""
    if not get_op(node.op).elementwise:
        return None
    for cone in cones(graph, node.output, through_moves=True):
        if cone.source not in ranges or not cone.is_identity_on(ranges[cone.source]):
            continue  # a value made by this pass has no range yet
        if not all(move_runs_on(m.op, cone.source.type.dtype) for m in cone.moves):
            continue
        v = cone.source
        planned = []
        for move in cone.moves:
            try:
                types = get_op(move.op).infer_types([v.type, *(u.type for u in move.inputs[1:])], move.attrs)
            except IRTypeError:
                break
            planned.append((move, types))
            v = Value(types[0])
        else:
            if v.type != node.output.type:
                continue
            v = cone.source
            for move, types in planned:
                new = Node(move.op, [v, *move.inputs[1:]], dict(move.attrs), types, move.region)
                v = graph.insert_before(node, new).output
            return v
    return None


def _noop_bound(node: Node, ranges: dict[Value, Range], graph: Graph) -> Value | None:
    """relu/clip/max/min that never change their input's values."""
    x = node.inputs[0]
    r = ranges[x]
    if r.nan or x.type != node.output.type:
        return None
    if node.op == "relu":
        return x if r.lo >= 0 else None
    if node.op == "clip":
        lo, hi = node.attrs.get("min"), node.attrs.get("max")
        return x if (lo is None or r.lo >= lo) and (hi is None or r.hi <= hi) else None
    if node.op in ("max", "min") and node.inputs[1].is_constant:
        c = node.inputs[1].constant
        if c.size == 0:
            return None
        if node.op == "max" and r.lo >= float(np.max(c)):
            return x
        if node.op == "min" and r.hi <= float(np.min(c)):
            return x
    return None


def _cast_chain(node: Node, ranges: dict[Value, Range], graph: Graph) -> Value | None:
    """cast(cast(x, T1), T2) -> cast(x, T2) when x -> T1 loses nothing."""
    inner = node.inputs[0].producer
    if node.op != "cast" or inner is None or inner.op != "cast":
        return None
    x = inner.inputs[0]
    mid = inner.attrs["to"]
    if not (widens(x.type.dtype, mid) or exact_in(ranges[x], mid)):
        return None
    if node.attrs["to"] == x.type.dtype:
        return x
    new = Node("cast", [x], dict(node.attrs), [node.output.type], node.region)
    return graph.insert_before(node, new).output


def _narrow_source(v: Value, narrow: str) -> Value | np.ndarray | None:
    """``v`` in dtype ``narrow`` without loss: a cast's source, a constant's converted array, or None."""
    src = v.producer
    if src is not None and src.op == "cast" and src.inputs[0].type.dtype == narrow:
        return src.inputs[0]
    if v.is_constant:
        array = v.constant
        converted = array.astype(NUMPY_DTYPES[narrow])
        if np.array_equal(converted.astype(array.dtype), array, equal_nan=True):
            return np.array(converted, order="C")
    return None


def _narrow_arithmetic(node: Node, ranges: dict[Value, Range], graph: Graph) -> Value | None:
    """cast(op(a_W, b_W), N) -> op(a_N, b_N) for a correctly rounded op with exact operands."""
    src = node.inputs[0].producer
    if node.op != "cast" or src is None or src.op not in _CORRECTLY_ROUNDED:
        return None
    if (src.output.type.dtype, node.attrs["to"]) not in _INNOCUOUS:
        return None
    if not any(v.producer is not None and v.producer.op == "cast" for v in src.inputs):
        return None  # nothing computed in the wide dtype comes from a narrow one
    sources = [_narrow_source(v, node.attrs["to"]) for v in src.inputs]
    if any(s is None for s in sources):
        return None
    operands = []
    for v, s in zip(src.inputs, sources, strict=True):
        if isinstance(s, np.ndarray):
            const = Node("constant", [], {"value": s}, [v.type.with_dtype(node.attrs["to"])],
                         v.producer.region if v.producer is not None else None)
            s = graph.insert_before(node, const).output
        operands.append(s)
    new = Node(src.op, operands, dict(src.attrs), [node.output.type], node.region)
    return graph.insert_before(node, new).output


RULES: list[RangeRule] = [_identity_cone, _noop_bound, _cast_chain, _narrow_arithmetic]


def _given(rule: RangeRule, ranges: dict[Value, Range]) -> Rule:
    """``rule`` reading ``ranges``; a replacement takes the range of the value it replaces."""
    def run(node: Node, graph: Graph) -> Value | None:
        replacement = rule(node, ranges, graph)
        if replacement is not None:
            ranges.setdefault(replacement, ranges[node.output])
        return replacement
    return run


def range_rewrites(graph: Graph) -> PassResult:
    """Apply the first rule that fits to each node, once (the ranges are computed once per
    run); dead producers are left to ``dce``."""
    ranges = value_ranges(graph)
    return rewrite(graph, [_given(rule, ranges) for rule in RULES])
