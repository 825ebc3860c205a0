"""Residual fusion: ``add(h, attention(h, ...))`` becomes ``attention(h, ..., residual=1)``.

A residual add writes one more full-width tensor per block. Made part of the composite
op, the add becomes a choice of its lowerings: one can put it inside the output
projection (an RNN step with the residual as its initial state computes
``y W_o^T + h`` in one node), the others add it back as before. Fused only when the
attention's output has no other reader, so nothing else needs the unfused value.
"""

from __future__ import annotations

from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Node


def fuse_residual(graph: Graph) -> PassResult:
    changed = False
    for node in graph.nodes:
        attn = _fusable(node, graph)
        if attn is None:
            continue
        new = Node("attention", list(attn.inputs), {**attn.attrs, "residual": 1},
                   [node.output.type], attn.region)
        new.output.name = node.output.name
        graph.insert_before(attn, new)
        graph.replace_uses(node.output, new.output)
        graph.remove(node)
        graph.remove(attn)  # its only reader was ``node``
        changed = True
    return PassResult(graph, changed)


def _fusable(node: Node, graph: Graph) -> Node | None:
    """The attention node whose residual ``node`` adds, or None."""
    if node.op != "add" or len(node.inputs) != 2:
        return None
    for i in (0, 1):
        v, other = node.inputs[i], node.inputs[1 - i]
        attn = v.producer
        if (attn is not None and attn.op == "attention" and not attn.attrs.get("residual")
                and attn.inputs[0] is other and len(v.uses) == 1 and v is not graph.output
                and v.type == node.output.type):
            return attn
    return None
