"""dedupe_constants: equal dtype, shape and bytes become one constant."""

from __future__ import annotations

import numpy as np
from golden_support import check_pass

from trmgolf.compiler.passes.dedupe_constants import dedupe_constants
from trmgolf.ir import Builder


def test_dedupe_constants():
    b = Builder()
    w = np.linspace(0, 1, 10, dtype=np.float32).reshape(1, 10, 1, 1)
    y = b.op("mul", b.input, b.const(w))
    y = b.op("add", y, b.const(w.copy()))  # same content: merged
    y = b.op("sub", y, b.const(w.astype(np.float16).astype(np.float32) * 0 + 2))  # different values
    y = b.op("mul", y, b.const(np.float32(2)))  # same value, other shape: kept
    g = b.finish(b.op("add", y, b.const(w.reshape(1, 10, 1, 1).copy())))
    out = check_pass(g, dedupe_constants, "passes/dedupe_constants.txt")
    assert len(out.constants()) == 3


def test_dedupe_keeps_dtypes_apart():
    b = Builder()
    i = b.op("cast", b.op("add", b.op("cast", b.input, to="int32"), b.const(np.int32(0))), to="float32")
    f = b.op("add", b.input, b.const(np.float32(0)))
    g = b.finish(b.op("add", i, f))
    out, changed = dedupe_constants(g)
    assert len(out.constants()) == 2 and not changed
