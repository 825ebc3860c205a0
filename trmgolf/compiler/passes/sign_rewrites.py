"""Rewrites at values only needed up to sign (``ir.sign``): the grader reads ``output > 0``.

At a sign-only value ``v``, computed from ``x`` by elementwise ops alone (an elementwise
``Cone``: casts, scales, Relu/Clip/Max/Min, comparisons with constants, negations under a
flipped comparison ...), ``v`` may be replaced by ``x`` when ``v > 0`` exactly when ``x > 0``
on every value ``x`` can hold over the one-hot domain: the cone is evaluated through its ops'
numpy references on ``x``'s value set, or, for a cone declared nondecreasing, at the largest
value <= 0 and the least > 0 of ``x``'s interval (``Cone.keeps_positivity_on``). No op is
named here: what an op allows comes from its registration.

``x`` must have ``v``'s shape. Where its dtype differs, every reader of ``v`` must still keep
positivity: the output (the grader accepts any dtype), a Cast that passes positivity from
``x``'s dtype, or an op that only moves values (transpose, reshape, slice, gather, pad ...)
whose own result is sign-only and is retyped in turn; and the retyped tensors may not cost
more bytes than the cone frees.

A comparison that is positive exactly where its input is negative (``Less(y, 0)``, declared
nonincreasing; or any unary op found so on every value y can hold, as ``Cast(y, bool)`` of
y in {-1, 0}) of a linear map ``y = L_A(x)`` read by nothing else becomes ``L_{-A}(x)``:
negating the weights (and bias) negates every sum exactly.

Rewrites go one at a time, from the output back, with the sign-only set and the ranges
recomputed after each, so each is justified on the graph it changes.
"""

from __future__ import annotations

import numpy as np

from trmgolf.compiler.analysis.cones import Cone, cones, move_runs_on
from trmgolf.compiler.analysis.ranges import Range, value_ranges
from trmgolf.compiler.passes.linear_maps import constant_before, linear_map, only_read_by
from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.registry import IRTypeError, get_op
from trmgolf.ir.sign import passes_positivity, sign_only_values, smallest_positive
from trmgolf.ir.types import NUMPY_DTYPES


def _fill_kept(fill: float, dtype: str) -> bool:
    """Whether a pad's ``fill`` is the same value in ``dtype`` (so of the same positivity)."""
    with np.errstate(all="ignore"):
        return bool(np.asarray(fill).astype(NUMPY_DTYPES[dtype]).astype(np.float64) == fill)


def _retyped(graph: Graph, v: Value, dtype: str, signed: set[Value]) -> list[Value] | None:
    """The values downstream of ``v`` to retype to ``dtype`` when ``v`` becomes a ``dtype``
    value, or None when some reader would not keep positivity."""
    plan: list[Value] = []
    for n, i in v.uses:  # dead readers too: each must still type-check
        if n.op == "cast" and passes_positivity(dtype, n.attrs["to"]):
            continue
        opdef = get_op(n.op)
        if i != 0 or opdef.moves != (0,) or len(n.outputs) != 1 or n.output not in signed:
            return None
        if n.output.type.dtype != v.type.dtype or not move_runs_on(n.op, dtype):
            return None
        fill = opdef.fill_value(n)
        if fill is not None and not _fill_kept(fill, dtype):
            return None
        try:
            opdef.infer_types([v.type.with_dtype(dtype), *(u.type for u in n.inputs[1:])], n.attrs)
        except IRTypeError:
            return None
        below = _retyped(graph, n.output, dtype, signed)
        if below is None:
            return None
        plan += [n.output, *below]
    return plan


def _bytes(v: Value, dtype: str | None = None) -> int:
    t = v.type if dtype is None else v.type.with_dtype(dtype)
    return t.numel * t.np_dtype.itemsize


def _freed(graph: Graph, cone: Cone) -> int:
    """Bytes of the cone's tensors that nothing outside the cone reads (dead once replaced)."""
    inside = set(cone.nodes)
    return sum(_bytes(n.output) for n in cone.nodes
               if n.output is not graph.output and all(r in inside for r, _ in n.output.uses))


