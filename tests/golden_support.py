"""Golden-file comparison for IR dumps: ``TRMGOLF_UPDATE_GOLDEN=1`` rewrites the files."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def check_golden(text: str, relpath: str) -> None:
    path = GOLDEN / relpath
    if os.environ.get("TRMGOLF_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.is_file(), f"{path} is missing: run with TRMGOLF_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{relpath} differs (TRMGOLF_UPDATE_GOLDEN=1 rewrites it)"


def sequence(*passes):
    """One pass that runs ``passes`` in order (changed when any of them changed the graph)."""
    from trmgolf.compiler.passes.result import PassResult

    def run(graph):
        changed = False
        for pass_fn in passes:
            graph, did = pass_fn(graph)
            changed = changed or did
        return PassResult(graph, changed)

    return run


def check_pass(graph, pass_fn, relpath: str, seed: int = 0, tol: float = 1e-6):
    """Run ``pass_fn`` on a copy of ``graph``: the printed before/after must match the golden
    file and the interpreter must give the same output before and after. The pass must say
    it changed the graph, and a second run on its result must change nothing and say so.
    Returns the result."""
    import numpy as np

    from trmgolf.ir import print_graph, run, verify

    x = np.random.default_rng(seed).normal(size=graph.input.type.shape).astype(np.float32)
    want = run(graph, x)
    before = print_graph(graph)
    after_graph, changed = pass_fn(graph.clone())
    verify(after_graph, grid_output=False)
    after = print_graph(after_graph)
    check_golden(f"// before\n{before}// after\n{after}", relpath)
    assert changed, "the pass changed the graph but reported changed=False"
    again, changed_again = pass_fn(after_graph.clone())
    assert not changed_again, "a second run of the pass reported a change"
    assert print_graph(again) == after, "a second run of the pass changed the graph"
    got = run(after_graph, x)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    return after_graph
