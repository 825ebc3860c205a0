"""The structure search on synthetic tasks whose cheapest network is one known node."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from trmgolf.compiler.emit import emit
from trmgolf.compiler.pipeline import optimize
from trmgolf.ir.interp import run
from trmgolf.search import search
from trmgolf.search.conv_lp import AxisTaps, conv_shapes
from trmgolf.submission.worker import Job, solve_job
from trmgolf.tasks import Example, grid_to_onehot


def _grid(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    return rng.integers(0, 10, size=(h, w))


def _examples(rule, n: int = 12, seed: int = 0, sizes=(2, 9)) -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        g = rule(rng, int(rng.integers(*sizes)), int(rng.integers(*sizes)))
        out.append(Example(g[0].tolist(), g[1].tolist()))
    return out


def _transpose(rng, h, w):
    g = _grid(rng, h, w)
    return g, g.T


def _downscale3(rng, h, w):
    """Every 3x3 block of the input is one colour; the output has one cell per block."""
    small = _grid(rng, h, w)
    return np.kron(small, np.ones((3, 3), np.int64)), small


def _cycle3(rng, h, w):
    """Grids three rows high, rows cycled up by one: a Gather of 30 row indices (no ROI reads
    lines out of order, as a reversal does)."""
    g = _grid(rng, 3, w)
    return g, g[[1, 2, 0]]


def _exact_on(graph, examples: list[Example]) -> bool:
    return all(np.array_equal(run(graph, grid_to_onehot(e.input))[0] > 0, grid_to_onehot(e.output)[0] > 0)
               for e in examples)


@pytest.mark.parametrize(("rule", "label", "params"), [
    (_transpose, "transpose", 0),
    (_downscale3, "max_roi_pool/rows0:89/cols0:89", 5),  # OR over 3x3 blocks: cheaper than the Conv
    (_cycle3, "gather_rows", 30),
])
def test_finds_the_single_node(rule, label, params):
    fit = _examples(rule, sizes=(2, 8))
    found = next(search(fit))
    assert (found.label, found.cost) == (label, params)
    assert len([n for n in found.graph.nodes if n.op != "constant"]) == 1
    assert _exact_on(found.graph, _examples(rule, seed=99, sizes=(2, 8)))  # generalises


def test_conv_lp_finds_a_local_rule():
    """Recolour every cell whose left neighbour is red (2) to blue (1): a Conv of two taps."""
    def rule(rng, h, w):
        g = rng.choice([0, 2, 3], size=(h, w))
        out = g.copy()
        out[:, 1:][g[:, :-1] == 2] = 1
        return g, out

    fit = _examples(rule, n=20)
    found = next(search(fit))
    assert found.label.startswith("conv1x2/")
    assert _exact_on(found.graph, _examples(rule, seed=7))


@pytest.mark.slow
def test_nothing_when_no_candidate_fits():
    def rule(rng, h, w):  # output = input rotated by a size-dependent amount: no single node
        g = _grid(rng, h, w)
        return g, np.roll(g, h, axis=1)

    # rows wider than the longest kernel: a 1x13 Conv would see a whole narrow row and fit it
    assert list(search(_examples(rule, sizes=(14, 20)), work=3_000)) == []


def test_below_drops_candidates_that_are_not_cheaper():
    assert list(search(_examples(_cycle3), below=30)) == []


@pytest.mark.slow
def test_deterministic_bytes():
    fit = _examples(_downscale3)
    first = [emit(optimize(f.graph)).to_bytes() for f in search(fit)][:1]
    again = [emit(optimize(f.graph)).to_bytes() for f in search(fit)][:1]
    assert first and first == again


def test_axis_pads_give_a_30_cell_output():
    for shape in conv_shapes()[:400]:
        for axis in (shape.rows, shape.cols):
            begin, end = axis.pads
            assert (begin >= 0 and end >= 0) or shape.kind == "shift"  # only a translation crops
            assert (30 + begin + end - axis.dilation * (axis.size - 1) - 1) // axis.stride + 1 == 30
    assert AxisTaps(1, 3, 2, -2).taps == (-2, 0, 2)


def test_solve_keeps_the_searched_network(tmp_path, monkeypatch):
    """A solver proves the transpose rule wastefully; the search's Transpose replaces it."""
    from search_fakes import install_wasteful_transpose

    table = install_wasteful_transpose(monkeypatch)
    ex = _examples(_transpose, n=10, seed=3)
    task = {"train": [{"input": e.input, "output": e.output} for e in ex[:3]],
            "test": [{"input": ex[3].input, "output": ex[3].output}],
            "arc-gen": [{"input": e.input, "output": e.output} for e in ex[4:]]}
    path = tmp_path / "task001.json"
    path.write_text(json.dumps(task))
    out = tmp_path / "out"
    base = solve_job(Job(str(path), str(out), {"solvers": list(table)}, threads_check=False), table)
    searched = solve_job(Job(str(path), str(out), {"solvers": list(table)}, threads_check=False,
                             search_s=60), table)
    assert base.solver == "wasteful_transpose" and base.points < 20
    assert searched.solver == "search:transpose" and searched.points == 25.0
    assert searched.family == "geometry" and searched.heldout_passed
    assert base.search_s is None and searched.search_s is not None and searched.search_s >= 0


