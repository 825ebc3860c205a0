"""Single data-movement nodes with small constant operands, fitted to the examples.

- ``transpose``: the grid's rows and columns swapped (no params);
- ``gather`` on the colour, row or column axis: output line i copies input line
  ``index[i]`` in every fit example (10 or 30 int64 params). A line that is empty in
  every expected output reads a line that is empty in every input.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from trmgolf.families.contract import Budget, Candidate, FitData, Level, Step, Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.search import sizeclass

AXIS_NAMES = {1: "colours", 2: "rows", 3: "cols"}
GRID = 30


def transpose_graph() -> Graph:
    b = Builder()
    return b.finish(b.op("transpose", b.input, perm=(0, 1, 3, 2)))


def gather_graph(axis: int, index: list[int]) -> Graph:
    b = Builder()
    return b.finish(b.op("gather", b.input, b.const(np.asarray(index, np.int64)), axis=axis))


def gather_by_size_graph(axis: int, probe: sizeclass.Probe, table: np.ndarray) -> Graph:
    b = Builder()
    return b.finish(b.op("gather", b.input, sizeclass.lookup(b, table, probe), axis=axis))


def fit_gather_by_size(data: FitData, axis: int, probe: sizeclass.Probe) -> np.ndarray | None:
    """[classes, 30]: per size class, the ``fit_gather`` index of its examples."""
    classes = probe.of(data.x)
    table: list[np.ndarray | None] = []
    for k in range(probe.classes):
        members = classes == k
        index = fit_gather(FitData(data.x[members], data.y[members]), axis) if members.any() else None
        if members.any() and index is None:
            return None
        table.append(None if index is None else np.asarray(index))
    return sizeclass.fill_missing(table)


def fit_gather(data: FitData, axis: int) -> list[int] | None:
    """For each output line along ``axis``, the input line it equals in every fit example.

    Prefers the same line, then the nearest line below (deterministic)."""
    x = np.moveaxis(data.x > 0, axis, 0)  # L, N, ...
    y = np.moveaxis(data.y, axis, 0)
    n = x.shape[0]
    flat_x = x.reshape(n, -1)
    flat_y = y.reshape(n, -1)
    index = []
    for i in range(n):
        match = np.flatnonzero((flat_x == flat_y[i]).all(axis=1))
        if match.size == 0:
            return None
        if not flat_y[i].any():
            # an empty line: the last always-empty input line (grids sit top-left, so it is far away)
            index.append(int(match[-1]))
            continue
        index.append(int(i) if i in match else int(match[np.argmin(np.abs(match - i))]))
    return index


@family("movement", tier=10, traits={Trait.INDEX_MAP, Trait.DIHEDRAL})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """Each single movement node exact on the fit examples, cheapest first, with a
    ``Level`` marker before each fit (see ``families.contract.Step``; cost = params here)."""
    yield Level(0)
    if np.array_equal(np.swapaxes(data.x > 0, 2, 3), data.y):
        yield Candidate(0, "transpose", transpose_graph())
    for axis in (1, 2, 3):
        yield Level(data.x.shape[axis])
        if budget():
            return
        index = fit_gather(data, axis)
        if index is not None:
            yield Candidate(len(index), f"gather_{AXIS_NAMES[axis]}", gather_graph(axis, index))
    by_size = sorted(((p.cost + 4 * GRID + p.classes * GRID, axis, p) for axis in (2, 3)
                      for p in sizeclass.probes(data) if p is not None), key=lambda c: c[:2])
    for cost, axis, probe in by_size:
        yield Level(cost)
        if budget():
            return
        budget.spend(probe.classes)
        table = fit_gather_by_size(data, axis, probe)
        if table is not None:
            label = f"gather_{AXIS_NAMES[axis]}/{probe.label()}"
            yield Candidate(cost, label, gather_by_size_graph(axis, probe, table))
