"""Rewrites at values only needed up to sign (``ir.sign``): the grader reads ``output > 0``.

At a sign-only value ``v = f(x)`` where ``f(x) > 0`` exactly when ``x > 0`` on every input
of the one-hot domain, ``v`` may be replaced by ``x``:

- Relu; ``Greater(x, 0)`` and ``Less(0, x)`` (a comparison feeding the output becomes the
  value itself, and ``Cast(Greater(...))`` a comparison straight into a bool output);
- Mul by a positive constant, Div by one, when no positive value can underflow to 0 (the
  constant is >= 1 for Mul, or the value ranges prove it);
- a Cast that keeps positivity (widening, from bool, or exact on the value's range);
- Clip with ``min <= 0 < max``, Max with a constant <= 0, Min with a constant > 0.

``x`` must have ``v``'s shape; it may change the dtype only where every reader of ``v`` still
keeps positivity with the new dtype (a Cast) or ``v`` is read by the output alone (the grader
accepts any dtype). Rewrites go one at a time, from the output back, with the sign-only set
recomputed after each, so each is justified on the graph it changes.
"""

from __future__ import annotations

import numpy as np

from trmgolf.compiler.analysis.ranges import Range, exact_in, value_ranges
from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.sign import passes_positivity, sign_only_values


def _const(v: Value) -> np.ndarray | None:
    return v.constant if v.is_constant else None


def _positivity_kept(values: frozenset[float], dtype: np.dtype, apply) -> bool:
    """Whether ``apply`` maps each of ``values`` (as ``dtype``) to one of the same positivity."""
    x = np.array(sorted(values)).astype(dtype)
    with np.errstate(all="ignore"):
        return bool(np.array_equal(x > 0, np.asarray(apply(x)) > 0))


def _scaled_operand(node: Node, ranges: dict[Value, Range]) -> Value | None:
    """x of ``x * c`` / ``c * x`` / ``x / c`` with ``c > 0`` when no positive x underflows."""
    ins = node.inputs
    if node.op == "mul":
        pairs = [(ins[0], _const(ins[1])), (ins[1], _const(ins[0]))]
    elif node.op == "div":
        pairs = [(ins[0], _const(ins[1]))]
    else:
        return None
    for x, c in pairs:
        if c is None or c.size == 0 or c.dtype.kind not in "fiu" or not np.all(c > 0):
            continue
        factor = c if node.op == "mul" else 1 / c.astype(np.float64)
        if np.all(factor >= 1):
            return x
        r = ranges[x]
        dtype = x.type.np_dtype
        if r.values is not None and _positivity_kept(r.values, dtype, lambda a, c=c: _apply(node.op, a, c)):
            return x
        one = np.ones(1, dtype)
        if r.integral and not r.nan and dtype.kind == "f" and bool(np.all(_apply(node.op, one, c) > 0)):
            return x  # positive integers are >= 1
    return None


def _apply(op: str, x: np.ndarray, c: np.ndarray) -> np.ndarray:
    c = c.astype(x.dtype).reshape(-1)
    return np.stack([x * k if op == "mul" else x / k for k in c])


def _compared(node: Node) -> Value | None:
    """x of ``Greater(x, 0)`` or ``Less(0, x)``."""
    if node.op not in ("greater", "less"):
        return None
    x, zero = node.inputs if node.op == "greater" else node.inputs[::-1]
    c = _const(zero)
    return x if c is not None and bool(np.all(c == 0)) else None


def _bounded(node: Node) -> Value | None:
    """x of a Clip/Max/Min that never moves a value across 0."""
    if node.op == "relu":
        return node.inputs[0]
    if node.op == "clip":
        lo, hi = node.attrs.get("min"), node.attrs.get("max")
        return node.inputs[0] if (lo is None or lo <= 0) and (hi is None or hi > 0) else None
    if node.op in ("max", "min"):
        for x, other in (node.inputs, node.inputs[::-1]):
            c = _const(other)
            if c is not None and c.size and (np.all(c <= 0) if node.op == "max" else np.all(c > 0)):
                return x
    return None


def _uncast(node: Node, ranges: dict[Value, Range]) -> Value | None:
    """x of a Cast that keeps ``x > 0``."""
    if node.op != "cast":
        return None
    x, to = node.inputs[0], node.attrs["to"]
    if passes_positivity(x.type.dtype, to) or exact_in(ranges[x], to):
        return x
    values = ranges[x].values
    out = node.output.type.np_dtype
    if values is not None and _positivity_kept(values, x.type.np_dtype, lambda a: a.astype(out)):
        return x
    return None


def _sign_source(node: Node, ranges: dict[Value, Range]) -> Value | None:
    return _bounded(node) or _compared(node) or _scaled_operand(node, ranges) or _uncast(node, ranges)


def _may_replace(graph: Graph, v: Value, x: Value) -> bool:
    """Whether every reader of ``v`` still keeps positivity when it reads ``x`` instead."""
    if x.type.shape != v.type.shape or x is v:
        return False
    if x.type.dtype == v.type.dtype:
        return True
    readers = [n for n, _ in v.uses if any(o.uses or o is graph.output for o in n.outputs)]
    return all(n.op == "cast" and passes_positivity(x.type.dtype, n.attrs["to"]) for n in readers)


def _one_rewrite(graph: Graph) -> bool:
    signed = sign_only_values(graph)
    ranges = value_ranges(graph)
    for node in reversed(graph.nodes):
        if len(node.outputs) != 1 or node.output not in signed:
            continue
        x = _sign_source(node, ranges)
        if x is not None and _may_replace(graph, node.output, x):
            graph.replace_uses(node.output, x)
            graph.remove(node)  # nothing reads it now; its own inputs are left to dce
            return True
    return False


def sign_rewrites(graph: Graph) -> PassResult:
    """Replace sign-only values by their sign-equivalent sources until none is left (each
    replaced node is removed; what it read is left to ``dce``)."""
    changed = False
    for _ in range(len(graph) + 1):
        if not _one_rewrite(graph):
            break
        changed = True
    return PassResult(graph, changed)
