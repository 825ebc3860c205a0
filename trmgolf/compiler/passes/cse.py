"""Common-subexpression elimination: two nodes with the same op, inputs and attributes
compute the same values, so the second reads the first's results instead.

Inputs of commutative ops are compared as a multiset. Constants are merged by
content in ``dedupe_constants``; run that first to catch ops over equal constants.
"""

from __future__ import annotations

from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Value
from trmgolf.ir.registry import get_op


def cse(graph: Graph) -> PassResult:
    seen: dict[tuple, list[Value]] = {}
    changed = False
    for node in graph:
        if node.op == "constant":
            continue
        ids = [id(v) for v in node.inputs]
        if get_op(node.op).commutative:
            ids.sort()
        key = (node.op, tuple(ids), node.attr_key())
        first = seen.get(key)
        if first is None:
            seen[key] = node.outputs
            continue
        for old, new in zip(node.outputs, first, strict=True):
            graph.replace_uses(old, new)
        graph.remove(node)
        changed = True
    return PassResult(graph, changed)