def test_solve_default_search_budget_is_the_search_driver_default():
    from trmgolf.commands.solve import DEFAULT_SEARCH_S, DEFAULT_SEARCH_WORK
    from trmgolf.search.driver import DEFAULT_BUDGET_S, DEFAULT_WORK
    from trmgolf.submission.runner import SolveOptions

    assert DEFAULT_SEARCH_S == DEFAULT_BUDGET_S
    assert DEFAULT_SEARCH_WORK == DEFAULT_WORK == Job("t", "o", {}).search_work
    assert SolveOptions([], Path(".")).search_work == DEFAULT_WORK


def test_search_is_deterministic_under_a_slow_clock(monkeypatch):
    """The work budget, not the clock, decides where the search stops: a clock that jumps
    (a loaded machine) changes nothing below the safety net, and the net still stops it."""
    import time

    fit = _examples(_downscale3, n=8)

    def labels(work: int) -> list[tuple[str, int, str]]:
        return [(f.label, f.cost, emit(optimize(f.graph)).to_bytes().hex()) for f in search(fit, work=work)]

    plain = labels(400)
    ticks = iter(range(10**9))
    monkeypatch.setattr(time, "process_time", lambda: next(ticks) * 0.02)  # 20 ms per clock read
    assert labels(400) == plain and plain
    monkeypatch.setattr(time, "process_time", lambda: next(ticks) * 1000.0)
    assert list(search(fit, work=400)) == []  # ...a clock past the safety net stops it at once


def test_a_conv_fit_past_the_safety_net_stops_before_its_next_lp(monkeypatch):
    """Past the CPU deadline a Conv fit solves no further LP (it used to run all ten output
    channels' LPs, which let one search step overshoot the minute), however much work is left;
    before the deadline the same fit succeeds."""

    from trmgolf.families.contract import Budget, fit_data
    from trmgolf.search.conv_lp import TapCache, fit_shape

    def rule(rng, h, w):
        g = rng.choice([0, 2, 3], size=(h, w))
        out = g.copy()
        out[:, 1:][g[:, :-1] == 2] = 1
        return g, out

    data = fit_data(_examples(rule, n=20))
    two_taps = [s for s in conv_shapes() if s.rows.size == 1 and s.cols.size == 2 and s.kind == ""]
    fresh = Budget(10**9, 3600)
    shape = next(s for s in two_taps if fit_shape(TapCache(data.x), data.y, s, fresh) is not None)
    late = Budget(10**9, -1)
    assert late.overtime() and late()
    assert fit_shape(TapCache(data.x), data.y, shape, late) is None
    assert late.left == 10**9  # not one LP was charged
