"""What a lowering writes into: ONNX nodes, deduplicated initializers and typed temporaries.

A lowering never names tensors itself: it asks ``tmp`` for an internal tensor (with
its IR type, so the cost of the choice is known before anything runs) and ``const``
for an initializer (shared by content across the whole model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from onnx import helper

from trmgolf.ir.graph import array_digest
from trmgolf.ir.types import TensorType


def unique_name(taken: set[str], hint: str) -> str:
    """``hint``, or ``hint_2``, ``hint_3``... whichever is not ``taken`` first; it is taken
    from now on. The one way trmgolf names tensors and initializers, so names are stable."""
    name, n = hint, 1
    while name in taken:
        n += 1
        name = f"{hint}_{n}"
    taken.add(name)
    return name


def onnx_dtype(dtype: str) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(TensorType(dtype, ()).np_dtype))


@dataclass
class Initializers:
    """Initializers of a model, one per distinct content (dtype, shape, bytes).

    ``sizes`` gives each one's element count and ``referenced`` the names some emitted
    node already reads: a lowering that reads an unreferenced initializer pays for it,
    one that avoids it (reading a smaller derived constant instead) does not, and the
    emitter finally drops every initializer no node reads. ``committed`` are those a later
    node with no choice of lowering (a carried ``onnx_node``) will read anyway: a lowering
    still pays for reading one first, but selection ranks it as free.
    """

    by_key: dict[str, str] = field(default_factory=dict)
    tensors: list[onnx.TensorProto] = field(default_factory=list)
    used_names: set[str] = field(default_factory=set)
    sizes: dict[str, int] = field(default_factory=dict)
    referenced: set[str] = field(default_factory=set)
    # Derived constants by how they were derived (see ``EmitContext.const``'s ``key``): kernel
    # selection emits every alternative of every node, so RoPE tables and rotated weights
    # would otherwise be rebuilt and re-hashed thousands of times. Shared with scratch copies.
    memo: dict[tuple, tuple[np.ndarray, str]] = field(default_factory=dict)
    committed: set[str] = field(default_factory=set)

    @staticmethod
    def key(array: np.ndarray) -> str:
        return array_digest(array, 64)

    def lookup(self, array: np.ndarray) -> str | None:
        return self.by_key.get(self.key(array))

    def add(self, array: np.ndarray, hint: str, digest: str | None = None) -> str:
        k = digest or self.key(array)
        if k in self.by_key:
            return self.by_key[k]
        name = unique_name(self.used_names, hint)
        self.by_key[k] = name
        self.sizes[name] = max(1, int(array.size))
        self.tensors.append(onnx.numpy_helper.from_array(np.array(array, order="C"), name))
        return name


class EmitContext:
    """Collects the ONNX nodes of one or more lowerings.

    ``names`` is shared with the whole model so temporaries get unique, stable names.
    """

    def __init__(self, opset: int, initializers: Initializers, names: set[str],
                 prefix: str = "", region: str | None = None) -> None:
        self.opset = opset
        self.initializers = initializers
        self.names = names
        self.prefix = prefix
        self.region = region
        self.nodes: list[onnx.NodeProto] = []
        self.temporaries: list[tuple[str, TensorType]] = []

    @property
    def new_params(self) -> int:
        """Elements of the initializers these nodes read that no earlier node reads."""
        names = {n for node in self.nodes for n in node.input} - self.initializers.referenced
        return sum(self.initializers.sizes.get(n, 0) for n in names)

    @property
    def committed_params(self) -> int:
        """The part of ``new_params`` that a later node reads anyway (``Initializers.committed``)."""
        names = {n for node in self.nodes for n in node.input} - self.initializers.referenced
        return sum(self.initializers.sizes.get(n, 0) for n in names & self.initializers.committed)

    def unique(self, hint: str) -> str:
        return unique_name(self.names, f"{self.prefix}{hint}")

    def tmp(self, type: TensorType, hint: str = "t") -> str:
        """An internal tensor of the lowering; its bytes are the lowering's memory cost."""
        name = self.unique(hint)
        self.temporaries.append((name, type))
        return name

    def const(self, value: Any, dtype: str, hint: str = "c", key: tuple | None = None) -> str:
        """An initializer shared by content; its elements are the lowering's param cost.

        ``value`` may be a function of no arguments, called only when ``key`` (what the
        constant is derived from, e.g. the ids of the IR values it is built of, valid for
        one emission) has not been seen: the array and its digest are then remembered."""
        memo = self.initializers.memo
        if key is not None and (key, dtype) in memo:
            array, digest = memo[(key, dtype)]
        else:
            array = np.asarray(value() if callable(value) else value, dtype=TensorType(dtype, ()).np_dtype)
            digest = self.initializers.key(array)
            if key is not None:
                memo[(key, dtype)] = (array, digest)
        existing = self.initializers.by_key.get(digest)
        if existing is not None:
            return existing
        return self.initializers.add(array, hint, digest)

    def ints(self, values: tuple[int, ...] | list[int], hint: str = "shape") -> str:
        """A 1-D int64 initializer (shapes, axes, pads, starts ...)."""
        return self.const(np.asarray(list(values), dtype=np.int64), "int64", hint)

    def node(self, op_type: str, inputs: list[str], outputs: list[str], **attrs: Any) -> None:
        name = next((o for o in outputs if o), "")
        node = helper.make_node(op_type, inputs, outputs, name=name, **attrs)
        if self.region:
            node.doc_string = f"region={self.region}"
        self.nodes.append(node)
