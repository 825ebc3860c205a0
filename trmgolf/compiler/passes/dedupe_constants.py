"""Constant deduplication: constants with the same dtype, shape and bytes become one.

No size limit: a duplicated weight costs its full element count again, the biggest
waste an unrolled network has.
"""

from __future__ import annotations

from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Value, array_digest


def dedupe_constants(graph: Graph) -> PassResult:
    seen: dict[tuple[str, str, tuple[int, ...]], Value] = {}
    changed = False
    for node in graph:
        if node.op != "constant":
            continue
        array = node.attrs["value"]
        key = (array_digest(array, 64), array.dtype.str, array.shape)
        first = seen.get(key)
        if first is None:
            seen[key] = node.output
            continue
        graph.replace_uses(node.output, first)
        graph.remove(node)
        changed = True
    return PassResult(graph, changed)
