"""Movement families whose constants depend on the grid: cell maps, line masks, gathers by size."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort

from trmgolf.compiler.driver import compile_graph
from trmgolf.families.contract import Budget, Candidate, fit_data
from trmgolf.search import cellmap, cellpair, linemask, movement, partmix
from trmgolf.search.sizeclass import Probe, fill_missing
from trmgolf.tasks import Example, grid_to_onehot


def _examples(rule, sizes, n: int = 12, seed: int = 0) -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        h, w = sizes[i % len(sizes)]
        g = rng.integers(0, 10, size=(h, w))
        out.append(Example(g.tolist(), rule(g).tolist()))
    return out


def _found(family, examples: list[Example]) -> list[tuple[str, object]]:
    data = fit_data(examples)
    steps = family(data, Budget(10_000, float("inf")))
    return [(c.label, c.graph) for c in steps if isinstance(c, Candidate)]


def _exact_in_onnxruntime(graph, examples: list[Example]) -> bool:
    session = ort.InferenceSession(compile_graph(graph).data, providers=["CPUExecutionProvider"])
    for e in examples:
        out = session.run(["output"], {"input": grid_to_onehot(e.input).astype(np.float32)})[0]
        if not np.array_equal(out > 0, grid_to_onehot(e.output) > 0):
            return False
    return True


def _mirror_tile(g: np.ndarray) -> np.ndarray:
    """The grid, its mirror to the right, and both flipped upside down below."""
    top = np.hstack([g, g[:, ::-1]])
    return np.vstack([top, top[::-1]])


def _rotate_quadrants(g: np.ndarray) -> np.ndarray:
    """Four copies: as is, rotated 90, 180 and 270 degrees (square grids)."""
    return np.vstack([np.hstack([g, np.rot90(g)]), np.hstack([np.rot90(g, 3), np.rot90(g, 2)])])


def test_cell_map_of_one_size():
    fit = _examples(_rotate_quadrants, [(3, 3)])
    (label, graph), = _found(cellmap.candidates, fit)[:1]
    assert label == "cell_map/3x3->6x6"
    assert _exact_in_onnxruntime(graph, _examples(_rotate_quadrants, [(3, 3)], seed=5))


def test_cell_map_per_size_class():
    """A 2x2 grid's quadrant rotations read other cells than a 3x3 grid's: one map per width."""
    sizes = [(2, 2), (3, 3)]
    fit = _examples(_rotate_quadrants, sizes, n=16)
    labels = [label for label, _ in _found(cellmap.candidates, fit)]
    assert labels == ["cell_map/3x3->6x6/by_width", "cell_map/3x3->6x6/by_height"]
    graph = _found(cellmap.candidates, fit)[0][1]
    assert _exact_in_onnxruntime(graph, _examples(_rotate_quadrants, sizes, seed=9))


def test_no_cell_map_for_a_colour_rule():
    """Each cell recoloured by the grid's most common colour: no fixed source cell."""
    def rule(g):
        return np.full_like(g, np.bincount(g.ravel()).argmax())

    assert _found(cellmap.candidates, _examples(rule, [(3, 3)])) == []


def test_no_cell_map_for_large_grids():
    assert _found(cellmap.candidates, _examples(np.fliplr, [(13, 13)], n=3)) == []


def test_line_mask_keeps_a_square_set_by_the_area():
    """h x 3h inputs cut to their first h columns (the count of kept columns grows with the area)."""
    def rule(g):
        return g[:, :g.shape[0]]

    sizes = [(2, 6), (3, 9), (4, 12), (5, 15)]
    (label, graph), = _found(linemask.candidates, _examples(rule, sizes))
    assert label == "line_mask/cols"
    assert _exact_in_onnxruntime(graph, _examples(rule, sizes, seed=3))


