"""Elementwise cones: a value computed from one other value by elementwise ops alone.

``v = cast(greater(mul(cast(x), 2.0), 0.0))`` is a function of ``x`` applied cell by cell:
every node between them is ``elementwise`` (declared in its registration) and its other
inputs are constants. Such a ``Cone`` can be *evaluated* on the values ``x`` may hold (its
nodes' numpy references, run in order), which proves facts no single-node rule sees: that
the chain is the identity on ``x``'s value set, or keeps ``x``'s positivity. The composed
monotone direction (the product of the declared ones along every path) lets the same be
proved on an interval from a few probe points.

A cone may also pass through ops that only move one input's values (a slice, a transpose ...,
asked for with ``through_moves``): moving cells commutes with a map applied to every cell
alike, so such a cone is ``moves(f(source))``; it is evaluated as ``f`` on the values, and it
is only formed when every constant it reads is one value (the same map at every cell).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trmgolf.compiler.analysis.ranges import Range
from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.registry import get_op
from trmgolf.ir.sign import smallest_positive

#: Elementwise nodes a cone may hold (longer chains are cut).
MAX_CONE = 12
#: Ops that only move values and that onnxruntime runs on every dtype; the other moves
#: (ReduceMax, MaxPool, Pad ...) lack bool, float16 or small integers in some opsets.
ANY_DTYPE_MOVES = frozenset({"reshape", "transpose", "slice", "gather", "expand", "tile", "identity"})


def move_runs_on(op: str, dtype: str) -> bool:
    """Whether a move ``op`` retyped or rebuilt on ``dtype`` runs under onnxruntime."""
    return op in ANY_DTYPE_MOVES or dtype in ("float32", "float64", "int32", "int64")


@dataclass(frozen=True)
class Cone:
    """``target`` as a function of ``source`` through ``nodes`` (in graph order)."""

    source: Value
    target: Value
    nodes: tuple[Node, ...]

    @property
    def moves(self) -> tuple[Node, ...]:
        """The nodes that only move values, in graph order (none in a purely elementwise cone)."""
        return tuple(n for n in self.nodes if not get_op(n.op).elementwise)

    def apply(self, values: np.ndarray) -> np.ndarray:
        """``target`` for each of ``values`` (a 1-d array): shape ``(len(values), *broadcast)``."""
        rank = self.source.type.rank
        env = {self.source: np.asarray(values).astype(self.source.type.np_dtype).reshape((-1,) + (1,) * rank)}
        with np.errstate(all="ignore"):
            for node in self.nodes:
                if not get_op(node.op).elementwise:  # a move: the values are the same
                    env[node.output] = env[node.inputs[0]]
                    continue
                arrays = [env[v] if v in env else v.constant for v in node.inputs]
                env[node.output] = np.asarray(get_op(node.op).run(arrays, node.attrs)[0])
        return env[self.target]

    def direction(self) -> int:
        """+1 when ``target`` never decreases as ``source`` grows, -1 when it never increases,
        0 when neither is declared along some path."""
        dirs = {self.source: 1}
        for node in self.nodes:
            declared = get_op(node.op).directions(node) if get_op(node.op).elementwise else (1,)
            seen = {dirs[v] * d for v, d in zip(node.inputs, declared, strict=True) if v in dirs}
            dirs[node.output] = seen.pop() if len(seen) == 1 else 0
        return dirs[self.target]

    def is_identity_on(self, r: Range) -> bool:
        """Whether ``target`` equals ``source`` (moved, where the cone moves values) for every
        value of ``r``, in the same dtype."""
        if r.values is None or not r.values or self.source.type.dtype != self.target.type.dtype:
            return False
        if not self.moves and self.source.type != self.target.type:
            return False
        vals = np.array(sorted(r.values)).astype(self.source.type.np_dtype)
        out = self.apply(vals)
        want = vals.reshape((-1,) + (1,) * (out.ndim - 1))
        return bool(np.all(out.astype(np.float64) == want.astype(np.float64)))

    def keeps_positivity_on(self, r: Range) -> bool:
        """Whether ``target > 0`` exactly when ``source > 0`` for every value of ``r``: on its
        set, or, for a nondecreasing cone, at the largest value <= 0 and the least > 0."""
        dtype = self.source.type.np_dtype
        if r.values is not None:
            if not r.values:
                return False
            vals = np.array(sorted(r.values)).astype(dtype)
        elif self.direction() == 1:
            probes = []
            if r.lo <= 0:
                probes.append(min(r.hi, 0.0))
            if r.hi > 0:
                least = 1.0 if r.integral else float(smallest_positive(dtype))
                probes.append(max(r.lo, least))
            if r.nan and dtype.kind == "f":
                probes.append(np.nan)  # NaN > 0 is false: the cone must not make it positive
            with np.errstate(all="ignore"):
                vals = np.array(probes).astype(dtype)
        else:
            return False
        out = self.apply(vals)
        positive = (vals > 0).reshape((-1,) + (1,) * (out.ndim - 1))
        return bool(np.all((out > 0) == positive))


def _elementwise_producer(v: Value, through_moves: bool = False) -> Node | None:
    node = v.producer
    if node is None or node.op == "constant" or len(node.outputs) != 1:
        return None
    op = get_op(node.op)
    if op.elementwise:
        return node
    moved_only = op.moves == (0,) and op.fill is None and all(u.is_constant for u in node.inputs[1:])
    return node if through_moves and moved_only else None


def _cone_nodes(target: Value, source: Value, limit: int, through_moves: bool = False) -> set[Node] | None:
    """The nodes between ``source`` and ``target``, when every non-constant value that
    ``target`` reads through them is ``source``; None otherwise."""
    nodes: set[Node] = set()
    stack = [target]
    while stack:
        v = stack.pop()
        if v is source or v.is_constant:
            continue
        node = _elementwise_producer(v, through_moves)
        if node is None or len(nodes) >= limit:
            return None
        if node not in nodes:
            nodes.add(node)
            stack.extend(node.inputs)
    return nodes


def _cell_independent(nodes: set[Node]) -> bool:
    """Whether a cone with moves applies one map at every cell along one chain: single-value
    constants, and one variable value per node."""
    for n in nodes:
        if not get_op(n.op).elementwise:
            continue
        if any(u.is_constant and u.type.numel != 1 for u in n.inputs):
            return False
        if len({u for u in n.inputs if not u.is_constant}) != 1:
            return False
    return True


def cones(graph: Graph, target: Value, limit: int = MAX_CONE, through_moves: bool = False) -> list[Cone]:
    """Every cone ending at ``target``, the farthest source first (the one that removes most);
    with ``through_moves``, cones that also move values (see the module docstring)."""
    order = {n: i for i, n in enumerate(graph.nodes)}
    sources: list[Value] = []
    seen: set[Value] = set()
    stack = [target]
    while stack and len(seen) <= limit * 3:
        v = stack.pop()
        node = _elementwise_producer(v, through_moves)
        if node is None:
            continue
        for u in node.inputs:
            if not u.is_constant and u not in seen:
                seen.add(u)
                sources.append(u)
                stack.append(u)
    sources.sort(key=lambda u: -1 if u.producer is None else order.get(u.producer, -1))
    found = []
    for source in sources:
        nodes = _cone_nodes(target, source, limit, through_moves)
        if nodes is None or any(v.is_constant and v.type.rank > source.type.rank
                                for n in nodes for v in n.inputs if get_op(n.op).elementwise):
            continue
        if any(not get_op(n.op).elementwise for n in nodes) and not _cell_independent(nodes):
            continue
        found.append(Cone(source, target, tuple(sorted(nodes, key=order.__getitem__))))
    return found
