"""Distribute and factor linear maps by constants, so that a chain of them becomes one map.

Rules, one per function ``(node, graph) -> Value | None`` (the value that replaces the
node's output), for a linear map ``L_A`` (``matmul``, ``conv2d``, two-operand ``einsum``
with the constant weight A; see ``linear_maps``):

- ``L_A(x) + L_B(x) -> L_{A+B}(x)`` and ``L_A(x) - L_B(x) -> L_{A-B}(x)`` (so
  ``A x + A x -> 2A x``), conv2d biases summed too;
- ``c * L_A(x) -> L_{cA}(x)`` for a scalar constant c (a conv2d's bias scaled too);
- ``L_A(c * x) -> L_{cA}(x)`` for a scalar constant c, and ``L_A(x + x) -> L_{2A}(x)``;
- ``A @ (B @ x) -> (AB) @ x`` and ``(x @ B) @ A -> x @ (BA)`` for 2-D constants.

The maps replaced must have no other reader, so no rule adds work. Combined weights are
computed in float64 and rounded once to the map's dtype: the result can differ from the
original in the last bit (``optimize`` compares the answers on every example).
"""

from __future__ import annotations

import numpy as np

from trmgolf.compiler.passes.linear_maps import LinearMap, linear_map, only_read_by, reweighted
from trmgolf.compiler.passes.result import PassResult
from trmgolf.compiler.passes.rewrite import Rule, rewrite
from trmgolf.ir.graph import Graph, Node, Value


def _wide(array: np.ndarray) -> np.ndarray:
    return np.asarray(array, dtype=np.float64)


def _scalar(v: Value) -> float | None:
    """The value of a one-element float constant, else None."""
    if not v.is_constant or v.type.numel != 1 or not np.issubdtype(v.constant.dtype, np.floating):
        return None
    return float(v.constant.reshape(()))


def _sum(node: Node, graph: Graph) -> Value | None:
    """L_A(x) ± L_B(x) -> L_{A±B}(x)."""
    if node.op not in ("add", "sub"):
        return None
    a, b = node.inputs
    la, lb = linear_map(a), linear_map(b)
    if la is None or lb is None or not la.same_map_shape(lb) or node.output.type != a.type:
        return None
    if not (only_read_by(a, node, graph) and only_read_by(b, node, graph)):
        return None
    sign = 1.0 if node.op == "add" else -1.0
    weight = _wide(la.w) + sign * _wide(lb.w)
    bias = None
    if la.bias is not None or lb.bias is not None:
        zero = np.zeros(la.w.shape[0])
        bias = _wide(la.bias if la.bias is not None else zero) + sign * _wide(
            lb.bias if lb.bias is not None else zero)
    return reweighted(graph, la, node, weight, bias)


def _scaled_output(node: Node, graph: Graph) -> Value | None:
    """c * L_A(x) -> L_{cA}(x) for a scalar constant c."""
    if node.op != "mul":
        return None
    for v, c in (node.inputs, node.inputs[::-1]):
        scale = _scalar(c)
        lin = linear_map(v)
        if scale is None or lin is None or node.output.type != v.type or not only_read_by(v, node, graph):
            continue
        bias = None if lin.bias is None else scale * _wide(lin.bias)
        return reweighted(graph, lin, node, scale * _wide(lin.w), bias)
    return None


def _scaled_input(node: Node, graph: Graph) -> Value | None:
    """L_A(c * x) -> L_{cA}(x) for a scalar constant c, L_A(x + x) -> L_{2A}(x) (the scaled
    x may have other readers)."""
    lin = linear_map(node.outputs[0]) if len(node.outputs) == 1 else None
    if lin is None or lin.x.producer is None or lin.x.producer.op not in ("mul", "add"):
        return None
    mul = lin.x.producer
    if mul.op == "add":
        x, twin = mul.inputs
        if x is not twin or x.type != lin.x.type:
            return None
        new = reweighted(graph, lin, node, 2.0 * _wide(lin.w), lin.bias)
        new.producer.set_input(lin.data, x)
        return new
    for x, c in (mul.inputs, mul.inputs[::-1]):
        scale = _scalar(c)
        if scale is not None and x.type == lin.x.type:
            new = reweighted(graph, lin, node, scale * _wide(lin.w), lin.bias)
            new.producer.set_input(lin.data, x)
            return new
    return None


def _product(node: Node, graph: Graph) -> Value | None:
    """A @ (B @ x) -> (AB) @ x, and (x @ B) @ A -> x @ (BA), for 2-D constant A and B."""
    outer = linear_map(node.outputs[0]) if node.op == "matmul" else None
    if outer is None or outer.w.ndim != 2:
        return None
    inner = linear_map(outer.x)
    if inner is None or inner.node.op != "matmul" or inner.weight != outer.weight or inner.w.ndim != 2:
        return None
    if not only_read_by(outer.x, node, graph):
        return None
    left = outer.weight == 0
    weight = _wide(outer.w) @ _wide(inner.w) if left else _wide(inner.w) @ _wide(outer.w)
    new = reweighted(graph, LinearMap(node, outer.weight, outer.data), node, weight)
    new.producer.set_input(outer.data, inner.x)
    return new


RULES: list[Rule] = [_sum, _scaled_output, _scaled_input, _product]


def distribute(graph: Graph) -> PassResult:
    """Apply the first rule that fits to each node, once; dead maps are left to ``dce``."""
    return rewrite(graph, RULES)
