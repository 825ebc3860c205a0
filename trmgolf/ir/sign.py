"""Which values are only needed up to sign: the grader reads ``output > 0`` and nothing else.

A value is *sign-only* when every reader passes on only whether it is positive: the graph
output itself, and inputs of ops that map values of the same positivity to outputs of the
same positivity when their own output is sign-only (data movement, Relu, ``Greater(x, 0)``,
widening casts, a scale by a constant >= 1, ...). Replacing a sign-only value by another with
the same positivity on every input leaves ``output > 0`` unchanged, which is what the
output-side rewrites (``compiler.passes.sign_rewrites``) rely on. The printer marks them.
"""

from __future__ import annotations

import numpy as np

from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.types import NUMPY_DTYPES

#: Ops that copy or move their first input's values (positivity passes through unchanged).
_MOVES = frozenset({"reshape", "transpose", "slice", "expand", "tile", "identity", "concat", "split",
                    "reduce_max"})


def _const(v: Value) -> np.ndarray | None:
    return v.constant if v.is_constant else None


def passes_positivity(src: str, dst: str) -> bool:
    """Whether ``cast`` from ``src`` to ``dst`` keeps ``x > 0`` for every value of ``src``."""
    s, d = NUMPY_DTYPES[src], NUMPY_DTYPES[dst]
    if s.kind == "b":
        return True
    if d.kind == "b" or (s.kind == "f" and d.kind != "f"):
        return False  # negatives become True; 0.5 truncates to 0
    if s.kind == "f":
        return d.itemsize >= s.itemsize  # a narrower float can flush a tiny positive to 0
    if d.kind == "f":
        return True  # an integer rounds to a float of its sign (or to an infinity)
    return bool(np.can_cast(s, d, casting="safe"))


def propagates(node: Node, index: int) -> bool:
    """Whether input ``index`` of ``node`` needs only its sign when ``node``'s outputs do."""
    op = node.op
    if op in _MOVES or (op == "gather" and index == 0) or op == "relu":
        return True
    if op == "pad":
        return index == 0 and float(node.attrs.get("value", 0.0)) == 0.0
    if op == "where":
        return index > 0
    if op == "cast":
        return passes_positivity(node.inputs[0].type.dtype, node.attrs["to"])
    if op in ("greater", "less") and len(node.inputs) == 2:
        zero = _const(node.inputs[1 - index])
        x_first = (op == "greater") == (index == 0)
        return zero is not None and x_first and bool(np.all(zero == 0))
    if op == "clip":
        lo, hi = node.attrs.get("min"), node.attrs.get("max")
        return (lo is None or lo <= 0) and (hi is None or hi > 0)
    other = node.inputs[1 - index] if len(node.inputs) == 2 else None
    c = _const(other) if other is not None else None
    if c is None or c.size == 0 or c.dtype.kind not in "fiu":
        return False
    if op == "mul":
        return bool(np.all(c >= 1))  # >= 1: no positive value can underflow to 0
    if op == "div":
        return index == 0 and bool(np.all((c > 0) & (c <= 1)))
    if op == "max":
        return bool(np.all(c <= 0))
    if op == "min":
        return bool(np.all(c > 0))
    return False


def sign_only_values(graph: Graph) -> set[Value]:
    """The values of ``graph`` that are only needed up to sign (the output among them).

    Nodes are visited last to first, so every reader of a value is decided before it; a
    reader none of whose results reaches the output (dead code) needs nothing."""
    signed: set[Value] = set()
    live: set[Value] = set()
    if graph.output is None:
        return signed
    candidates = [graph.input, *(v for node in graph.nodes for v in node.outputs)]
    for v in reversed(candidates):
        readers = [(n, i) for n, i in v.uses if any(o in live for o in n.outputs)]
        if v is not graph.output and not readers:
            continue
        live.add(v)
        if all(all(o in signed or o not in live for o in n.outputs) and propagates(n, i) for n, i in readers):
            signed.add(v)
    return signed
