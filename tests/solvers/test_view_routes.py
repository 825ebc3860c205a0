"""The cheaper lowerings of view rules and size-dependent reversals: each is exact under
onnxruntime and costs less (official memory + params) than the lowering it replaces."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import make_examples, ort_exact, random_grids

from trmgolf.compiler.driver import compile_graph
from trmgolf.ir.graph import Graph
from trmgolf.scoring.answers import verify
from trmgolf.solvers import SOLVERS, check, geometry, view_routes, views
from trmgolf.solvers.geometry import fit_index_map, index_map_graph
from trmgolf.tasks import Example, Task


def official_cost(graph: Graph, examples: list[Example]) -> int:
    result = verify(compile_graph(graph).data, Task("synthetic", {"train": examples}), threads_check=False)
    assert result.passed and result.cost is not None
    return result.cost.total()


def old_view_rule(examples: list[Example], monkeypatch: pytest.MonkeyPatch) -> Graph:
    """The view rule as it was lowered before: no shapes known, so no routed forms."""
    with monkeypatch.context() as m:
        m.setattr(views, "shapes_of", lambda examples: None)
        graph = SOLVERS["view_rule"].build(examples)
    assert graph is not None
    return graph


def ops(graph: Graph) -> set[str]:
    return {node.op for node in graph.nodes}


def sparse(n: int, seed: int, shape: tuple[int, int]) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    grids = []
    for _ in range(n):
        g = rng.integers(1, 4, shape)
        g[rng.random(shape) < 0.6] = 0
        grids.append(g)
    return grids


def symmetrise(g: np.ndarray) -> np.ndarray:
    return np.where(g != 0, g, np.fliplr(g))


def xor_halves(g: np.ndarray) -> np.ndarray:
    return ((g[:3] != 0) ^ (g[4:] != 0)).astype(int) * 3


def halves(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.vstack([(rng.random((3, 4)) < 0.5) * 2, np.full((1, 4), 5), (rng.random((3, 4)) < 0.5) * 2])
            for _ in range(n)]


def framed(n: int, seed: int) -> list[np.ndarray]:
    """12 x 12 grids holding one 3 x 4 picture (its corners colour 2) somewhere."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        g = np.zeros((12, 12), int)
        r, c = rng.integers(0, 9), rng.integers(0, 8)
        g[r:r + 3, c:c + 4] = rng.integers(1, 4, (3, 4))
        g[r, c] = g[r + 2, c + 3] = 2
        out.append(g)
    return out


def crop_flip_recolour(g: np.ndarray) -> np.ndarray:
    rs, cs = np.flatnonzero((g != 0).any(1)), np.flatnonzero((g != 0).any(0))
    box = g[rs[0]:rs[-1] + 1, cs[0]:cs[-1] + 1]
    return np.where(box == 1, 5, box)


@pytest.mark.parametrize("rule,grids", [
    (symmetrise, lambda s: sparse(20, s, (3, 3))),  # a flip OR the identity: one 1x1 Einsum
    (xor_halves, lambda s: halves(14, s)),  # XOR of two parts: the lookup table, routed
    (crop_flip_recolour, lambda s: framed(10, s)),  # a bounding-box crop: run-time routes
])
def test_routed_view_rules_are_exact_and_cheaper(rule, grids, monkeypatch):
    fit, held = make_examples(grids(1), rule), make_examples(grids(2), rule)
    new = SOLVERS["view_rule"].build(fit)
    assert new is not None and check(new, held)
    assert "einsum" in ops(new) and "conv2d" not in ops(new)
    assert ort_exact(new, fit + held)
    old = old_view_rule(fit, monkeypatch)
    assert "conv2d" in ops(old)
    assert official_cost(new, fit + held) < official_cost(old, fit + held) / 10


def test_routed_view_writes_output_directly():
    """Fixed 3x3 grids: the Einsum is the last node (the only memory, if any, the input slice)."""
    fit = make_examples(sparse(20, 3, (3, 3)), symmetrise)
    graph = SOLVERS["view_rule"].build(fit)
    assert graph is not None and graph.nodes[-1].op == "einsum"
    assert official_cost(graph, fit) < 1000


