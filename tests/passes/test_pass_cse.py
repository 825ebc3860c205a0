"""cse: equal op, inputs and attributes compute once; commutative inputs in any order."""

from __future__ import annotations

import numpy as np
from golden_support import check_pass, sequence

from trmgolf.compiler.passes.cse import cse
from trmgolf.compiler.passes.dce import dce
from trmgolf.ir import Builder
from trmgolf.ir.parser import parse


def test_cse():
    g = parse("""
        graph(%input: f32[1,10,30,30]) {
          %c0 = constant #k : f32[1,10,1,1]
          %0 = mul(%input, %c0) : f32[1,10,30,30]
          %1 = mul(%c0, %input) : f32[1,10,30,30]
          %2 = transpose(%0) {perm=[0,1,3,2]} : f32[1,10,30,30]
          %3 = transpose(%1) {perm=[0,1,3,2]} : f32[1,10,30,30]
          %4 = sub(%0, %1) : f32[1,10,30,30]
          %5 = sub(%1, %0) : f32[1,10,30,30]
          %6 = add(%2, %3) : f32[1,10,30,30]
          %7 = add(%4, %5) : f32[1,10,30,30]
          %8 = add(%6, %7) : f32[1,10,30,30]
          return %8
        }""", {"k": np.full((1, 10, 1, 1), 2.0, np.float32)})
    # mul(%c0, %input) is mul(%input, %c0) (commutative), so %3 is %2; sub is not commutative
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
