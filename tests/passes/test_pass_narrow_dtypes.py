"""narrow_dtypes: float32 work in float16, constants converted, one Cast per crossing."""

from __future__ import annotations

import numpy as np
from golden_support import check_golden

from trmgolf.compiler.passes.narrow_dtypes import narrow_dtypes
from trmgolf.ir import Builder, print_graph, run, verify


def _graph():
    b = Builder()
    w = b.const(np.linspace(-1, 1, 10 * 10, dtype=np.float32).reshape(10, 10))
    h = b.op("einsum", b.input, w, equation="bchw,cd->bdhw")
    with b.region("keep"):
        h = b.op("mul", h, 2.0)
    return b.finish(b.op("relu", b.op("add", h, b.input)))


def test_narrow_dtypes_golden_and_close():
    g = _graph()
    x = np.random.default_rng(0).normal(size=(1, 10, 30, 30)).astype(np.float32)
    after, changed = narrow_dtypes(g.clone(), keep=lambda n: n.region == "keep")
    verify(after)
    assert changed
    again, changed_again = narrow_dtypes(after, keep=lambda n: n.region == "keep")
    assert not changed_again and print_graph(again) == print_graph(after)
    check_golden(f"// before\n{print_graph(g)}// after\n{print_graph(after)}",
                 "passes/narrow_dtypes.txt")
    np.testing.assert_allclose(run(after, x), run(g, x), rtol=1e-2, atol=1e-2)
    assert after.output.type.dtype == "float32"
    casts = [n for n in after.nodes if n.op == "cast"]
    assert len(casts) == 4  # input -> f16; f16 -> f32 into the kept mul and back; output -> f32
