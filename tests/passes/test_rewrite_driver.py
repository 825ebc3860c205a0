"""rewrite: the driver of the rule-list passes (first rule that fits, one sweep or until
settled, pruning, an exact ``changed``), on tiny graphs with rules written here."""

from __future__ import annotations

import numpy as np
import pytest

from trmgolf.compiler.passes.rewrite import prune_dead, rewrite
from trmgolf.ir import Builder, run
from trmgolf.ir.graph import Graph, Node, Value


def _double_neg(node: Node, graph: Graph) -> Value | None:
    """neg(neg(y)) -> y, only where the inner neg has no other reader."""
    inner = node.inputs[0].producer if node.op == "neg" else None
    if inner is None or inner.op != "neg" or len(inner.output.uses) != 1:
        return None
    return inner.inputs[0]


def _self_difference(node: Node, graph: Graph) -> Value | None:
    """sub(y, y) -> a constant 0 (inserted before the node)."""
    if node.op != "sub" or node.inputs[0] is not node.inputs[1]:
        return None
    zero = Node("constant", [], {"value": np.zeros(node.output.type.shape, np.float32)}, [node.output.type])
    return graph.insert_before(node, zero).output


def _chain() -> Graph:
    """add(neg(neg(x)), sub(neg(x), neg(x))): the double negation fits only once the
    difference, the inner neg's other reader, is gone."""
    b = Builder()
    a = b.op("neg", b.input)
    return b.finish(b.op("add", b.op("neg", a), b.op("sub", a, a)))


def _ops(graph: Graph) -> list[str]:
    return [n.op for n in graph.nodes]


def test_one_sweep_leaves_what_a_later_change_enables():
    g = _chain()
    out, changed = rewrite(g, [_double_neg, _self_difference])
    assert changed
    assert _ops(out) == ["neg", "neg", "constant", "sub", "add"]  # the sub is dead, left to dce


def test_until_settled_with_pruning_reaches_the_fixed_point():
    g = _chain()
    x = np.random.default_rng(0).normal(size=g.input.type.shape).astype(np.float32)
    want = run(g, x)
    out, changed = rewrite(g.clone(), [_double_neg, _self_difference], until_settled=True, prune=True)
    assert changed and _ops(out) == ["constant", "add"]
    assert out.output.producer.inputs[0] is out.input
    np.testing.assert_array_equal(run(out, x), want)
    assert rewrite(out, [_double_neg, _self_difference], until_settled=True, prune=True).changed is False


def test_settling_needs_pruning():
    """Unpruned, the dead sub would get a new constant in every sweep: never settled."""
    with pytest.raises(ValueError, match="until_settled needs prune"):
        rewrite(_chain(), [_double_neg, _self_difference], until_settled=True)


def test_the_first_rule_that_fits_wins():
    def to_input(node: Node, graph: Graph) -> Value | None:
        return graph.input if node.op == "relu" else None

    def to_inner(node: Node, graph: Graph) -> Value | None:
        return node.inputs[0] if node.op == "relu" else None

    b = Builder()
    g = b.finish(b.op("relu", b.op("neg", b.input)))
    first = rewrite(g.clone(), [to_input, to_inner]).graph
    second = rewrite(g.clone(), [to_inner, to_input]).graph
    assert first.output is first.input
    assert second.output.producer.op == "neg"


def test_a_rule_fitting_a_dead_node_without_inserting_changes_nothing():
    b = Builder()
    b.op("neg", b.op("neg", b.input))  # dead: nothing reads it
    g = b.finish(b.op("relu", b.input))
    out, changed = rewrite(g, [_double_neg])
    assert not changed and _ops(out) == ["neg", "neg", "relu"]
    # pruned, the dead pair is gone: a change
    out, changed = rewrite(out, [_double_neg], prune=True)
    assert changed and _ops(out) == ["relu"]


def test_prune_dead_keeps_what_is_still_read():
    b = Builder()
    a = b.op("neg", b.input)
    dead = b.op("exp", a)
    g = b.finish(b.op("relu", a))
    assert prune_dead(g, dead.producer) == 1
    assert _ops(g) == ["neg", "relu"]
    assert prune_dead(g, a.producer) == 0
