"""fold_constants: nodes of constants become constants; big results stay unfolded."""

from __future__ import annotations

import numpy as np
from golden_support import check_pass

from trmgolf.compiler.passes import fold_constants as fc
from trmgolf.ir import Builder


def test_fold_constants(monkeypatch):
    b = Builder()
    with b.region("prep"):
        w = b.op("mul", b.const(np.arange(10, dtype=np.float32).reshape(1, 10, 1, 1)), 0.5)
    lo, hi = b.ops("split", b.op("reshape", w, shape=(10,)), axis=0, sizes=(4, 6))
    scale = b.op("reduce_sum", hi, axes=(0,), keepdims=0)
    y = b.op("add", b.op("mul", b.input, w), scale)
    g = b.finish(b.op("sub", y, b.op("expand", b.op("reduce_max", lo, axes=(0,), keepdims=0),
                                     shape=(1, 10, 30, 30))))
    out = check_pass(g, fc.fold_constants, "passes/fold_constants.txt")
    ops = [n.op for n in out.nodes]
    assert ops.count("mul") == 1 and "split" not in ops and "reduce_sum" not in ops
    assert "expand" not in ops  # 9000 elements are under the limit; a lower limit keeps it:
    monkeypatch.setattr(fc, "MAX_ELEMENTS", 100)
    small = fc.fold_constants(g.clone()).graph
    assert [n.op for n in small.nodes].count("expand") == 1
    folded = [n for n in out.nodes if n.op == "constant" and n.region == "prep"]
    assert folded, "a folded node keeps its region"


def test_nodes_reading_the_input_are_not_folded():
    b = Builder()
    g = b.finish(b.op("neg", b.input))
    out, changed = fc.fold_constants(g.clone())
    assert [n.op for n in out.nodes] == ["neg"] and not changed
