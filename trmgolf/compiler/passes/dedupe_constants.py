"""Constant deduplication: constants with the same dtype, shape and bytes become one.

No size limit: a duplicated weight costs its full element count again, the biggest
waste an unrolled network has.
"""

from __future__ import annotations

from trmgolf.ir.graph import Graph, Value, array_digest


def dedupe_constants(graph: Graph) -> Graph:
    seen: dict[tuple[str, str, tuple[int, ...]], Value] = {}
    kept = []
    for node in graph.nodes:
        if node.op == "constant":
            array = node.attrs["value"]
            key = (array_digest(array, 64), array.dtype.str, array.shape)
            first = seen.get(key)
            if first is not None:
                graph.replace_uses(node.output, first)
                continue
            seen[key] = node.output
        kept.append(node)
    graph.nodes = kept
    return graph
