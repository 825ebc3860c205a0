"""The one driver of the rule-list passes: a pass is its list of rules, this applies them.

A rule is ``(node, graph) -> Value | None``: the value that can replace ``node``'s output, or
None when the rule does not fit. A rule may insert the nodes of its replacement before
``node``. ``rewrite`` walks the nodes in order (a snapshot: nodes a rule inserts are not
visited in the same sweep), gives each single-output node the first rule that fits, and
moves every reader of the node's output to the replacement. The replaced node is left for
``dce``, or, with ``prune``, removed at once with the producers only it kept alive (so a
value's stale reader cannot stop the next rule). With ``until_settled`` (which needs
``prune``: a replaced node left in the graph is a dead node that a rule could fit again in
every sweep) it sweeps again until a sweep changes nothing; a pass whose rules read an
analysis computed once per run (the value ranges) sweeps once, and the pipeline's rounds
bring it back.

The result says exactly whether the graph changed: a read moved, a node was inserted or
removed. A rule that fits a dead node without inserting anything changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Node, Value

Rule = Callable[[Node, Graph], Value | None]


def prune_dead(graph: Graph, node: Node) -> int:
    """Remove ``node`` when nothing reads it, and the producers left without readers by
    that; how many nodes were removed."""
    removed = 0
    stack = [node]
    while stack:
        n = stack.pop()
        if n.graph is not graph or any(v.uses or v is graph.output for v in n.outputs):
            continue
        inputs = [v.producer for v in n.inputs if v.producer is not None]
        graph.remove(n)
        removed += 1
        stack.extend(inputs)
    return removed


def _sweep(graph: Graph, rules: Sequence[Rule], prune: bool) -> bool:
    changed = False
    for node in graph.nodes:
        if node.graph is not graph or node.op == "constant" or len(node.outputs) != 1:
            continue
        for rule in rules:
            before = len(graph)
            replacement = rule(node, graph)
            if replacement is None:
                continue
            moved = graph.replace_uses(node.output, replacement)
            removed = prune_dead(graph, node) if prune else 0
            changed = changed or moved > 0 or removed > 0 or len(graph) != before
            break
    return changed


def rewrite(graph: Graph, rules: Sequence[Rule], *, until_settled: bool = False,
            prune: bool = False) -> PassResult:
    """Apply the first rule of ``rules`` that fits to each node (see the module docstring)."""
    if until_settled and not prune:
        raise ValueError("rewrite: until_settled needs prune (a replaced node left in the graph "
                         "could be rewritten again in every sweep)")
    changed = _sweep(graph, rules, prune)
    settling = changed and until_settled
    while settling:
        settling = _sweep(graph, rules, prune)
    return PassResult(graph, changed)
