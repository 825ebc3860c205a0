"""The IR graph: values, nodes and a graph of them in topological order (SSA).

A ``Value`` is produced by exactly one node (or is the graph input) and knows its uses:
the ``(node, input index)`` pairs that read it. Nodes register their uses when they are
made, ``Node.set_input`` moves one, and ``Graph.remove`` drops a removed node's; so
``Graph.replace_uses`` touches only the readers (``check_uses`` in ``verify`` proves the
lists right). The graph keeps its nodes in a doubly linked list: inserting before a node
and removing one are O(1), and a pass over N nodes stays O(N).

Constants are nodes of op ``constant`` whose ``value`` attribute holds the numpy array. A
node may carry a ``region`` tag ("step0/block1") that cost reports group by.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.opaque import OpaqueArray, require_concrete
from trmgolf.ir.types import GRID_TYPE, TensorType

Use = tuple["Node", int]


class Value:
    """One SSA value: its type, the node that produces it (which output) and its uses."""

    __slots__ = ("type", "producer", "index", "name", "_uses")

    def __init__(self, type: TensorType, producer: Node | None = None, index: int = 0,
                 name: str | None = None) -> None:
        self.type = type
        self.producer = producer
        self.index = index
        self.name = name
        # An ordered set of uses: O(1) to add and drop, iterated in the order made.
        self._uses: dict[Use, None] = {}

    @property
    def uses(self) -> list[Use]:
        """The ``(node, input index)`` pairs that read this value (the graph output aside)."""
        return list(self._uses)

    @property
    def is_constant(self) -> bool:
        return self.producer is not None and self.producer.op == "constant"

    @property
    def constant(self) -> np.ndarray:
        """The array of a constant value (raises when the value is not constant, and
        ``OpaqueConstantError`` when it was parsed without its array)."""
        if not self.is_constant:
            raise ValueError("value is not a constant")
        assert self.producer is not None
        return require_concrete(self.producer.attrs["value"])

    def __repr__(self) -> str:
        return f"Value({self.name or '?'}: {self.type})"


def array_digest(array: np.ndarray, length: int = 8) -> str:
    """A stable content hash of an array (dtype, shape and bytes): short for printing;
    code that merges arrays by digest asks for the full 64 hex digits, since 8 collide.
    An opaque array (parsed from text) has only the digest it was printed with."""
    if isinstance(array, OpaqueArray):
        return f"{array.digest}"[:length]
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


def freeze_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """A node's attribute dict: frozen values, sorted by name (so it prints one way)."""
    return {k: freeze_attr(v) for k, v in sorted(attrs.items())}


