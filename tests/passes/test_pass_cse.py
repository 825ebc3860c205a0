"""cse: equal op, inputs and attributes compute once; commutative inputs in any order."""

from __future__ import annotations

import numpy as np
from golden_support import check_pass, sequence

from trmgolf.compiler.passes.cse import cse
from trmgolf.compiler.passes.dce import dce
from trmgolf.ir import Builder


def test_cse():
    b = Builder()
    k = b.const(np.full((1, 10, 1, 1), 2.0, np.float32))
    a1 = b.op("mul", b.input, k)
    a2 = b.op("mul", k, b.input)  # commutative: same as a1
    t1 = b.op("transpose", a1, perm=(0, 1, 3, 2))
    t2 = b.op("transpose", a2, perm=(0, 1, 3, 2))  # same once a2 is a1
    t3 = b.op("sub", a1, a2)  # not commutative
    s1 = b.op("sub", a2, a1)
    g = b.finish(b.op("add", b.op("add", t1, t2), b.op("add", t3, s1)))
    out = check_pass(g, sequence(cse, dce), "passes/cse.txt")
    assert [n.op for n in out.nodes].count("mul") == 1
    assert [n.op for n in out.nodes].count("transpose") == 1
    assert [n.op for n in out.nodes].count("sub") == 1  # sub(a1, a1) twice after merging


def test_cse_keeps_different_attributes_and_equal_constants_apart():
    b = Builder()
    t1 = b.op("transpose", b.input, perm=(0, 1, 3, 2))
    t2 = b.op("transpose", b.input, perm=(0, 2, 1, 3))
    c1 = b.op("mul", b.input, 2.0)
    c2 = b.op("mul", b.input, 2.0)  # equal constants, different values: dedupe_constants merges them
    g = b.finish(b.op("add", b.op("add", t1, b.op("transpose", t2, perm=(0, 2, 1, 3))), b.op("add", c1, c2)))
    out, changed = cse(g.clone())
    assert [n.op for n in out.nodes].count("mul") == 2
    assert [n.op for n in out.nodes].count("transpose") == 3
    assert not changed
