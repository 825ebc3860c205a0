"""Common-subexpression elimination: two nodes with the same op, inputs and attributes
compute the same values, so the second reads the first's results instead.

Inputs of commutative ops are compared as a multiset. Constants are merged by
content in ``dedupe_constants``; run that first to catch ops over equal constants.
"""

from __future__ import annotations

from trmgolf.ir.graph import Graph
from trmgolf.ir.registry import get_op


def cse(graph: Graph) -> Graph:
    seen: dict[tuple, list] = {}
    kept = []
    for node in graph.nodes:
        if node.op == "constant":
            kept.append(node)
            continue
        ids = [id(v) for v in node.inputs]
        if get_op(node.op).commutative:
            ids.sort()
        key = (node.op, tuple(ids), node.attr_key())
        first = seen.get(key)
        if first is not None:
            for old, new in zip(node.outputs, first, strict=True):
                graph.replace_uses(old, new)
            continue
        seen[key] = node.outputs
        kept.append(node)
    graph.nodes = kept
    return graph
