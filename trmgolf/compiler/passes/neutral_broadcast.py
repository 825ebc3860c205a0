"""A neutral constant that only adds leading unit axes becomes a reshape.

``x + 0``, ``x - 0``, ``x * 1`` and ``x / 1`` where the constant's broadcast turns
``[10,900]`` into ``[1,10,900]`` (and nothing else: same dtype, same trailing shape)
compute a reshape of x. ``simplify`` removes these only when the type is unchanged; as a
reshape the node costs no params, and reshape chains then collapse (``simplify``).
"""

from __future__ import annotations

import numpy as np

from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Node, Value

NEUTRAL = {"add": 0, "sub": 0, "mul": 1, "div": 1}
COMMUTATIVE = ("add", "mul")


def _only_leading_units(x: Value, node: Node) -> bool:
    out = node.output.type
    extra = out.rank - x.type.rank
    return (out.dtype == x.type.dtype and extra > 0 and out.shape[extra:] == x.type.shape
            and all(d == 1 for d in out.shape[:extra]))


def _neutral_operand(node: Node) -> Value | None:
    """The non-constant operand x when the other one is the op's neutral element."""
    a, b = node.inputs
    pairs = [(a, b), (b, a)] if node.op in COMMUTATIVE else [(a, b)]
    for x, c in pairs:
        if c.is_constant and not x.is_constant and bool(np.all(c.constant == NEUTRAL[node.op])):
            return x
    return None


def neutral_broadcast(graph: Graph) -> PassResult:
    changed = False
    for node in graph.nodes:
        if node.op not in NEUTRAL:
            continue
        x = _neutral_operand(node)
        if x is None or not _only_leading_units(x, node):
            continue
        shape = node.output.type.shape
        graph.replace_node(node, Node("reshape", [x], {"shape": shape}, [node.output.type], node.region))
        changed = True
    return PassResult(graph, changed)
