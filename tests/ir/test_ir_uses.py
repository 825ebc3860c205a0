"""Use-lists: every value knows its readers, through node creation, input changes, removal,
every pass of the pipeline; replace_uses touches only the readers; passes visit each node
a bounded number of times (no O(N^2) rewrites)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from trmgolf.compiler import pipeline
from trmgolf.compiler.passes.cse import cse
from trmgolf.compiler.passes.fold_constants import fold_constants
from trmgolf.compiler.passes.narrow_dtypes import narrow_dtypes
from trmgolf.compiler.passes.simplify import simplify
from trmgolf.ir import GRID_TYPE, Builder, Graph, IRVerifyError, Node, TensorType, verify
from trmgolf.ir.graph import check_uses

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "passes"))
from test_pass_fuse_residual import _attention  # noqa: E402
from test_pass_pipeline import _wasteful  # noqa: E402


def _attention_blocks() -> Graph:
    b = Builder(TensorType("float32", (1, 6, 8)))
    h = b.op("add", b.input, _attention(b, b.input, 0))
    h = b.op("add", _attention(b, h, 1), h)
    t = b.op("transpose", b.op("transpose", h, perm=(0, 2, 1)), perm=(0, 2, 1))
    b.graph.output = b.op("mul", b.op("identity", t), 1.0)
    return b.graph


def _einsum_and_casts() -> Graph:
    b = Builder()
    nhwc = b.op("transpose", b.input, perm=(0, 2, 3, 1))
    mixed = b.op("matmul", nhwc, b.const(np.eye(10, dtype=np.float32)))
    back = b.op("transpose", mixed, perm=(0, 3, 1, 2))
    crop = b.op("slice", b.op("cast", back, to="float16"), starts=(0, 0), ends=(3, 3), axes=(2, 3))
    y = b.op("cast", crop, to="float32")
    y = b.op("add", y, b.op("reshape", b.op("reshape", b.const(np.ones(9, np.float32)), shape=(9,)),
                            shape=(1, 1, 3, 3)))
    return b.finish(b.op("pad", y, pads=(0, 0, 0, 0, 0, 0, 27, 27)))


GRAPHS = {"wasteful": _wasteful, "attention": _attention_blocks, "einsum_casts": _einsum_and_casts}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_use_lists_stay_exact_through_every_pass(name):
    graph = GRAPHS[name]()
    assert check_uses(graph) is None
    seen = []
    for pass_name, g in pipeline.stages(graph):
        assert check_uses(g) is None, f"after {pass_name}"
        seen.append(pass_name)
    assert set(seen) == set(pipeline.pass_names())
    narrowed, _ = narrow_dtypes(g.clone())
    assert check_uses(narrowed) is None
    for _, g in pipeline.stages(narrowed):
        assert check_uses(g) is None


def test_uses_follow_creation_set_input_and_removal():
    b = Builder()
    a = b.op("neg", b.input)
    c = b.op("add", a, a)
    node = c.producer
    assert a.uses == [(node, 0), (node, 1)]
    node.set_input(1, b.input)
    assert a.uses == [(node, 0)] and (node, 1) in b.input.uses
    g = b.finish(b.op("relu", c))
    with pytest.raises(ValueError, match="still read"):
        g.remove(a.producer)
    g.replace_uses(c, a)
    g.remove(node)
    assert a.uses == [(g.nodes[-1], 0)] and all(n is not node for n, _ in b.input.uses)
    verify(g)


def test_inputs_cannot_be_assigned_behind_the_use_lists():
    b = Builder()
    node = b.op("neg", b.input).producer
    with pytest.raises(TypeError):
        node.inputs[0] = b.input  # a tuple: change inputs with set_input


def test_verify_reports_stale_use_lists():
    b = Builder()
    y = b.op("neg", b.input)
    g = b.finish(b.op("relu", y))
    Node("exp", [y], {}, [GRID_TYPE])  # made but never added: a use by a node outside
    with pytest.raises(IRVerifyError, match="use-lists: .* not in the graph"):
        verify(g)


def _wide(n: int) -> tuple[Graph, list[Node]]:
    """One value read by two nodes, next to ``n`` unrelated nodes."""
    b = Builder()
    shared = b.op("neg", b.input)
    readers = [b.op("relu", shared).producer, b.op("exp", shared).producer]
    h = b.input
    for _ in range(n):
        h = b.op("abs", h)
    g = b.finish(b.op("add", b.op("add", readers[0].output, readers[1].output), h))
    return g, readers


def test_replace_uses_touches_only_the_readers(monkeypatch):
    g, readers = _wide(200)
    new = g.insert_before(g.nodes[1], Node("sigmoid", [g.input], {}, [GRID_TYPE])).output
    old = readers[0].inputs[0]
    before = {n: n.inputs for n in g.nodes if n not in readers}
    calls = []
    original = Node.set_input

    def counting(self, index, value):
        calls.append(self)
        original(self, index, value)

    monkeypatch.setattr(Node, "set_input", counting)
    monkeypatch.setattr(Graph, "__iter__", lambda self: pytest.fail("replace_uses scanned the nodes"))
    assert g.replace_uses(old, new) == 2
    monkeypatch.undo()
    assert calls == readers
    assert all(n.inputs == ins for n, ins in before.items())
    assert [r.inputs[0] for r in readers] == [new, new] and old.uses == []
    verify(g)


@pytest.mark.parametrize("rewrite", [fold_constants, cse, simplify])
def test_a_pass_visits_each_node_a_bounded_number_of_times(monkeypatch, rewrite):
    """Per node: one visit of the pass's own walk, none from replace_uses or insertion."""
    b = Builder()
    h = b.input
    for i in range(300):
        k = b.op("neg", b.const(np.float32(i)))  # folds
        h = b.op("add", b.op("identity", h), k)  # identity simplifies
        two = b.const(2.0)
        b.op("mul", h, two)  # two equal muls: cse
        b.op("mul", h, two)
    g = b.finish(h)
    visits = [0]
    walk = Graph.__iter__

    def counting(self):
        for node in walk(self):
            visits[0] += 1
            yield node

    monkeypatch.setattr(Graph, "__iter__", counting)
    n = len(g)
    out, changed = rewrite(g)
    assert changed
    assert visits[0] <= 2 * n
