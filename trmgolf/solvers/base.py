"""The solver interface: recognise an ARC rule from examples and write it as IR.

A solver is a family of kind ``solver`` (``families.registry.family``): its build sees only
the examples it may fit on and returns ``None`` when its family of rules does not explain
them, else a NeuroGolf graph (input and output float32 [1,10,30,30]) that the compiler then
optimises, emits and verifies. A solver never claims a task itself: the caller keeps a
network only after it passes every example of the task under onnxruntime. ``Solver`` is the
pipeline's view of one: its name, score-table family, build and declared traits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from trmgolf.families.contract import Family, Trait, first_graph
from trmgolf.families.registry import families
from trmgolf.ir.graph import Graph
from trmgolf.tasks import Example

Build = Callable[[list[Example]], Graph | None]


@dataclass(frozen=True)
class Solver:
    name: str  # unique, e.g. "flip_horizontal" or "local_rule"
    family: str  # for score tables: "identity", "color_map", "dihedral", ...
    build: Build
    doc: str = ""
    traits: frozenset[Trait] = frozenset()  # what the router scores (see families.contract)


#: Every registered solver by name, in declared order (``tier``); filled when
#: ``trmgolf.solvers`` is imported.
SOLVERS: dict[str, Solver] = {}


def as_solver(f: Family) -> Solver:
    """The pipeline's view of a solver family: its build gives its first candidate's graph."""
    return Solver(f.name, f.group, partial(first_graph, f), f.doc, f.traits)


def solver_table() -> dict[str, Solver]:
    """The registered solver families as ``Solver``s, in their declared order of trial."""
    return {f.name: as_solver(f) for f in families("solver")}
