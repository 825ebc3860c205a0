"""fuse_residual: ``add(h, attention(h))`` in either order becomes ``attention(h, residual=1)``,
unless the attention's output is read elsewhere or the add is not its residual."""

from __future__ import annotations

import numpy as np
from golden_support import check_pass

from trmgolf.compiler.passes.fuse_residual import fuse_residual
from trmgolf.ir import Builder, TensorType

L, D, HEADS = 6, 8, 2


def _attention(b: Builder, x, seed: int):
    rng = np.random.default_rng(seed)
    ws = [b.const((rng.normal(size=(D, D)) / np.sqrt(D)).astype(np.float32)) for _ in range(4)]
    tables = [b.const(rng.normal(size=(L, D // HEADS)).astype(np.float32)) for _ in range(2)]
    return b.op("attention", x, *ws, *tables, heads=HEADS)


def test_fuse_residual():
    b = Builder(TensorType("float32", (1, L, D)))
    h1 = b.op("add", b.input, _attention(b, b.input, 0))  # fused
    h2 = b.op("add", _attention(b, h1, 1), h1)  # fused: operands swapped
    a3 = _attention(b, h2, 2)
    h3 = b.op("add", h2, a3)  # not fused: a3 is also read by the mul
    other = b.op("add", h1, _attention(b, h2, 3))  # not fused: adds h1, not the attention's input
    b.graph.output = b.op("add", b.op("add", h3, b.op("mul", a3, 2.0)), other)
    out = check_pass(b.graph, fuse_residual, "passes/fuse_residual.txt",
                     tol=1e-5)  # one float32 rounding of the sum instead of two
    attn = [n for n in out.nodes if n.op == "attention"]
    assert [n.attrs.get("residual", 0) for n in attn] == [1, 1, 0, 0]
    assert [n.op for n in out.nodes].count("add") == 4
