"""Kernel planning: a lowering whose tables pay off only over many nodes is still found.

Greedy per-node selection charges a shared table to the first node that reads it, so a
lowering that adds a table but saves a temporary on every node loses on node one and is
never tried again. ``LoweringSession.plan`` costs the op's nodes together and forces the cheaper total.
"""

from __future__ import annotations

import numpy as np
from emit_support import check_emitted

from trmgolf.compiler.emit import emit
from trmgolf.compiler.select import LoweringSession
from trmgolf.frontend.compile import static_memory
from trmgolf.ir import Builder, TensorType

L, D, HEADS = 4, 16, 2


def _chain(n: int):
    """``n`` residual attention blocks on ``[1, 4, 16]`` tokens (shared weights and tables)."""
    rng = np.random.default_rng(0)
    b = Builder(TensorType("float32", (1, L, D)))
    ws = [b.const((rng.normal(size=(D, D)) / 4).astype(np.float32)) for _ in range(4)]
    tables = [b.const(rng.normal(size=(L, D // HEADS)).astype(np.float32)) for _ in range(2)]
    h = b.input
    for _ in range(n):
        h = b.op("attention", h, *ws, *tables, heads=HEADS, residual=1)
    b.graph.output = h
    return b.graph


def _cost(graph, forced=None) -> int:
    """Official memory (static shapes) + params of the emitted model."""
    model = emit(graph, forced=forced, grid_output=False).model
    return static_memory(model) + sum(int(np.prod(t.dims)) for t in model.graph.initializer)


def test_plan_prefers_the_lowering_that_is_cheaper_over_all_nodes():
    # On one node the RNN lowering's [L, 2, D] table and D x D identity (384 elements) cost
    # more than the 4-D table (64) and the [1, L, D] float32 projection (256 bytes) it saves.
    one = _chain(1)
    assert LoweringSession(24).plan(one.nodes) == {}
    assert [c.lowering for c in emit(one, grid_output=False).choices] == ["fused"]
    graph = _chain(3)
    assert LoweringSession(24).plan(graph.nodes) == {"attention": "fused_rnn_residual"}
    emitted = check_emitted(graph, np.random.default_rng(1).normal(size=(1, L, D)).astype(np.float32),
                            grid_output=False)
    assert {c.lowering for c in emitted.choices} == {"fused_rnn_residual"}
    assert _cost(graph) < _cost(graph, {"attention": "fused"})


def test_plan_leaves_user_forced_ops_alone():
    graph = _chain(3)
    assert LoweringSession(24, forced={"attention": "decomposed"}).plan(graph.nodes) == {}
    choices = emit(graph, forced={"attention": "decomposed"}, grid_output=False).choices
    assert {c.lowering for c in choices} == {"decomposed"}
