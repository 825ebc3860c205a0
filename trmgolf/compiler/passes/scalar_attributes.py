"""Scalars into attributes: an add or multiply by a scalar constant becomes an op that holds the
scalar as an attribute, which the grader does not count, where the value ranges prove the two
equal on every value the other operand can hold.

- ``add(x, c)``, ``sub(x, c)`` -> ``shrink(x) {bias=±c, lambd=-inf}``: below ``-lambd``
  (every finite value) Shrink adds ``bias``. Exact in float32 when ``x`` is never NaN; in an
  integer type when every value of ``x`` and of the sum lies within the dtype and within 2^24
  (onnxruntime adds in float32 and truncates back).
- ``mul(x, c)`` in float32 -> ``selu(x) {gamma=c, alpha=0}`` when ``x`` is never negative and
  ``leaky_relu(x) {alpha=c}`` when it is never positive: each multiplies on that side only.
  Both may give a zero the other sign than ``c * x`` does, so they fire only where no zero
  reaches a use that could tell ``+0`` from ``-0`` (every use is a comparison or the output).
- a comparison of ``x`` with a scalar that is true exactly where ``x`` is non-zero, on every
  value ``x`` can hold (``greater(x, 0)`` of counts, ``equal(x, 1)`` of a 0/1 mask) ->
  ``cast(x) {to='bool'}``: the dtype is an attribute too.

A constant is moved into attributes only when every one of its uses can take it: a scalar
still read by another node stays an initializer, and rewriting some of its readers would
save nothing. (A trick of the NeuroGolf 2026 second-place team's catalog, written anew.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from trmgolf.compiler.analysis.ranges import Range, value_ranges
from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.types import NUMPY_DTYPES

#: onnxruntime's Shrink adds in float32: integers up to this magnitude stay exact.
FLOAT32_EXACT = 2.0 ** 24
#: Integer dtypes onnxruntime's Shrink runs on.
INTEGER_DTYPES = frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"})
#: Comparisons with a scalar that may turn out to be "x is non-zero", i.e. a Cast to bool.
COMPARISONS = {"equal": np.equal, "greater": np.greater, "less": np.less,
               "greater_or_equal": np.greater_equal, "less_or_equal": np.less_equal}
#: Uses that cannot tell a zero's sign: ``+0`` and ``-0`` compare equal.
SIGN_BLIND = frozenset(COMPARISONS)
#: The most integers of a range checked one by one (longer ranges: only where it matters).
MAX_ENUMERATED = 64

Replacement = tuple[str, dict[str, Any]]


def _scalar_operand(node: Node) -> tuple[Value, Value, int] | None:
    """``(x, c, index of c)`` for a binary node with one scalar constant operand whose other
    operand has the result's shape (the constant broadcasts away)."""
    if len(node.inputs) != 2:
        return None
    for i in (1,) if node.op == "sub" else (1, 0):
        c, x = node.inputs[i], node.inputs[1 - i]
        if (c.is_constant and not x.is_constant and c.constant.size == 1
                and x.type.shape == node.output.type.shape):
            return x, c, i
    return None


def _values_to_check(r: Range, c: float) -> np.ndarray | None:
    """Values of range ``r`` on which "compare with ``c``" and "is non-zero" agree everywhere
    if they agree there: every value when ``r`` is a small set; for integers in a long
    interval, both sides of each point where either predicate can change (around 0 and
    ``c``) and the ends, since both are constant between those points."""
    if r.nan:
        return None
    if r.values is not None:
        return np.array(sorted(r.values), dtype=np.float64)
    if not (r.integral and math.isfinite(r.lo) and math.isfinite(r.hi)):
        return None
    if r.hi - r.lo < MAX_ENUMERATED:
        return np.arange(r.lo, r.hi + 1, dtype=np.float64)
    points = {r.lo, r.hi, -1.0, 0.0, 1.0}
    points |= {float(math.floor(c)) + k for k in (-1, 0, 1)} | {float(math.ceil(c)) + k for k in (-1, 0, 1)}
    return np.array(sorted(v for v in points if r.lo <= v <= r.hi), dtype=np.float64)