def test_no_line_mask_when_the_area_does_not_order_the_cuts():
    """A 3x4 grid keeps 3 columns, a 4x3 grid (same area) keeps 2: no threshold separates them."""
    def rule(g):
        return g[:, :3] if g.shape[0] == 3 else g[:, :2]

    assert _found(linemask.candidates, _examples(rule, [(3, 4), (4, 3)])) == []


def test_gather_by_width_tiles_grids_of_several_widths():
    def rule(g):
        return np.hstack([g, g])

    sizes = [(3, 3), (4, 4), (3, 5), (5, 4)]
    found = dict(_found(movement.candidates, _examples(rule, sizes)))
    assert "gather_cols" not in found  # the column read depends on the width
    graph = found["gather_cols/by_width"]
    assert _exact_in_onnxruntime(graph, _examples(rule, sizes, seed=4))


def test_probe_counts_the_cells_of_its_line():
    x = np.stack([grid_to_onehot(np.zeros((2, w), np.int64).tolist())[0] for w in (3, 4, 6)]).astype(np.uint8)
    assert Probe(3, 3, 6).of(x).tolist() == [0, 1, 3]
    table = fill_missing([np.array([1]), None, None, np.array([4])])
    assert table.ravel().tolist() == [1, 1, 4, 4]


def _panel_examples(rule, n: int = 12, seed: int = 0) -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        top, bottom = rng.integers(0, 2, (4, 4)), rng.integers(0, 2, (4, 4))
        g = np.vstack([top, np.full((1, 4), 4), bottom * 2])
        out.append(Example(g.tolist(), np.where(rule(top > 0, bottom > 0), 3, 0).tolist()))
    return out


def test_part_mix_finds_each_boolean_of_two_panels():
    for rule in (np.logical_xor, np.logical_and, np.logical_or, lambda a, b: ~(a | b), lambda a, b: a & ~b):
        (label, graph), = _found(partmix.candidates, _panel_examples(rule))
        assert label.startswith("part_mix/") and label.endswith("/4x4")
        assert _exact_in_onnxruntime(graph, _panel_examples(rule, seed=8))


def test_no_part_mix_when_a_third_cell_matters():
    """The output also depends on the cell to the right in the top panel: no two-panel boolean."""
    def rule(a, b):
        return a ^ b ^ np.roll(a, 1, axis=1)

    assert _found(partmix.candidates, _panel_examples(rule)) == []


def _one_colour_examples(rule, n: int = 40, seed: int = 0) -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        g = rng.integers(0, 2, (3, 3)) * int(rng.integers(1, 10))
        out.append(Example(g.tolist(), rule(g).tolist()))
    return out


def _fractal(g: np.ndarray) -> np.ndarray:
    """The grid copied into each of its own set cells (9x9)."""
    return np.kron(g > 0, np.ones((3, 3), np.int64)) * np.tile(g, (3, 3))


def test_cell_pair_finds_a_self_similar_tiling():
    (label, graph), = _found(cellpair.candidates, _one_colour_examples(_fractal))
    assert label == "cell_pair/3x3->9x9"
    assert _exact_in_onnxruntime(graph, _one_colour_examples(_fractal, seed=6))


def test_no_cell_pair_for_either_of_two_cells():
    """A cell set when either of its two sources is set (OR) is no both-set map."""
    def rule(g):
        on = np.maximum(np.kron(g > 0, np.ones((3, 3), np.int64)), np.tile(g > 0, (3, 3)))
        return on * g.max()

    assert _found(cellpair.candidates, _one_colour_examples(rule)) == []


def test_no_cell_pair_for_two_colour_inputs():
    fit = _one_colour_examples(_fractal)
    g = np.array(fit[0].input)
    g[0, 0] = 0 if g[0, 0] else 1
    g[2, 2] = 5 if g[2, 2] else 7  # now two colours besides the background
    fit[0] = Example(g.tolist(), _fractal(g).tolist())
    assert _found(cellpair.candidates, fit) == []