def _replacement(graph: Graph, cone: Cone, ranges: dict[Value, Range],
                 signed: set[Value]) -> list[Value] | None:
    """The values to retype when ``cone.target`` is replaced by ``cone.source``, or None."""
    v, x = cone.target, cone.source
    if x.type.shape != v.type.shape or not cone.keeps_positivity_on(ranges[x]):
        return None
    if x.type.dtype == v.type.dtype:
        return []
    plan = _retyped(graph, v, x.type.dtype, signed)
    if plan is None:
        return None
    added = sum(_bytes(u, x.type.dtype) - _bytes(u) for u in plan if u is not graph.output)
    return plan if added <= _freed(graph, cone) else None


def _negative_on_its_values(node: Node, ranges: dict[Value, Range]) -> Value | None:
    """y of a unary elementwise op whose output is > 0 exactly where y < 0 on every value y can
    hold (its op's numpy reference run on y's known value set): Cast(y, bool) of y in {-1, 0}."""
    op = get_op(node.op)
    if not op.elementwise or len(node.inputs) != 1 or len(node.outputs) != 1:
        return None
    y = node.inputs[0]
    held = ranges.get(y)
    if y.is_constant or held is None or held.values is None or held.nan or not held.values:
        return None
    values = np.array(sorted(held.values), dtype=np.float64)
    typed = values.astype(y.type.np_dtype)
    if not np.array_equal(typed.astype(np.float64), values):
        return None
    out = np.asarray(op.run([typed], node.attrs)[0]) > 0
    return y if out.shape == values.shape and bool(np.all(out == (values < 0))) else None


def _negative_test(node: Node, ranges: dict[Value, Range]) -> Value | None:
    """y of a comparison with constant zeros whose output is > 0 exactly where y < 0."""
    op = get_op(node.op)
    if len(node.inputs) == 1:
        return _negative_on_its_values(node, ranges)
    if not op.elementwise or len(node.inputs) != 2 or len(node.outputs) != 1:
        return None
    for index, direction in enumerate(op.directions(node)):
        y, other = node.inputs[index], node.inputs[1 - index]
        if direction != -1 or y.is_constant or not other.is_constant or np.any(other.constant != 0):
            continue
        if y.type.np_dtype.kind != "f":
            continue
        tiny = float(smallest_positive(y.type.np_dtype))
        probes = np.array([-tiny, 0.0, tiny]).astype(y.type.np_dtype)
        arrays = [probes if i == index else other.constant for i in range(2)]
        out = np.asarray(op.run(arrays, node.attrs)[0]) > 0
        if out.shape[-1:] == (3,) and bool(np.all(out == np.array([True, False, False]))):
            return y
    return None


def _flipped_linear(graph: Graph, node: Node, signed: set[Value], ranges: dict[Value, Range]) -> bool:
    """Less(L_A(x), 0) -> L_{-A}(x) at a sign-only value; whether it was rewritten."""
    y = _negative_test(node, ranges)
    lin = linear_map(y) if y is not None else None
    if lin is None or y.type.shape != node.output.type.shape or not only_read_by(y, node, graph):
        return False
    same = y.type.dtype == node.output.type.dtype
    plan = [] if same else _retyped(graph, node.output, y.type.dtype, signed)
    if plan is None or any(u is not graph.output for u in plan):
        return False
    dtype = y.type.dtype
    inputs = list(lin.node.inputs)
    inputs[lin.weight] = constant_before(graph, node, -lin.w, dtype)
    if lin.bias is not None:
        inputs[2] = constant_before(graph, node, -lin.bias, dtype)
    new = graph.insert_before(node, Node(lin.node.op, inputs, dict(lin.node.attrs), [y.type], node.region))
    graph.replace_uses(node.output, new.output)
    for u in plan:
        u.type = u.type.with_dtype(dtype)
    return True


def _one_rewrite(graph: Graph) -> bool:
    signed = sign_only_values(graph)
    ranges = value_ranges(graph)
    for node in reversed(graph.nodes):
        if len(node.outputs) != 1 or node.output not in signed:
            continue
        for cone in cones(graph, node.output):
            plan = _replacement(graph, cone, ranges, signed)
            if plan is None:
                continue
            graph.replace_uses(cone.target, cone.source)
            for u in plan:
                u.type = u.type.with_dtype(cone.source.type.dtype)
            return True
        if _flipped_linear(graph, node, signed, ranges):
            return True
    return False


def sign_rewrites(graph: Graph) -> PassResult:
    """Replace sign-only values by their sign-equivalent sources until none is left (what
    they read is left to ``dce``)."""
    changed = False
    for _ in range(len(graph) + 1):
        if not _one_rewrite(graph):
            break
        changed = True
    return PassResult(graph, changed)
