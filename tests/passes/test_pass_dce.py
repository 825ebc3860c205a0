"""dce: nodes none of whose outputs reach the output are dropped (dead constants too)."""

from __future__ import annotations

from golden_support import check_pass

from trmgolf.compiler.passes.dce import dce
from trmgolf.ir import Builder
from trmgolf.ir.parser import parse


def test_dce():
    g = parse("""
        graph(%input: f32[1,10,30,30]) {
          %c0 = constant 3.0 : f32[]
          %c1 = constant [1.0, 1.0, 1.0, 1.0] : f32[2,2]
          %c2 = constant 1.0 : f32[]
          %0 = mul(%input, %c0) : f32[1,10,30,30]
          %1 = exp(%0) : f32[1,10,30,30]
          %2, %3 = split(%input) {axis=1, sizes=[5,5]} : f32[1,5,30,30], f32[1,5,30,30]
          %4 = concat(%2, %2) {axis=1} : f32[1,10,30,30]
          %5 = add(%4, %c2) : f32[1,10,30,30]
          return %5
        }""")
    out = check_pass(g, dce, "passes/dce.txt")
    assert [n.op for n in out.nodes] == ["constant", "split", "concat", "add"]
    split = out.nodes[1]
    assert split.outputs[1].uses == [] and len(split.outputs[0].uses) == 2  # a half-dead split stays


def test_dce_of_identity_graph_drops_everything():
    b = Builder()
    b.op("relu", b.input)
    g = b.finish(b.input)
    out, changed = dce(g)
    assert out.nodes == () and changed
    assert dce(out) == (out, False)
