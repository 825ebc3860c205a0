"""The family contract: every registered family declares its tier and traits, and the
registry refuses a declaration without them, a second family of one name or one tier."""

from __future__ import annotations

import pytest

import trmgolf.search  # noqa: F401 - registers the search families
import trmgolf.solvers  # noqa: F401 - registers the solver families
from trmgolf.families.contract import Candidate, Trait, fit_data
from trmgolf.families.registry import FAMILIES, FamilyError, declare, families
from trmgolf.tasks import Example


def _fit(data, budget):
    yield from ()


def test_every_registered_family_declares_a_tier_and_traits():
    assert len(families("solver")) >= 29 and len(families("search")) >= 13
    for f in FAMILIES.values():
        assert isinstance(f.tier, int) and f.tier >= 0, f.name
        assert f.traits and all(isinstance(t, Trait) for t in f.traits), f.name
        assert f.traits - {Trait.FIXED_INPUT_SIZE}, f.name
    for kind in ("solver", "search"):
        tiers = [f.tier for f in families(kind)]
        assert tiers == sorted(set(tiers)), kind  # declared order, no two alike


def test_declared_tier_not_import_order_decides_the_trial_order():
    table: dict = {}
    declare("late", "search", 20, {Trait.SCALE}, _fit, table=table)
    declare("early", "search", 10, {Trait.SCALE}, _fit, table=table)
    assert [f.name for f in families("search", table)] == ["early", "late"]


@pytest.mark.parametrize("name, kind, tier, traits, message", [
    ("bare", "search", 10, set(), "declares no traits"),
    ("words", "search", 10, {"colour_map"}, "is not a Trait"),
    ("only_fixed", "search", 10, {Trait.FIXED_INPUT_SIZE}, "only qualifies"),
    ("no_tier", "search", None, {Trait.SCALE}, "tier must be"),
    ("odd_kind", "router", 10, {Trait.SCALE}, "kind 'router'"),
    ("taken", "search", 30, {Trait.SCALE}, "registered twice"),
    ("same_tier", "search", 40, {Trait.SCALE}, "already 'other'"),
])
def test_registration_refuses_an_incomplete_or_clashing_declaration(name, kind, tier, traits, message):
    table: dict = {}
    declare("taken", "search", 30, {Trait.SCALE}, _fit, table=table)
    declare("other", "search", 40, {Trait.SCALE}, _fit, table=table)
    with pytest.raises(FamilyError, match=message):
        declare(name, kind, tier, traits, _fit, table=table)


def test_a_solver_build_becomes_a_fit_yielding_one_labelled_candidate():
    from trmgolf.ir.builder import Builder

    def build(examples):
        b = Builder()
        return b.finish(b.input) if examples[0].input == examples[0].output else None

    table: dict = {}
    made = declare("same", "solver", 10, {Trait.IDENTITY}, build, table=table)
    same = fit_data([Example([[1, 2]], [[1, 2]])])
    steps = list(made.fit(same, None))
    assert len(steps) == 1 and isinstance(steps[0], Candidate) and steps[0].label == "same"
    assert list(made.fit(fit_data([Example([[1]], [[2]])]), None)) == []


def test_the_cost_estimate_counts_every_output_of_a_several_output_node():
    """A Split's outputs each count (the gravity solver writes one; the estimate raised)."""
    from trmgolf.families.contract import estimated_cost
    from trmgolf.ir.builder import Builder

    b = Builder()
    top, bottom = b.ops("split", b.input, axis=2, sizes=(15, 15))
    graph = b.finish(b.op("concat", bottom, top, axis=2))
    assert estimated_cost(graph) == 2 * top.type.nbytes
