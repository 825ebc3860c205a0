"""A builder for writing IR graphs by hand (solvers, front ends, tests).

    b = Builder()
    x = b.input
    y = b.op("mul", x, b.const(2.0))
    g = b.finish(y)

Python numbers given to ``op`` become constants of the other (non-bool) operand's dtype.
``with b.region("step0/block1"):`` tags every node built inside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.registry import get_op
from trmgolf.ir.types import GRID_TYPE, NUMPY_DTYPES, TensorType
from trmgolf.ir.verify import verify


class Builder:
    def __init__(self, input_type: TensorType = GRID_TYPE) -> None:
        self.graph = Graph(input_type)
        self._region: list[str] = []

    @property
    def input(self) -> Value:
        return self.graph.input

    @contextmanager
    def region(self, name: str) -> Iterator[None]:
        self._region.append(name)
        try:
            yield
        finally:
            self._region.pop()

    @property
    def current_region(self) -> str | None:
        return "/".join(self._region) or None

    def const(self, value: Any, dtype: str | None = None) -> Value:
        """A constant from an array or a Python number (float32 unless ``dtype`` says)."""
        array = np.asarray(value)
        if dtype is not None:
            array = array.astype(NUMPY_DTYPES[dtype])
        elif array.dtype == np.float64:
            array = array.astype(np.float32)
        elif array.dtype == np.int32 and not isinstance(value, np.ndarray | np.generic):
            array = array.astype(np.int64)
        return self.node("constant", [], value=np.array(array, copy=True, order="C")).output

    def node(self, op: str, inputs: list[Value], **attrs: Any) -> Node:
        """Append one node after checking its types against the op's rule."""
        types = get_op(op).infer_types([v.type for v in inputs], attrs)
        node = Node(op, inputs, attrs, types, self.current_region)
        return self.graph.append(node)

    def op(self, op: str, *inputs: Value | float | int | bool, **attrs: Any) -> Value:
        """Build a single-output op; number operands become constants."""
        # where(cond, 0.0, x): the number takes x's dtype, not the bool condition's; with
        # only bool operands a number keeps its own type (where(cond, 1.0, -1.0) is float).
        like = next((v for v in inputs if isinstance(v, Value) and v.type.dtype != "bool"), None)
        dtype = like.type.dtype if like is not None else None
        values = [v if isinstance(v, Value) else self.const(v, dtype) for v in inputs]
        return self.node(op, values, **attrs).output

    def ops(self, op: str, *inputs: Value, **attrs: Any) -> list[Value]:
        """Build a multi-output op (split) and return all its outputs."""
        return self.node(op, list(inputs), **attrs).outputs

    def finish(self, output: Value) -> Graph:
        """Set the graph output and verify the whole graph."""
        self.graph.output = output
        verify(self.graph)
        return self.graph
