"""dce: nodes none of whose outputs reach the output are dropped (dead constants too)."""

from __future__ import annotations

import numpy as np
from golden_support import check_pass

from trmgolf.compiler.passes.dce import dce
from trmgolf.ir import Builder


def test_dce():
    b = Builder()
    dead = b.op("exp", b.op("mul", b.input, 3.0))
    keep, unused = b.ops("split", b.input, axis=1, sizes=(5, 5))
    b.const(np.ones((2, 2), np.float32))
    y = b.op("concat", keep, keep, axis=1)
    g = b.finish(b.op("add", y, 1.0))
    out = check_pass(g, dce, "passes/dce.txt")
    assert [n.op for n in out.nodes] == ["split", "concat", "constant", "add"]
    assert dead.producer not in out.nodes and unused.producer.op == "split"


def test_dce_of_identity_graph_drops_everything():
    b = Builder()
    b.op("relu", b.input)
    g = b.finish(b.input)
    out, changed = dce(g)
    assert out.nodes == [] and changed
    assert dce(out) == (out, False)
