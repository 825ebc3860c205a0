"""measured_scale: upscaling and tiling by a factor counted in the input, checked against the
numpy meaning on many random grids, for every factor the canvas allows (not only those fitted),
under the IR interpreter and onnxruntime; tasks it does not explain are refused."""

from __future__ import annotations

import numpy as np
import pytest

from trmgolf.compiler.driver import compile_graph
from trmgolf.ir.interp import run
from trmgolf.scoring.answers import verify
from trmgolf.solvers.measured_scale import measured_scale, scale_by
from trmgolf.tasks import GRID, Example, Task, grid_to_onehot, onehot_to_grid


def _cells(a: np.ndarray) -> int:
    return int((a != 0).sum())


def _colours(a: np.ndarray) -> int:
    return len(set(np.unique(a).tolist()) - {0})


def _grid(rng: np.random.Generator, shape: tuple[int, int], cells: int, colours: int = 9) -> np.ndarray:
    """A grid with ``cells`` coloured cells of random colours (among the first ``colours``)."""
    g = np.zeros(shape, np.int64)
    g.flat[rng.choice(g.size, cells, replace=False)] = rng.integers(1, colours + 1, cells)
    return g


def _example(a: np.ndarray, count, tile: bool) -> Example:
    return Example(a.tolist(), scale_by(a, count(a), tile).tolist())


def _answer(graph, a: np.ndarray) -> np.ndarray:
    return np.asarray(onehot_to_grid(run(graph, grid_to_onehot(a.tolist()))))


@pytest.mark.parametrize("tile", [False, True], ids=["upscale", "tile"])
def test_every_factor_the_canvas_allows_is_exact(tile):
    """Fitted on factors 1..3 only, the network scales by every factor up to 30 // 3 = 10."""
    rng = np.random.default_rng(int(tile))
    fit = [_example(_grid(rng, (3, 3), k, colours=1), _cells, tile) for k in (1, 2, 3, 2, 1, 3)]
    graph = measured_scale(fit)
    assert graph is not None
    for k in range(1, 10):
        a = _grid(rng, (3, 3), k)
        assert np.array_equal(_answer(graph, a), scale_by(a, k, tile)), (k, a)
    # past the canvas (4 x 9 = 36 rows) the grader's output is cut to 30 x 30, and so is this one
    big = _grid(rng, (4, 4), 9)
    upscaled = measured_scale([_example(_grid(rng, (4, 4), k, colours=1), _cells, tile) for k in (1, 2, 3)])
    assert upscaled is not None
    assert np.array_equal(_answer(upscaled, big), scale_by(big, 9, tile)[:GRID, :GRID])


def test_colour_count_factor_on_inputs_of_many_shapes_under_onnxruntime():
    rng = np.random.default_rng(5)

    def grid() -> np.ndarray:
        h, w = (int(v) for v in rng.integers(1, 6, 2))
        palette = rng.choice(np.arange(1, 10), int(rng.integers(1, 5)), replace=False)
        return np.where(rng.random((h, w)) < 0.6, rng.choice(palette, (h, w)), 0)

    fit = [_example(g, _colours, False) for g in (grid() for _ in range(12)) if _colours(g)]
    graph = measured_scale(fit)
    assert graph is not None
    check = [_example(g, _colours, False) for g in (grid() for _ in range(80)) if _colours(g)]
    result = verify(compile_graph(graph).data, Task("t", {"train": check}), threads_check=False)
    assert result.passed, result.first_failure


def test_what_it_does_not_explain_is_refused():
    rng = np.random.default_rng(9)
    fit = [_example(_grid(rng, (3, 3), k), _cells, False) for k in (1, 2, 3)]
    assert measured_scale(fit) is not None
    # one factor for every example: a fixed scale, left to the fixed-scale families
    assert measured_scale([_example(_grid(rng, (3, 3), 2), _cells, False) for _ in range(4)]) is None
    # a factor no count gives (one more than the coloured cells)
    assert measured_scale([Example(e.input, scale_by(np.asarray(e.input), _cells(np.asarray(e.input)) + 1,
                                                     False).tolist()) for e in fit]) is None
    # tiling read as upscaling, and a wrong cell
    tiled = [_example(_grid(rng, (3, 3), k), _cells, True) for k in (2, 3)]
    assert measured_scale(tiled) is not None
    broken = np.asarray(fit[1].output)
    broken[0, 0] = (broken[0, 0] + 1) % 10
    assert measured_scale(fit[:1] + [Example(fit[1].input, broken.tolist())] + fit[2:]) is None
    # tiling needs one input shape
    assert measured_scale(tiled + [_example(_grid(rng, (2, 2), 3), _cells, True)]) is None
