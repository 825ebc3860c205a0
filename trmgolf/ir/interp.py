"""The numpy reference interpreter: ground truth for every emitted ONNX model."""

from __future__ import annotations

import numpy as np

from trmgolf.ir.graph import Graph, Value
from trmgolf.ir.registry import get_op


def run_all(graph: Graph, x: np.ndarray) -> dict[Value, np.ndarray]:
    """Every value of the graph on input ``x`` (for debugging and constant folding)."""
    env: dict[Value, np.ndarray] = {graph.input: np.asarray(x, dtype=graph.input.type.np_dtype)}
    for node in graph.nodes:
        results = get_op(node.op).run([env[v] for v in node.inputs], node.attrs)
        for v, r in zip(node.outputs, results, strict=True):
            env[v] = np.asarray(r).astype(v.type.np_dtype, copy=False).reshape(v.type.shape)
    return env


def run(graph: Graph, x: np.ndarray) -> np.ndarray:
    """The graph's output on input ``x``."""
    assert graph.output is not None
    if graph.output is graph.input:
        return np.asarray(x, dtype=graph.input.type.np_dtype)
    return run_all(graph, x)[graph.output]
