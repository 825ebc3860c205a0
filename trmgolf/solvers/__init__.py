"""Analytical solvers: each recognises one family of ARC rules and writes its network as IR.

Importing this package imports every solver module, which registers each solver as a family
of kind ``solver``; ``SOLVERS`` maps a solver's name to its ``Solver`` in the declared order
of trial (each family's ``tier``: the cheapest networks first), whatever the import order.
``check(graph, examples)`` runs a graph in the IR interpreter against examples.
"""

from trmgolf.solvers import (  # noqa: F401
    basic,
    blocks,
    components,
    crop_box,
    flood,
    geometry,
    holes,
    iterate,
    local_rule,
    moves,
    objects,
    periodic,
    rays,
    regions,
    select_object,
    sight,
    statistics,
    symmetry,
    views,
)
from trmgolf.solvers.base import SOLVERS, Solver, solver_table
from trmgolf.solvers.common import check

SOLVERS.update(solver_table())

__all__ = ["SOLVERS", "Solver", "check"]
