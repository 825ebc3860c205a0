"""Value ranges over the one-hot input domain: what every tensor of a graph can hold.

The grader only ever feeds ``input`` one-hot grids: every cell 0 or 1. Propagating that
fact op by op proves facts the examples can only suggest: a Relu whose input is never
negative, a float16 round trip that loses nothing. What an op allows is read from its
registration (``ir.registry``), never from a list here: an ``elementwise`` op's numpy
reference is run on every combination of its inputs' value sets, or at the corners of their
intervals where it declares itself ``monotone``; an op that ``moves`` values holds a subset
of its inputs' values (plus its ``fill``). Each value gets a ``Range``: an interval, the
finite set of its values when small (an integer interval of at most ``MAX_SET`` values is
its set), whether they are all integers, whether a NaN can appear. An op that declares
nothing gives ``UNKNOWN`` (or just "bool"/"non-negative" from its dtype), so every fact is
sound.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.registry import get_op
from trmgolf.ir.types import NUMPY_DTYPES

#: A tensor whose values are known to lie in a set this small keeps the set.
MAX_SET = 32
#: Products of input sets evaluated through an op's reference, at most.
MAX_COMBOS = 4096

INTEGRAL_OPS = frozenset({"add", "sub", "mul", "neg", "abs", "relu", "min", "max", "floor", "ceil", "round",
                          "clip", "sign", "reduce_sum", "matmul", "conv2d", "einsum"})


@dataclass(frozen=True)
class Range:
    """What a tensor can hold: every value lies in ``[lo, hi]`` (and in ``values`` when that
    is known), is an integer when ``integral``, and is never NaN unless ``nan``."""

    lo: float
    hi: float
    values: frozenset[float] | None = None
    integral: bool = False
    nan: bool = False

    @staticmethod
    def of_values(values: np.ndarray) -> Range:
        flat = np.asarray(values, dtype=np.float64).reshape(-1)
        nan = bool(np.isnan(flat).any())
        finite = flat[~np.isnan(flat)]
        if finite.size == 0:
            return Range(0.0, 0.0, frozenset(), True, nan) if not nan else UNKNOWN
        unique = np.unique(finite)
        integral = bool(np.all(np.isfinite(unique)) and np.all(unique == np.floor(unique)))
        values = frozenset(float(v) for v in unique) if unique.size <= MAX_SET and not nan else None
        return Range(float(unique[0]), float(unique[-1]), values, integral, nan)

    @property
    def nonnegative(self) -> bool:
        return self.lo >= 0 and not self.nan

    def with_small_set(self) -> Range:
        """An integer interval of at most ``MAX_SET`` values, with its set (for evaluation)."""
        if self.values is not None or not self.integral or self.nan:
            return self
        if math.isinf(self.lo) or math.isinf(self.hi) or self.hi - self.lo + 1 > MAX_SET:
            return self
        lo, hi = math.ceil(self.lo), math.floor(self.hi)
        return Range(self.lo, self.hi, frozenset(float(v) for v in range(lo, hi + 1)), True, False)

    def union(self, other: Range) -> Range:
        values = None
        if self.values is not None and other.values is not None:
            joined = self.values | other.values
            values = joined if len(joined) <= MAX_SET else None
        return Range(min(self.lo, other.lo), max(self.hi, other.hi), values,
                     self.integral and other.integral, self.nan or other.nan)


UNKNOWN = Range(-math.inf, math.inf, None, False, True)
BOOL = Range(0.0, 1.0, frozenset({0.0, 1.0}), True, False)
ONE_HOT = BOOL  # every cell of ``input``


def _exact_integer_limit(dtype: str) -> float:
    """Every integer of magnitude up to this is exact in ``dtype``."""
    if dtype == "bool":
        return 0.0
    if dtype in ("float16", "float32", "float64"):
        return float(2 ** (np.finfo(NUMPY_DTYPES[dtype]).nmant + 1))
    info = np.iinfo(NUMPY_DTYPES[dtype])
    return float(min(-int(info.min), int(info.max))) if info.min < 0 else 0.0


def exact_in(r: Range, dtype: str) -> bool:
    """Whether every value ``r`` allows survives a round trip through ``dtype`` unchanged."""
    if r.values is not None:
        vals = np.array(sorted(r.values), dtype=np.float64)
        with np.errstate(all="ignore"):
            back = vals.astype(NUMPY_DTYPES[dtype]).astype(np.float64)
        return bool(np.array_equal(back, vals))
    if r.nan and dtype not in ("float16", "float32", "float64"):
        return False
    if r.integral and not r.nan:
        limit = _exact_integer_limit(dtype)
        if NUMPY_DTYPES[dtype].kind in "ub":
            return r.lo >= 0 and r.hi <= (1 if dtype == "bool" else np.iinfo(NUMPY_DTYPES[dtype]).max)
        return -limit <= r.lo and r.hi <= limit
    return False


def widens(src: str, dst: str) -> bool:
    """Whether every value of dtype ``src`` is exact in ``dst`` (a cast that loses nothing)."""
    if src == dst or src == "bool":
        return True
    s, d = NUMPY_DTYPES[src], NUMPY_DTYPES[dst]
    if d.kind == "f":
        if s.kind == "f":
            return d.itemsize >= s.itemsize
        return s.itemsize * 8 <= np.finfo(d).nmant + 1 - (s.kind == "i")
    if s.kind == "f" or d.kind == "b":
        return False
    return bool(np.can_cast(s, d, casting="safe"))


def _run_on_sets(node: Node, ranges: list[Range]) -> Range | None:
    """The node's possible outputs from every combination of its inputs' value sets."""
    sets = [r.values for r in ranges]
    if any(s is None or not s for s in sets):
        return None
    if math.prod(len(s) for s in sets) > MAX_COMBOS:
        return None
    combos = list(itertools.product(*[sorted(s) for s in sets]))
    with np.errstate(all="ignore"):
        arrays = [np.array([c[i] for c in combos]).astype(v.type.np_dtype) for i, v in enumerate(node.inputs)]
        (out,) = get_op(node.op).run(arrays, node.attrs)
    return Range.of_values(np.asarray(out).astype(node.output.type.np_dtype))


def _run_on_corners(node: Node, ranges: list[Range]) -> Range | None:
    """A monotone op's output interval: its reference at the corners of the input intervals
    (a product of two variables too: bilinear, its extremes are at corners as well)."""
    if not all(get_op(node.op).directions(node)) and not (node.op == "mul" and len(ranges) == 2):
        return None
    if any(r.nan or math.isinf(r.lo) or math.isinf(r.hi) for r in ranges):
        return None
    corners = list(itertools.product(*[(r.lo, r.hi) for r in ranges]))
    with np.errstate(all="ignore"):
        arrays = [np.array([c[i] for c in corners]).astype(v.type.np_dtype)
                  for i, v in enumerate(node.inputs)]
        (out,) = get_op(node.op).run(arrays, node.attrs)
        out = np.asarray(out).astype(node.output.type.np_dtype).astype(np.float64)
    if np.isnan(out).any():
        return None
    integral = all(r.integral for r in ranges) and node.op in INTEGRAL_OPS
    return Range(float(out.min()), float(out.max()), None, integral, False)


def _sum_of(terms: Range, count: int) -> Range:
    """A sum of ``count`` terms each in ``terms`` (widened outward for rounding unless integral)."""
    lo, hi = count * min(terms.lo, 0.0), count * max(terms.hi, 0.0)
    if not terms.integral:
        lo, hi = lo * (1 + 2 ** -8), hi * (1 + 2 ** -8)
    if terms.values == frozenset({0.0}):
        return Range(0.0, 0.0, frozenset({0.0}), True, False)
    return Range(lo, hi, None, terms.integral, terms.nan)


def _product(a: Range, b: Range) -> Range:
    if a.nan or b.nan or any(math.isinf(x) for x in (a.lo, a.hi, b.lo, b.hi)):
        return UNKNOWN
    corners = [x * y for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    return Range(min(corners), max(corners), None, a.integral and b.integral, False)


def _contraction(node: Node, ranges: list[Range]) -> Range:
    """matmul, conv2d and two-operand einsum: sums of products (padding adds zeros)."""
    a, b = node.inputs[0].type, node.inputs[1].type
    if node.op == "matmul":
        count = a.shape[-1]
    elif node.op == "conv2d":
        count = int(np.prod(b.shape[1:]))
    else:
        lhs, out = str(node.attrs["equation"]).replace(" ", "").split("->")
        operands = lhs.split(",")
        if len(operands) != 2 or "." in lhs:
            return UNKNOWN
        sizes = dict(zip(operands[0], a.shape, strict=True)) | dict(zip(operands[1], b.shape, strict=True))
        count = int(np.prod([sizes[c] for c in sizes if c not in out]))
    total = _sum_of(_product(ranges[0], ranges[1]), count)
    if node.op == "conv2d" and len(ranges) == 3:
        bias = ranges[2]
        total = Range(total.lo + bias.lo, total.hi + bias.hi, None, total.integral and bias.integral,
                      total.nan or bias.nan)
    return total


def _by_dtype(v: Value) -> Range:
    """What the dtype alone says."""
    if v.type.dtype == "bool":
        return BOOL
    if v.type.np_dtype.kind == "u":
        return Range(0.0, math.inf, None, True, False)
    if v.type.np_dtype.kind == "i":
        return Range(-math.inf, math.inf, None, True, False)
    return UNKNOWN


def _moved(node: Node, ranges: list[Range]) -> Range | None:
    """The union of the moved inputs' ranges (and the fill), for an op that only moves values."""
    opdef = get_op(node.op)
    moved = [r for i, r in enumerate(ranges) if opdef.moved(i)]
    if not moved:
        return None
    out = moved[0]
    for r in moved[1:]:
        out = out.union(r)
    fill = opdef.fill_value(node)
    if fill is not None:
        out = out.union(Range.of_values(np.array([fill]).astype(node.output.type.np_dtype)))
    return out