class Node:
    """One operation: op name, input values, attributes, output values, region tag.

    ``inputs`` is read-only (a tuple); change one with ``set_input`` so the use-lists follow.
    """

    __slots__ = ("op", "_inputs", "attrs", "outputs", "region", "graph", "_prev", "_next")

    def __init__(self, op: str, inputs: Sequence[Value], attrs: dict[str, Any],
                 output_types: list[TensorType], region: str | None = None) -> None:
        self.op = op
        self._inputs = list(inputs)
        for i, v in enumerate(self._inputs):
            v._uses[(self, i)] = None
        self.attrs = freeze_attrs(attrs)
        self.outputs = [Value(t, self, i) for i, t in enumerate(output_types)]
        self.region = region
        self.graph: Graph | None = None
        self._prev: Node | None = None
        self._next: Node | None = None

    @property
    def inputs(self) -> tuple[Value, ...]:
        return tuple(self._inputs)

    def set_input(self, index: int, value: Value) -> None:
        """Read ``value`` as input ``index`` (the use moves from the old value to it)."""
        old = self._inputs[index]
        old._uses.pop((self, index), None)
        self._inputs[index] = value
        value._uses[(self, index)] = None

    def _drop_uses(self) -> None:
        for i, v in enumerate(self._inputs):
            v._uses.pop((self, i), None)

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
    """One input ``input`` and one output, both float32 [1,10,30,30] in a finished graph.

    Change the nodes only through ``append``, ``insert_before``, ``remove``,
    ``replace_node`` and ``replace_uses``: they keep the order and the use-lists right.
    """

    def __init__(self, input_type: TensorType = GRID_TYPE) -> None:
        self.input = Value(input_type, None, 0, "input")
        self.output: Value | None = None
        self._first: Node | None = None
        self._last: Node | None = None
        self._count = 0

    # ------------------------------------------------------------------ order

    def __iter__(self) -> Iterator[Node]:
        node = self._first
        while node is not None:
            following = node._next  # read first: the caller may remove ``node``
            yield node
            node = following

    @property
    def nodes(self) -> tuple[Node, ...]:
        """The nodes in order: a snapshot, safe to walk while the graph changes (a tuple, so
        code that would edit it instead of the graph fails loudly)."""
        return tuple(self)

    def __len__(self) -> int:
        return self._count

    def _link(self, node: Node, before: Node | None) -> Node:
        if node.graph is not None:
            raise ValueError(f"{node} is already in a graph")
        node.graph = self
        prev = before._prev if before is not None else self._last
        node._prev, node._next = prev, before
        if prev is None:
            self._first = node
        else:
            prev._next = node
        if before is None:
            self._last = node
        else:
            before._prev = node
        self._count += 1
        return node

    def append(self, node: Node) -> Node:
        return self._link(node, None)

    def insert_before(self, anchor: Node, node: Node) -> Node:
        if anchor.graph is not self:
            raise ValueError(f"{anchor} is not in this graph")
        return self._link(node, anchor)

    def remove(self, node: Node) -> None:
        """Take ``node`` out; its outputs must have no readers left (nor be the output)."""
        if node.graph is not self:
            raise ValueError(f"{node} is not in this graph")
        for v in node.outputs:
            if v._uses or v is self.output:
                raise ValueError(f"cannot remove {node}: its output {v} is still read")
        node._drop_uses()
        if node._prev is None:
            self._first = node._next
        else:
            node._prev._next = node._next
        if node._next is None:
            self._last = node._prev
        else:
            node._next._prev = node._prev
        node.graph = node._prev = node._next = None
        self._count -= 1

    # ------------------------------------------------------------------ rewrites

    def replace_uses(self, old: Value, new: Value) -> int:
        """Make every reader of ``old`` (and the graph output) read ``new`` instead.

        O(readers of ``old``); returns how many reads moved (0: nothing changed)."""
        moved = 0
        for node, i in list(old._uses):
            node.set_input(i, new)
            moved += 1
        if self.output is old and new is not old:
            self.output = new
            moved += 1
        return moved

    def replace_node(self, old: Node, new: Node) -> Node:
        """Put ``new`` in ``old``'s place: its outputs take the readers (and the names) of
        ``old``'s, and ``old`` is removed."""
        self.insert_before(old, new)
        for o, n in zip(old.outputs, new.outputs, strict=True):
            n.name = o.name
            self.replace_uses(o, n)
        self.remove(old)
        return new

    # ------------------------------------------------------------------ queries

    def values(self) -> Iterator[Value]:
        yield self.input
        for node in self:
            yield from node.outputs

    def constants(self) -> list[Node]:
        return [n for n in self if n.op == "constant"]

    def clone(self) -> Graph:
        """A deep copy of the structure; constant arrays are shared (they are never mutated)."""
        g = Graph(self.input.type)
        mapping: dict[Value, Value] = {self.input: g.input}
        for node in self:
            new = Node(node.op, [mapping[v] for v in node.inputs], dict(node.attrs),
                       [v.type for v in node.outputs], node.region)
            for old_v, new_v in zip(node.outputs, new.outputs, strict=True):
                new_v.name = old_v.name
                mapping[old_v] = new_v
            g.append(new)
        g.output = mapping[self.output] if self.output is not None else None
        return g


def check_uses(graph: Graph, extra: Iterable[Value] = ()) -> str | None:
    """Why the use-lists of ``graph`` are wrong, or None when every value's uses are exactly
    the (node, index) pairs of the graph's nodes that read it."""
    for node in graph:
        for i, v in enumerate(node._inputs):
            if (node, i) not in v._uses:
                return f"{node} reads {v} as input {i} but is not among its uses"
    for v in [*graph.values(), *extra]:
        for node, i in v._uses:
            if node.graph is not graph:
                return f"{v} lists a use by {node}, which is not in the graph"
            if i >= len(node._inputs) or node._inputs[i] is not v:
                return f"{v} lists a use by {node} input {i}, which reads something else"
    return None