def _comparison_is_nonzero(node: Node, c: float, c_index: int, r: Range) -> bool:
    """Whether ``node`` (x compared with ``c``) is true exactly where x is non-zero, for every
    value x can hold: then it is ``cast(x, bool)``."""
    values = _values_to_check(r, c) if math.isfinite(c) else None
    if values is None or node.inputs[1 - c_index].type.dtype == "bool":
        return False
    compare = COMPARISONS[node.op]
    got = compare(np.float64(c), values) if c_index == 0 else compare(values, np.float64(c))
    return bool(np.array_equal(got, values != 0))


def _shrink_exact(r: Range, bias: float, dtype: str) -> bool:
    """Whether ``x + bias`` (Shrink's first branch, taken by every finite ``x``) equals the
    Add for every ``x`` in ``r``."""
    if r.nan or not math.isfinite(bias):
        return False
    if dtype == "float32":
        return np.float32(bias) == bias
    if dtype not in INTEGER_DTYPES or not float(bias).is_integer():
        return False
    info = np.iinfo(NUMPY_DTYPES[dtype])
    lo, hi = r.lo + bias, r.hi + bias
    return (max(abs(r.lo), abs(r.hi), abs(lo), abs(hi)) <= FLOAT32_EXACT
            and info.min <= lo and hi <= info.max)


def _zero_sign_blind(v: Value) -> bool:
    """Whether nothing that reads ``v`` can tell ``+0`` from ``-0`` (the output is only
    compared with 0)."""
    return all(reader.op in SIGN_BLIND for reader, _ in v.uses)


def _replacement(node: Node, x: Value, c: float, c_index: int,
                 ranges: dict[Value, Range]) -> Replacement | None:
    r, dtype = ranges[x], x.type.dtype
    if node.op in COMPARISONS:
        # simplify moves a slice of a cast before the cast: a slice of the wider x would cost more
        sliced = any(reader.op == "slice" for reader, _ in node.output.uses)
        if sliced or not _comparison_is_nonzero(node, c, c_index, r):
            return None
        return "cast", {"to": "bool"}
    if node.op in ("add", "sub"):
        bias = c if node.op == "add" else -c
        if not _shrink_exact(r, bias, dtype):
            return None
        return "shrink", {"bias": float(bias), "lambd": -math.inf}
    if node.op != "mul" or dtype != "float32" or r.nan or not math.isfinite(c):
        return None
    blind = _zero_sign_blind(node.output)
    if r.lo > 0 or (r.lo >= 0 and blind):
        return "selu", {"alpha": 0.0, "gamma": float(c)}
    if r.hi < 0 or (r.hi <= 0 and blind):
        return "leaky_relu", {"alpha": float(c)}
    return None


def scalar_attributes(graph: Graph) -> PassResult:
    """Rewrite every reader of a scalar constant that all its readers allow."""
    ranges = value_ranges(graph)
    plans: dict[Value, list[tuple[Node, int, Replacement]]] = {}
    for node in graph.nodes:
        if node.op not in ("add", "sub", "mul", *COMPARISONS):
            continue
        found = _scalar_operand(node)
        if found is None:
            continue
        x, c, i = found
        replacement = _replacement(node, x, float(c.constant.reshape(-1)[0]), i, ranges)
        if replacement is not None:
            plans.setdefault(c, []).append((node, 1 - i, replacement))
    changed = False
    for c, rewrites in plans.items():
        if c is graph.output or len(c.uses) != len(rewrites):
            continue  # the scalar stays an initializer for another reader
        for node, operand, (op, attrs) in rewrites:
            # read the operand now: an earlier rewrite may have replaced its producer
            graph.replace_node(node, Node(op, [node.inputs[operand]], attrs, [node.output.type], node.region))
        changed = True
    return PassResult(graph, changed)
