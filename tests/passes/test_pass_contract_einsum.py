"""contract_einsum: transposes around a contraction are absorbed into one einsum."""

import numpy as np
from golden_support import sequence

from trmgolf.compiler.passes.contract_einsum import contract_einsum
from trmgolf.compiler.passes.dce import dce
from trmgolf.ir import Builder, print_graph, run

EXPECTED = """graph(%input: f32[1,10,30,30]) {{
  %c0 = constant #{digest} : f32[10,10]
  %0 = einsum(%input, %c0) {{equation='adbc,de->aebc'}} : f32[1,10,30,30]
  return %0
}}
"""


def _nhwc_channel_mix():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(10, 10)).astype(np.float32)
    b = Builder()
    nhwc = b.op("transpose", b.input, perm=(0, 2, 3, 1))
    mixed = b.op("matmul", nhwc, b.const(w))
    return b.finish(b.op("transpose", mixed, perm=(0, 3, 1, 2))), w


def test_transpose_matmul_transpose_becomes_one_einsum():
    graph, w = _nhwc_channel_mix()
    x = np.random.default_rng(1).normal(size=(1, 10, 30, 30)).astype(np.float32)
    want = run(graph, x)
    out, changed = sequence(contract_einsum, dce)(graph.clone())
    assert changed and not contract_einsum(out.clone()).changed
    from trmgolf.ir.graph import array_digest

    assert print_graph(out) == EXPECTED.format(digest=array_digest(w))
    np.testing.assert_allclose(run(out, x), want, rtol=1e-5, atol=1e-5)


def test_transpose_with_other_readers_is_kept_and_result_unchanged():
    b = Builder()
    nhwc = b.op("transpose", b.input, perm=(0, 2, 3, 1))
    mixed = b.op("matmul", nhwc, b.const(np.eye(10, dtype=np.float32)))
    back = b.op("transpose", mixed, perm=(0, 3, 1, 2))
    again = b.op("transpose", nhwc, perm=(0, 3, 1, 2))  # a second reader of nhwc
    graph = b.finish(b.op("add", back, again))
    x = np.random.default_rng(2).normal(size=(1, 10, 30, 30)).astype(np.float32)
    out = sequence(contract_einsum, dce)(graph.clone()).graph
    assert [n.op for n in out.nodes if n.op != "constant"].count("transpose") == 2
    np.testing.assert_allclose(run(out, x), run(graph, x), rtol=1e-5, atol=1e-5)


def test_plain_matmul_is_left_alone():
    b = Builder()
    flat = b.op("reshape", b.input, shape=(10, 900))
    mixed = b.op("matmul", b.const(np.eye(10, dtype=np.float32)), flat)
    graph = b.finish(b.op("reshape", mixed, shape=(1, 10, 30, 30)))
    before = print_graph(graph)
    out, changed = contract_einsum(graph.clone())
    assert print_graph(out) == before and not changed
