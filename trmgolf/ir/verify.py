"""The IR verifier: a graph is well-formed when every check here passes.

Checks: every input of a node is defined earlier (SSA, topological order); its
attributes match the op's declarations; every node's result types agree with its
op's type rule; every value's use-list names exactly its readers (``check_uses``);
the output is set, and in a NeuroGolf graph (unless ``grid_output=False``) the input is
float32 [1,10,30,30] and the output is [1,10,30,30] of any dtype the grader thresholds
(bool, integers, floats: it only evaluates ``output > 0``).
"""

from __future__ import annotations

from trmgolf.ir.graph import Graph, Value, check_uses
from trmgolf.ir.registry import IRTypeError, get_op
from trmgolf.ir.types import GRID_TYPE, is_grid_output


class IRVerifyError(ValueError):
    """The graph breaks an IR invariant; the message names the node."""


def verify(graph: Graph, *, grid_output: bool = True) -> None:
    defined: set[Value] = {graph.input}
    for i, node in enumerate(graph.nodes):
        where = f"node {i} ({node.op})"
        for v in node.inputs:
            if v not in defined:
                raise IRVerifyError(f"{where}: reads a value that is not defined before it")
        try:
            opdef = get_op(node.op)
            opdef.check_attrs(node.attrs)
            want = opdef.infer_types([v.type for v in node.inputs], node.attrs)
        except IRTypeError as e:
            raise IRVerifyError(f"{where}: {e}") from None
        got = [v.type for v in node.outputs]
        if want != got:
            raise IRVerifyError(f"{where}: result types {got} but the op gives {want}")
        for j, v in enumerate(node.outputs):
            if v.producer is not node or v.index != j:
                raise IRVerifyError(f"{where}: output {j} does not point back at its node")
            defined.add(v)
    problem = check_uses(graph)
    if problem is not None:
        raise IRVerifyError(f"use-lists: {problem}")
    if graph.output is None:
        raise IRVerifyError("graph has no output")
    if graph.output not in defined:
        raise IRVerifyError("graph output is not defined in the graph")
    if grid_output and (not is_grid_output(graph.output.type) or graph.input.type != GRID_TYPE):
        raise IRVerifyError(
            f"a NeuroGolf graph maps {GRID_TYPE} to [1,10,30,30] of any dtype, "
            f"not {graph.input.type} to {graph.output.type}"
        )
