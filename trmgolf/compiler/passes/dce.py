"""Dead-code elimination: drop every node none of whose outputs reaches the graph output.

Every tensor in a NeuroGolf file costs its bytes whether or not it is read, so a dead
branch is pure loss. Walking backwards, a node is dead when its outputs have no readers
left (its own dead readers were removed before it).
"""

from __future__ import annotations

from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph


def dce(graph: Graph) -> PassResult:
    assert graph.output is not None
    changed = False
    for node in reversed(graph.nodes):
        if not any(v.uses or v is graph.output for v in node.outputs):
            graph.remove(node)
            changed = True
    return PassResult(graph, changed)
