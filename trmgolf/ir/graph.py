"""The IR graph: values, nodes and a graph of them in topological order (SSA).

A ``Value`` is produced by exactly one node (or is the graph input). Constants are
nodes of op ``constant`` whose ``value`` attribute holds the numpy array. A node may
carry a ``region`` tag ("step0/block1") that cost reports group by.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from trmgolf.ir.types import GRID_TYPE, TensorType


class Value:
    """One SSA value: its type, the node that produces it and which of its outputs."""

    __slots__ = ("type", "producer", "index", "name")

    def __init__(self, type: TensorType, producer: Node | None = None, index: int = 0,
                 name: str | None = None) -> None:
        self.type = type
        self.producer = producer
        self.index = index
        self.name = name

    @property
    def is_constant(self) -> bool:
        return self.producer is not None and self.producer.op == "constant"

    @property
    def constant(self) -> np.ndarray:
        """The array of a constant value (raises when the value is not constant)."""
        if not self.is_constant:
            raise ValueError("value is not a constant")
        assert self.producer is not None
        return self.producer.attrs["value"]

    def __repr__(self) -> str:
        return f"Value({self.name or '?'}: {self.type})"


def array_digest(array: np.ndarray, length: int = 8) -> str:
    """A stable content hash of an array (dtype, shape and bytes): short for printing;
    code that merges arrays by digest asks for the full 64 hex digits, since 8 collide."""
    h = hashlib.sha256()
    h.update(str(array.dtype).encode())
    h.update(repr(tuple(array.shape)).encode())
    h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()[:length]


def freeze_attr(value: Any) -> Any:
    """Attributes are immutable and hashable (arrays aside): lists become tuples."""
    if isinstance(value, list | tuple):
        return tuple(freeze_attr(v) for v in value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


class Node:
    """One operation: op name, input values, attributes, output values, region tag."""

    __slots__ = ("op", "inputs", "attrs", "outputs", "region")

    def __init__(self, op: str, inputs: list[Value], attrs: dict[str, Any],
                 output_types: list[TensorType], region: str | None = None) -> None:
        self.op = op
        self.inputs = list(inputs)
        self.attrs = {k: freeze_attr(v) for k, v in sorted(attrs.items())}
        self.outputs = [Value(t, self, i) for i, t in enumerate(output_types)]
        self.region = region

    @property
    def output(self) -> Value:
        if len(self.outputs) != 1:
            raise ValueError(f"{self.op} has {len(self.outputs)} outputs")
        return self.outputs[0]

    def attr_key(self) -> tuple:
        """A hashable key of the attributes (arrays by content), for CSE."""
        items = []
        for k, v in self.attrs.items():
            if isinstance(v, np.ndarray):
                v = ("array", array_digest(v, 64), v.dtype.str, v.shape)
            items.append((k, v))
        return tuple(items)

    def __repr__(self) -> str:
        return f"Node({self.op})"


class Graph:
    """One input ``input`` and one output, both float32 [1,10,30,30] in a finished graph."""

    def __init__(self, input_type: TensorType = GRID_TYPE) -> None:
        self.input = Value(input_type, None, 0, "input")
        self.nodes: list[Node] = []
        self.output: Value | None = None

    def append(self, node: Node) -> Node:
        self.nodes.append(node)
        return node

    def values(self) -> Iterator[Value]:
        yield self.input
        for node in self.nodes:
            yield from node.outputs

    def uses(self) -> dict[Value, list[tuple[Node, int]]]:
        """For each value, the (node, input index) pairs that read it."""
        out: dict[Value, list[tuple[Node, int]]] = {v: [] for v in self.values()}
        for node in self.nodes:
            for i, v in enumerate(node.inputs):
                out.setdefault(v, []).append((node, i))
        return out

    def replace_uses(self, old: Value, new: Value) -> None:
        """Make every reader of ``old`` (and the graph output) read ``new`` instead."""
        for node in self.nodes:
            node.inputs = [new if v is old else v for v in node.inputs]
        if self.output is old:
            self.output = new

    def clone(self) -> Graph:
        """A deep copy of the structure; constant arrays are shared (they are never mutated)."""
        g = Graph(self.input.type)
        mapping: dict[Value, Value] = {self.input: g.input}
        for node in self.nodes:
            new = Node(node.op, [mapping[v] for v in node.inputs], dict(node.attrs),
                       [v.type for v in node.outputs], node.region)
            for old_v, new_v in zip(node.outputs, new.outputs, strict=True):
                new_v.name = old_v.name
                mapping[old_v] = new_v
            g.nodes.append(new)
        g.output = mapping[self.output] if self.output is not None else None
        return g

    def constants(self) -> list[Node]:
        return [n for n in self.nodes if n.op == "constant"]

    def __len__(self) -> int:
        return len(self.nodes)
