"""Analytical solvers: each recognises one family of ARC rules and writes its network as IR.

``SOLVERS`` maps a solver's name to its ``Solver`` (name, family, build); modules are
imported cheap-first, so iterating ``SOLVERS`` tries the cheapest networks first.
``check(graph, examples)`` runs a graph in the IR interpreter against examples.
"""

# registration order = default order: the cheapest networks first
from trmgolf.solvers import basic, geometry, local_rule  # noqa: F401

# isort: split
from trmgolf.solvers import moves  # noqa: F401

# isort: split
from trmgolf.solvers import blocks, crop_box, views  # noqa: F401

# isort: split
from trmgolf.solvers import flood, holes, objects, periodic, rays, regions, sight, statistics, symmetry  # noqa: F401

# isort: split
from trmgolf.solvers import components, select_object  # noqa: F401

# isort: split
from trmgolf.solvers import iterate  # noqa: F401

# isort: split
from trmgolf.solvers.base import SOLVERS, Solver, solver
from trmgolf.solvers.common import check

__all__ = ["SOLVERS", "Solver", "check", "solver"]