def test_variable_size_views_route_at_run_time(monkeypatch):
    """Inputs of several shapes have no constant routes: the routes come from the measured
    extents (``runtime_routed_conv_graph``), exact and cheaper than the Conv form."""
    fit = make_examples(sparse(6, 5, (4, 5)) + sparse(6, 6, (6, 3)), symmetrise)
    graph = SOLVERS["view_rule"].build(fit)
    assert graph is not None and "conv2d" not in ops(graph) and graph.nodes[-1].op == "einsum"
    assert ort_exact(graph, fit)
    with monkeypatch.context() as m:
        m.setattr(views, "runtime_routed_conv_graph", lambda *args: None)
        old = SOLVERS["view_rule"].build(fit)
    assert old is not None and "conv2d" in ops(old)
    assert official_cost(graph, fit) < official_cost(old, fit) / 4


def test_size_dependent_mirror_needs_no_table(monkeypatch):
    fit = make_examples(random_grids(6, 7), np.fliplr)
    held = make_examples(random_grids(6, 8), np.fliplr)
    m = fit_index_map(fit)
    assert m is not None and geometry.reverses(m.cols) and not geometry.reverses(m.rows)
    new = SOLVERS["geometry"].build(fit)
    assert new is not None and check(new, held) and ort_exact(new, fit + held)
    assert all(n.output.type.numel <= 30 for n in new.nodes if n.op == "constant")  # no [31, 30] table
    monkeypatch.setattr(geometry, "reverses", lambda amap: False)
    old = index_map_graph(m, None)
    assert old is not None
    assert official_cost(new, fit + held) < official_cost(old, fit + held) - 800


def fractal(g: np.ndarray) -> np.ndarray:
    """Like task315: a copy of the 3x3 grid in each 3x3 block whose cell is colour 2."""
    return np.kron(g == 2, np.ones((3, 3), int)) * np.tile(g, (3, 3))


def test_routes_read_through_selectors_and_colour_classes(monkeypatch):
    """Public task315's factoring: the whole input read through eye(30,3) (no Slice, no
    intermediate) and the weights through colour classes; cheaper than the sliced form."""
    rng = np.random.default_rng(11)
    fit = make_examples([rng.integers(0, 3, (3, 3)) for _ in range(12)], fractal)
    held = make_examples([rng.integers(0, 3, (3, 3)) for _ in range(12)], fractal)
    new = SOLVERS["view_rule"].build(fit)
    assert new is not None and ort_exact(new, fit + held)
    assert ops(new) == {"einsum", "constant"}
    (einsum,) = [n for n in new.nodes if n.op == "einsum"]
    assert einsum.attrs["equation"].startswith("xiyz,yp,zq,")
    with monkeypatch.context() as m:
        m.setattr(view_routes, "SOURCES", (view_routes.WHOLE, view_routes.SLICED))
        m.setattr(view_routes, "colour_classes", lambda w, axis: (np.eye(w.shape[axis], dtype=np.float32), w))
        old = SOLVERS["view_rule"].build(fit)
    assert old is not None and "slice" in ops(old)
    assert official_cost(new, fit + held) < official_cost(old, fit + held) * 0.6


def test_colour_classes_factor_the_weights_exactly():
    rng = np.random.default_rng(3)
    w = np.zeros((2, 1, 1, 10, 10), np.float32)
    w[..., [1, 4], :] = rng.standard_normal((2, 1, 1, 1, 10))  # output colours 1 and 4 alike
    w[..., 7, :] = rng.standard_normal((2, 1, 1, 10))
    w[..., [0, 5, 6]] = w[..., [0]]  # input colours 0, 5 and 6 alike
    members_in, reduced = view_routes.colour_classes(w, 4)
    members_out, reduced = view_routes.colour_classes(reduced, 3)
    assert members_out.shape == (10, 2)  # two output classes ({1, 4}, {7}); the rest weigh 0
    rebuilt = np.einsum("id,vabud,ou->vaboi", members_in, reduced, members_out)
    assert np.array_equal(rebuilt, w)
