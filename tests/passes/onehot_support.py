"""Checks for passes that are exact only on the grader's domain (one-hot grids) or only up to
``output > 0``: golden dump, idempotence, and agreement on random one-hot grids."""

from __future__ import annotations

import numpy as np
from golden_support import check_golden

from trmgolf.ir import print_graph, run, verify
from trmgolf.tasks import grid_to_onehot


def onehot_grids(count: int = 8, seed: int = 0) -> list[np.ndarray]:
    """Random grids of random sizes (1..30 a side, colours 0..9) as one-hot inputs."""
    rng = np.random.default_rng(seed)
    grids = []
    for _ in range(count):
        h, w = rng.integers(1, 31, size=2)
        grids.append(grid_to_onehot(rng.integers(0, 10, size=(h, w)).tolist()))
    return grids


def check_domain_pass(graph, pass_fn, relpath: str, *, up_to_sign: bool = False, signs: bool = False):
    """Run ``pass_fn`` on a copy of ``graph``; the before/after dump must match the golden file,
    a second run must change nothing, and on random one-hot grids the outputs must be equal
    (``up_to_sign``: ``output > 0`` must be equal). Returns the result."""
    after_graph, changed = pass_fn(graph.clone())
    verify(after_graph, grid_output=False)
    after = print_graph(after_graph, signs=signs)
    check_golden(f"// before\n{print_graph(graph, signs=signs)}// after\n{after}", relpath)
    assert changed, "the pass changed the graph but reported changed=False"
    again, changed_again = pass_fn(after_graph.clone())
    assert not changed_again and print_graph(again, signs=signs) == after
    for x in onehot_grids():
        want, got = run(graph, x), run(after_graph, x)
        if up_to_sign:
            np.testing.assert_array_equal(got > 0, want > 0)
        else:
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
    return after_graph
