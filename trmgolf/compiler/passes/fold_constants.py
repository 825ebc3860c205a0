"""Constant folding: a node whose inputs are all constants becomes a constant, computed
by the reference interpreter.

Under the NeuroGolf cost a folded float32 tensor moves from memory (4 bytes an
element) to params (1 per element), and the constants it read often die. Results
over ``MAX_ELEMENTS`` stay unfolded so a broadcast cannot blow up the file size.
"""

from __future__ import annotations

import numpy as np

from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Node
from trmgolf.ir.registry import get_op

MAX_ELEMENTS = 1 << 18


def fold_constants(graph: Graph) -> PassResult:
    changed = False
    for node in graph:
        foldable = (
            node.op != "constant"
            and node.inputs
            and all(v.is_constant for v in node.inputs)
            and all(v.type.numel <= MAX_ELEMENTS for v in node.outputs)
        )
        if not foldable:
            continue
        results = get_op(node.op).run([v.constant for v in node.inputs], node.attrs)
        for v, r in zip(node.outputs, results, strict=True):
            array = np.asarray(r).astype(v.type.np_dtype).reshape(v.type.shape)
            const = Node("constant", [], {"value": np.array(array, order="C")}, [v.type], node.region)
            const.output.name = v.name
            graph.insert_before(node, const)
            graph.replace_uses(v, const.output)
        graph.remove(node)
        changed = True
    return PassResult(graph, changed)
