"""Analytical solvers: each recognises one family of ARC rules and writes its network as IR.

Importing this package imports every solver module, which registers each solver as a family
of kind ``solver``; ``SOLVERS`` maps a solver's name to its ``Solver`` in the declared order
of trial (each family's ``tier``: the cheapest networks first), whatever the import order.
``check(graph, examples)`` runs a graph in the IR interpreter against examples.
"""

import importlib
import pkgutil

from trmgolf.solvers.base import SOLVERS, Solver, solver_table
from trmgolf.solvers.common import check

# every module of the package, so a new family is one new module (sorted: deterministic)
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")

SOLVERS.update(solver_table())

__all__ = ["SOLVERS", "Solver", "check"]
