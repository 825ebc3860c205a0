"""The Conv-fitting solvers stop on deterministic work units (``families.contract.Budget``),
not on a clock: a slower machine gives the same network while units remain, and the same
unit limit stops the same fit at the same place."""

from __future__ import annotations

import itertools
import math
import time

import pytest
from solver_testlib import make_examples
from test_solver_iterate import flood, mazes
from test_solver_local_rule import halo, sparse_grids
from test_solver_views import fill_hole, holed

import trmgolf.solvers.iterate as iterate
import trmgolf.solvers.local_rule as local_rule
import trmgolf.solvers.views as views
from trmgolf.compiler.emit import emit
from trmgolf.families.contract import Budget
from trmgolf.solvers import SOLVERS
from trmgolf.solvers.local_rule import Stencil, fit_stencils

SLOW = 1000.0  # CPU seconds a fake clock advances per reading: a machine far slower than any real one


@pytest.fixture
def slow_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = itertools.count()
    monkeypatch.setattr(time, "process_time", lambda: SLOW * next(ticks))


def _bytes(graph) -> bytes:
    assert graph is not None
    return emit(graph).to_bytes()


CASES = {
    "local_rule": (local_rule, lambda: make_examples(sparse_grids(12, 0), halo)),
    "view_rule": (views, lambda: make_examples(holed(8, 1), fill_hole)),
    "grow_rule": (iterate, lambda: make_examples(mazes(30, 1) + mazes(1, 9, lo=11), flood)),
}


@pytest.mark.parametrize("name", CASES)
def test_a_slow_clock_does_not_change_the_network(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the safety net reads the clock: with the net out of reach, a machine a thousand
    seconds per clock reading slow builds the network byte for byte."""
    module, examples = CASES[name]
    fit = examples()
    real = _bytes(SOLVERS[name].build(fit))
    monkeypatch.setattr(module, "BUDGET_SECONDS", math.inf)
    ticks = itertools.count()
    monkeypatch.setattr(time, "process_time", lambda: SLOW * next(ticks))
    assert _bytes(SOLVERS[name].build(fit)) == real


@pytest.mark.parametrize("name", CASES)
def test_the_unit_limit_stops_the_fit(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    module, examples = CASES[name]
    monkeypatch.setattr(module, "WORK", 1)
    assert SOLVERS[name].build(examples()) is None


def test_units_spent_are_the_same_on_every_run_and_clock(slow_clock: None) -> None:
    """The 3 x 3 rule after a 1 x 1 that fails: the units it spends are a count of work, the
    same on every run; a budget one unit short of it stops it before the rule is found."""
    fit = make_examples(sparse_grids(12, 0), halo)
    stencils = [Stencil.square(1), Stencil.square(3)]
    spent = []
    for _ in range(2):
        budget = Budget(10**9, math.inf)
        assert fit_stencils(fit, stencils, budget=budget) is not None
        spent.append(10**9 - budget.left)
    assert spent[0] == spent[1] > 0
    exact = Budget(spent[0], math.inf)
    assert fit_stencils(fit, stencils, budget=exact) is not None
    assert fit_stencils(fit, stencils, budget=Budget(spent[0] // 2, math.inf)) is None


def test_scan_units_grow_with_the_work() -> None:
    assert local_rule.scan_units(0) == 1 and local_rule.scan_units(5 * local_rule.SCAN_CELLS) == 6
