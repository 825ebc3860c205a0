"""Dead-code elimination: drop every node none of whose outputs reaches the graph output.

Every tensor in a NeuroGolf file costs its bytes whether or not it is read, so a dead
branch is pure loss.
"""

from __future__ import annotations

from trmgolf.ir.graph import Graph, Value


def dce(graph: Graph) -> Graph:
    assert graph.output is not None
    live: set[Value] = {graph.output}
    kept = []
    for node in reversed(graph.nodes):
        if any(v in live for v in node.outputs):
            kept.append(node)
            live.update(node.inputs)
    graph.nodes = kept[::-1]
    return graph
