"""Shared helpers of the search tests."""

from __future__ import annotations

import numpy as np

from trmgolf.compiler.driver import compile_graph
from trmgolf.ir.graph import Graph
from trmgolf.scoring.runtime import grader_session
from trmgolf.tasks import Example, grid_to_onehot


def exact_in_onnxruntime(graph: Graph, examples: list[Example]) -> bool:
    """Compile ``graph`` and run it as the grader does: exact on every example?"""
    session = grader_session(compile_graph(graph).data)
    for e in examples:
        out = session.run(["output"], {"input": grid_to_onehot(e.input)})[0]
        if not np.array_equal(out > 0, grid_to_onehot(e.output) > 0):
            return False
    return True
