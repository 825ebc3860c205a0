"""Table-driven tests of a rewrite pass: each case is a tiny graph and the ops that must be
left after the pass and ``dce``; the interpreter must agree before and after, the pass must
report a change exactly when it made one and settle after one run, and all cases' before/after
dumps form one golden file."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from golden_support import check_golden, sequence

from trmgolf.compiler.passes.dce import dce
from trmgolf.compiler.passes.result import Pass
from trmgolf.ir import Builder, Graph, print_graph, run, verify
from trmgolf.ir.graph import Value

Case = tuple[Callable[[], Graph], list[str]]


def finish(b: Builder, output: Value) -> Graph:
    """``b``'s graph with ``output``, verified as a plain graph (tiny shapes, not the grid)."""
    b.graph.output = output
    verify(b.graph, grid_output=False)
    return b.graph


def _ops(graph: Graph) -> list[str]:
    return [n.op for n in graph.nodes if n.op != "constant"]


def check_case(cases: dict[str, Case], name: str, pass_fn: Pass, tol: float = 0.0) -> Graph:
    build, want = cases[name]
    g = build()
    after = sequence(pass_fn, dce)(g.clone()).graph
    verify(after, grid_output=False)
    x = np.random.default_rng(5).normal(size=g.input.type.shape).astype(g.input.type.np_dtype)
    np.testing.assert_allclose(run(after, x), run(g, x), rtol=tol, atol=tol)
    assert _ops(after) == want
    assert pass_fn(g.clone()).changed == (print_graph(after) != print_graph(g))
    again = pass_fn(after.clone())
    assert not again.changed and print_graph(again.graph) == print_graph(after)
    return after


def check_cases_golden(cases: dict[str, Case], pass_fn: Pass, relpath: str) -> None:
    parts = []
    for name in sorted(cases):
        g = cases[name][0]()
        after = sequence(pass_fn, dce)(g.clone()).graph
        parts.append(f"// ---- {name}\n// before\n{print_graph(g)}// after\n{print_graph(after)}")
    check_golden("".join(parts), relpath)