def _infer(node: Node, ranges: list[Range]) -> Range:
    op = node.op
    if op == "constant":
        return Range.of_values(np.asarray(node.attrs["value"]))
    opdef = get_op(op)
    if opdef.elementwise:
        found = _run_on_sets(node, ranges) or _run_on_corners(node, ranges)
        if found is not None:
            return found
    if opdef.moves:
        return _moved(node, ranges) or _by_dtype(node.output)
    if opdef.elementwise:
        return _by_dtype(node.output)
    if op == "reduce_sum":
        count = node.inputs[0].type.numel // node.output.type.numel
        return _sum_of(ranges[0], count)
    if op in ("matmul", "conv2d", "einsum") and len(ranges) >= 2:
        return _contraction(node, ranges)
    if op in ("softmax",):
        return Range(0.0, 1.0, None, False, ranges[0].nan)
    if op in ("argmax", "argmin"):
        dim = node.inputs[0].type.shape[node.attrs.get("axis", 0)]
        return Range(0.0, float(dim - 1), None, True, False)
    return _by_dtype(node.output)


def _meet(r: Range, v: Value) -> Range:
    """``r`` narrowed by what ``v``'s dtype allows."""
    d = _by_dtype(v)
    return Range(max(r.lo, d.lo), min(r.hi, d.hi), r.values, r.integral or d.integral,
                 r.nan and d.nan).with_small_set()


def value_ranges(graph: Graph, input_range: Range = ONE_HOT) -> dict[Value, Range]:
    """The range of every value of ``graph`` when ``input`` lies in ``input_range``."""
    ranges: dict[Value, Range] = {graph.input: input_range.with_small_set()}
    for node in graph:
        ins = [ranges[v] for v in node.inputs]
        try:
            out = _infer(node, ins)
        except Exception:  # noqa: BLE001 - a reference that rejects sample arrays: know nothing
            out = UNKNOWN
        for v in node.outputs:
            ranges[v] = _meet(out, v) if len(node.outputs) == 1 or get_op(node.op).moves else _by_dtype(v)
    return ranges
