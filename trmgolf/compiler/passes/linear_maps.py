"""Linear maps by a constant, as the algebra passes see them (not a pass itself).

A ``matmul``, ``conv2d`` or two-operand ``einsum`` with exactly one constant operand is a
linear function of its other operand (a conv2d's constant bias aside). ``distribute``
combines such maps (sums, scales, products of weights) and ``channel_gather`` turns the
ones that only copy channels into a Gather; both build their replacements with the
helpers here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.types import FLOAT_DTYPES, NUMPY_DTYPES, TensorType

LINEAR_OPS = ("matmul", "conv2d", "einsum")


@dataclass(frozen=True)
class LinearMap:
    """``node`` computes a linear function of input ``data`` with the constant input ``weight``."""

    node: Node
    weight: int
    data: int

    @property
    def x(self) -> Value:
        return self.node.inputs[self.data]

    @property
    def w(self) -> np.ndarray:
        return self.node.inputs[self.weight].constant

    @property
    def bias(self) -> np.ndarray | None:
        """A conv2d's bias (a constant, or None when it has none)."""
        return self.node.inputs[2].constant if len(self.node.inputs) == 3 else None

    def same_map_shape(self, other: LinearMap) -> bool:
        """Whether ``other`` applies a weight of the same shape in the same way to the same data."""
        return (self.node.op == other.node.op and self.node.attrs == other.node.attrs
                and self.weight == other.weight and self.x is other.x
                and self.w.shape == other.w.shape and self.node.output.type == other.node.output.type)


def linear_map(v: Value) -> LinearMap | None:
    """How ``v`` is a float linear map of one computed value by a constant, or None."""
    node = v.producer
    if node is None or node.op not in LINEAR_OPS or len(node.outputs) != 1 \
            or v.type.dtype not in FLOAT_DTYPES:
        return None
    consts = [i for i, x in enumerate(node.inputs) if x.is_constant]
    if node.op == "conv2d":
        if consts not in ([1], [1, 2]):
            return None
        return LinearMap(node, 1, 0)
    if len(node.inputs) != 2 or len(consts) != 1:
        return None
    return LinearMap(node, consts[0], 1 - consts[0])


def only_read_by(v: Value, node: Node, graph: Graph) -> bool:
    """Whether every read of ``v`` is by ``node`` (and ``v`` is not the graph output)."""
    return v is not graph.output and all(user is node for user, _ in v.uses)


def constant_before(graph: Graph, anchor: Node, array: np.ndarray, dtype: str,
                    name: str | None = None) -> Value:
    """A new constant node holding ``array`` as ``dtype``, inserted before ``anchor``;
    ``name`` becomes its initializer's name when emitted."""
    value = np.ascontiguousarray(np.asarray(array).astype(NUMPY_DTYPES[dtype]))
    node = Node("constant", [], {"value": value}, [TensorType(dtype, value.shape)], anchor.region)
    node.output.name = name
    return graph.insert_before(anchor, node).output


def reweighted(graph: Graph, lin: LinearMap, anchor: Node, weight: np.ndarray,
               bias: np.ndarray | None = None) -> Value:
    """``lin``'s map with a new weight (and, for a conv2d, a new bias or none), inserted
    before ``anchor``: its output has the type of ``anchor``'s."""
    dtype = lin.node.output.type.dtype
    inputs = list(lin.node.inputs[:2])
    inputs[lin.weight] = constant_before(graph, anchor, weight, dtype, lin.node.inputs[lin.weight].name)
    if bias is not None:
        old = lin.node.inputs[2].name if len(lin.node.inputs) == 3 else None
        inputs.append(constant_before(graph, anchor, bias, dtype, old))
    new = Node(lin.node.op, inputs, dict(lin.node.attrs), [anchor.output.type], anchor.region)
    return graph.insert_before(anchor, new).output
