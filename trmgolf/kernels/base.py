"""The kernel table: for each IR op, the ONNX lowerings that can implement it.

Each ``Lowering`` declares the opsets it needs and a predicate saying whether it can
implement a given node; the compiler emits every applicable alternative into a
scratch context and keeps the cheapest under the cost model (see
``trmgolf.compiler.select``). The first lowering registered for an op is its default
and wins ties, so registration order is part of the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import onnx

from trmgolf.ir.graph import Node
from trmgolf.kernels.context import EmitContext

Emit = Callable[[EmitContext, Node, list[str], list[str]], None]
Applies = Callable[[Node], bool]
MinOpsetFor = Callable[[Node], int]


def always(node: Node) -> bool:
    return True


def schema_span(op_type: str, since: int) -> tuple[int, int | None]:
    """The opsets at which ONNX's ``op_type`` is the version introduced at opset ``since``: from
    ``since`` to the opset before its next version (None: the newest version still). A lowering
    that writes that version declares this window, so a graph holding it is emitted where the
    node keeps its meaning (onnxruntime has no MaxRoiPool-22, say)."""
    newest = onnx.defs.onnx_opset_version()
    for opset in range(since + 1, newest + 1):
        if onnx.defs.get_schema(op_type, max_inclusive_version=opset, domain="").since_version != since:
            return since, opset - 1
    return since, None


@dataclass(frozen=True)
class Lowering:
    op: str
    name: str
    emit: Emit
    min_opset: int = 1
    max_opset: int | None = None
    applies: Applies = always
    doc: str = ""
    why: str = ""  # what ``applies`` requires, said when it rejects a node
    # The opset a particular node needs beyond ``min_opset`` (an ONNX op that gained dtypes
    # later, e.g. integer Max from opset 12; a carried node's own opset).
    min_opset_for: MinOpsetFor | None = None

    def needs_opset(self, node: Node) -> int:
        return max(self.min_opset, self.min_opset_for(node) if self.min_opset_for else 1)

    def available(self, node: Node, opset: int) -> bool:
        if opset < self.needs_opset(node) or (self.max_opset is not None and opset > self.max_opset):
            return False
        return self.applies(node)

    def why_not(self, node: Node, opset: int) -> str | None:
        """Why this lowering cannot implement ``node`` at ``opset``; None when it can."""
        if opset < self.needs_opset(node):
            return f"needs opset {self.needs_opset(node)} or later (this target has opset {opset})"
        if self.max_opset is not None and opset > self.max_opset:
            return f"needs opset {self.max_opset} or earlier (this target has opset {opset})"
        if not self.applies(node):
            return self.why or "its conditions do not hold for this node"
        return None


LOWERINGS: dict[str, list[Lowering]] = {}


def lowering(op: str, name: str, *, min_opset: int = 1, max_opset: int | None = None,
             applies: Applies = always, why: str = "",
             min_opset_for: MinOpsetFor | None = None) -> Callable[[Emit], Emit]:
    """Register ``emit`` as the lowering ``name`` of IR op ``op``; ``why`` says, for a user
    who forces it, what ``applies`` requires of a node."""

    def wrap(fn: Emit) -> Emit:
        alts = LOWERINGS.setdefault(op, [])
        if any(a.name == name for a in alts):
            raise ValueError(f"lowering {op}={name} registered twice")
        alts.append(Lowering(op, name, fn, min_opset, max_opset, applies,
                             (fn.__doc__ or "").strip(), why, min_opset_for))
        return fn

    return wrap


def alternatives(op: str) -> list[Lowering]:
    return LOWERINGS.get(op, [])
