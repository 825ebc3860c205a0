"""Dtype narrowing: run float32 computations in float16, except where told to keep float32.

Memory is counted in bytes, so float16 halves every intermediate. Constants are
converted (not cast at run time); a value that crosses between a narrowed and a kept
node gets one Cast, shared by all its readers. Nodes whose float inputs are not all
float32 (casts, integer ops) are left alone. The pass changes numbers, so it never
runs blind: the compiler checks the thresholded answers on the task's examples and
widens ``keep`` until they agree (``trmgolf.frontend.compile``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.registry import get_op

Keep = Callable[[Node], bool]


def keep_nothing(node: Node) -> bool:
    return False


def narrow_dtypes(graph: Graph, keep: Keep = keep_nothing, dtype: str = "float16") -> PassResult:
    """A new graph where every non-kept node computes in ``dtype`` instead of float32
    (changed when any value was converted; else the new graph equals the old)."""
    out = Graph(graph.input.type)
    mapping: dict[Value, Value] = {graph.input: out.input}
    converted: dict[tuple[int, str], Value] = {}

    def as_dtype(v: Value, want: str, region: str | None) -> Value:
        if v.type.dtype == want:
            return v
        key = (id(v), want)
        if key not in converted:
            if v.is_constant:
                array = np.asarray(v.constant).astype(np.dtype(want if want != "float16" else np.float16))
                node = Node("constant", [], {"value": array}, [v.type.with_dtype(want)], v.producer.region)
                node.output.name = v.name
            else:
                node = Node("cast", [v], {"to": want}, [v.type.with_dtype(want)], region)
            out.append(node)
            converted[key] = node.output
        return converted[key]

    for node in graph.nodes:
        ins = [mapping[v] for v in node.inputs]
        floats = [v for v in ins if v.type.dtype in ("float32", "float16")]
        if node.op == "constant" or node.op == "cast" or not floats:
            new_ins = ins
        else:
            want = "float32" if keep(node) else dtype
            new_ins = [as_dtype(v, want, node.region) if v.type.dtype in ("float32", "float16") else v
                       for v in ins]
        types = get_op(node.op).infer_types([v.type for v in new_ins], node.attrs)
        new = Node(node.op, new_ins, dict(node.attrs), types, node.region)
        for old_v, new_v in zip(node.outputs, new.outputs, strict=True):
            new_v.name = old_v.name
            mapping[old_v] = new_v
        out.append(new)
    assert graph.output is not None
    result = mapping[graph.output]
    if result.type.dtype != graph.output.type.dtype:
        region = result.producer.region if result.producer else None
        result = as_dtype(result, graph.output.type.dtype, region)
    out.output = result
    return PassResult(out, bool(converted))
