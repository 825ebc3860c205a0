"""The one cost-ordered merge: solvers first and lazily, in the caller's order; search only
once a rule is proven, below the bound, cheapest first across families, on one shared work
budget; a family's bug ends its stream only; fatal exceptions pass through."""

from __future__ import annotations

import math

import pytest

from trmgolf.families.contract import Candidate, Level, fit_data
from trmgolf.families.merge import Entry, Merge
from trmgolf.ir.builder import Builder
from trmgolf.tasks import Example

EXAMPLES = [Example([[1, 2], [3, 4]], [[1, 2], [3, 4]]), Example([[5]], [[5]])]


def _identity():
    b = Builder()
    return b.finish(b.input)


def _wrong():
    b = Builder()
    return b.finish(b.op("neg", b.input))


def _stream(log: list, name: str, steps: list):
    """A fit that records each step it is asked for, then yields it."""

    def fit(data, budget):
        for step in steps:
            log.append(name)
            yield step

    return fit


def _cand(cost: int, label: str, good: bool = True) -> Candidate:
    return Candidate(cost, label, _identity() if good else _wrong())


def _offers(merge: Merge) -> list[tuple[str, str | None]]:
    return [(o.entry.name, o.candidate.label if o.candidate else None) for o in merge]


def test_solvers_come_first_in_order_and_lazily():
    log: list = []
    entries = [Entry("b", "solver", _stream(log, "b", [_cand(900, "b")])),
               Entry("a", "solver", _stream(log, "a", [_cand(5, "a")])),
               Entry("s", "search", _stream(log, "s", [_cand(1, "s")]))]
    merge = Merge(fit_data(EXAMPLES), entries, search_work=100, search_s=60)
    it = iter(merge)
    first = next(it)
    assert (first.entry.name, first.candidate.cost) == ("b", 900)  # route order, not estimate
    assert log == ["b"]  # "a" not fitted before "b" was offered
    assert [o.entry.name for o in it] == ["a"]  # no rule proven: the search never starts
    assert "s" not in log


def test_search_runs_below_the_bound_cheapest_first_once_proven():
    log: list = []
    entries = [Entry("solve", "solver", _stream(log, "solve", [_cand(50, "solve")])),
               Entry("x", "search", _stream(log, "x", [Level(10), _cand(30, "x30"), _cand(60, "x60")])),
               Entry("y", "search", _stream(log, "y", [_cand(20, "y20", good=False), _cand(25, "y25")]))]
    merge = Merge(fit_data(EXAMPLES), entries, search_work=100, search_s=60)
    got = []
    for offer in merge:
        got.append(offer.candidate.label)
        if offer.entry.kind == "solver":
            merge.rule_proven, merge.bound = True, 50
    # y20 fails the exactness check and is never offered; x60 is not below the bound
    assert got == ["solve", "y25", "x30"]
    assert log.count("x") == 3  # x pulled once past the bound (its level) and no further


def test_ties_go_to_the_earlier_family_and_close_stops_a_kind():
    entries = [Entry("p", "search", lambda d, b: iter([_cand(7, "p7"), _cand(9, "p9")])),
               Entry("q", "search", lambda d, b: iter([_cand(7, "q7")]))]
    merge = Merge(fit_data(EXAMPLES), entries, search_work=100, search_s=60, rule_proven=True)
    got = []
    for offer in merge:
        got.append(offer.candidate.label)
        if offer.candidate.label == "q7":
            merge.close("search")
    assert got == ["p7", "q7"]


def test_one_shared_work_budget_for_the_search():
    def endless(name):
        def fit(data, budget):
            n = 0
            while True:
                n += 1
                budget.spend(3)  # a costly fit charges on top of the unit per step
                yield _cand(n, f"{name}{n}")
        return fit

    entries = [Entry("u", "search", endless("u")), Entry("v", "search", endless("v"))]
    merge = Merge(fit_data(EXAMPLES), entries, search_work=40, search_s=60, rule_proven=True)
    got = [o.candidate.label for o in merge]
    # 4 units a step, 40 in all: ten steps (u1..u5, v1..v5), and the round that spent the
    # last units still offers its cheapest (u5); v5 was fitted but is never offered
    assert got == ["u1", "v1", "u2", "v2", "u3", "v3", "u4", "v4", "u5"]
    assert merge.shared is not None and merge.shared.left <= 0


def test_empty_and_failing_solvers_are_offered_and_the_merge_goes_on():
    def broken(data, budget):
        raise RuntimeError("bug in a family")
        yield  # pragma: no cover

    entries = [Entry("none", "solver", lambda d, b: iter(())),
               Entry("bad", "solver", broken),
               Entry("ok", "solver", lambda d, b: iter([_cand(3, "ok")]))]
    offers = list(Merge(fit_data(EXAMPLES), entries))
    assert [(o.entry.name, o.candidate is not None, type(o.error).__name__) for o in offers] == [
        ("none", False, "NoneType"), ("bad", False, "RuntimeError"), ("ok", True, "NoneType")]


def test_fatal_exceptions_pass_through():
    class Stop(Exception):
        pass

    def stops(data, budget):
        raise Stop
        yield  # pragma: no cover

    merge = Merge(fit_data(EXAMPLES), [Entry("t", "solver", stops)], fatal=(Stop,))
    with pytest.raises(Stop):
        list(merge)


def test_the_search_budget_starts_with_the_first_search_step():
    """Solvers' time must not count against the search's CPU safety net."""
    seen = []

    def fit(data, budget):
        seen.append(budget.left)
        yield _cand(1, "s")

    merge = Merge(fit_data(EXAMPLES), [Entry("s", "search", fit)], search_work=77, search_s=math.inf,
                  rule_proven=True)
    assert merge.shared is None
    assert _offers(merge) == [("s", "s")]
    assert seen == [77]
