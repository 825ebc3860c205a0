"""The solvers a run can use: importing ``trmgolf.solvers`` registers every solver module."""

from __future__ import annotations

import importlib

from trmgolf.solvers import base
from trmgolf.solvers.base import Solver


def load_solvers() -> dict[str, Solver]:
    """Every registered solver, in declared order (its tier: the default order without a router).

    Read at call time (not bound at import), so a test can swap the table.
    """
    importlib.import_module("trmgolf.solvers")
    return base.SOLVERS
