"""The one place a family is registered: ``@family(...)`` on its fit (or a solver's build).

The order of trial is the declared ``tier`` (unique inside a kind), never the order in which
modules happen to be imported; a family without traits, with an unknown trait or kind, or
with a name or tier already taken is refused when its module is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from trmgolf.families.contract import KINDS, Family, Trait, solver_fit

F = TypeVar("F", bound=Callable)

FAMILIES: dict[str, Family] = {}


class FamilyError(ValueError):
    """A declaration the contract refuses (a programming error, raised at import)."""


def declare(name: str, kind: str, tier: int, traits: Iterable[Trait], fit: Callable,
            group: str | None = None, doc: str = "", table: dict[str, Family] | None = None) -> Family:
    """Check a declaration and add it to ``table`` (the registry by default)."""
    table = FAMILIES if table is None else table
    declared = frozenset(traits)
    if kind not in KINDS:
        raise FamilyError(f"family {name!r}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if not isinstance(tier, int) or isinstance(tier, bool) or tier < 0:
        raise FamilyError(f"family {name!r}: tier must be a non-negative int, not {tier!r}")
    if not declared:
        raise FamilyError(f"family {name!r} declares no traits: the router could not place it")
    unknown = [t for t in declared if not isinstance(t, Trait)]
    if unknown:
        raise FamilyError(f"family {name!r}: {unknown[0]!r} is not a Trait")
    if declared == {Trait.FIXED_INPUT_SIZE}:
        raise FamilyError(f"family {name!r}: fixed_input_size only qualifies another trait")
    if name in table:
        raise FamilyError(f"family {name!r} registered twice")
    clash = [f.name for f in table.values() if f.kind == kind and f.tier == tier]
    if clash:
        raise FamilyError(f"family {name!r}: {kind} tier {tier} is already {clash[0]!r}'s")
    made = Family(name, kind, tier, declared, solver_fit(name, fit) if kind == "solver" else fit,
                  group or name, doc)
    table[name] = made
    return made


def family(name: str, *, tier: int, traits: Iterable[Trait], kind: str = "search",
           group: str | None = None) -> Callable[[F], F]:
    """Register the decorated function as family ``name``: a ``search`` family's fit
    (``FitData, Budget -> Iterator[Step]``) or a ``solver``'s build (``list[Example] ->
    Graph | None``, exact on every example or None); ``group``: its score-table family."""

    def wrap(fn: F) -> F:
        declare(name, kind, tier, traits, fn, group, (fn.__doc__ or "").strip())
        return fn

    return wrap


def families(kind: str, table: dict[str, Family] | None = None) -> list[Family]:
    """The registered families of ``kind`` in their declared order of trial."""
    table = FAMILIES if table is None else table
    return sorted((f for f in table.values() if f.kind == kind), key=lambda f: f.tier)
