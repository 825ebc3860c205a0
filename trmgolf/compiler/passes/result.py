"""What every pass returns: the graph after it and whether it changed anything.

The pipeline runs its passes in rounds until a round where no pass changed the graph,
so ``changed`` must be exact: True only when the graph differs from what it was given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from trmgolf.ir.graph import Graph


class PassResult(NamedTuple):
    graph: Graph
    changed: bool


Pass = Callable[[Graph], PassResult]
