"""Which size class an input grid is in, read by the network from one line of cells.

Grids sit in the top-left corner and every grid cell is one-hot (the background too), so
the number of cells present in row 0 between columns ``lo`` and ``hi`` is
``clip(width - lo, 0, hi - lo)``. With ``lo`` the narrowest fit width and ``hi`` the
widest, that count is ``width - lo``: a class index a Gather looks a table row up with
(Slice, ReduceSum, Cast: a few bytes). Column 0 between rows ``lo`` and ``hi`` gives the
height the same way. Families whose fitted constants depend on the grid's size (a cell map,
a line index) fit one table row per class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import FitData
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Value

AXIS_NAMES = {2: "height", 3: "width"}


@dataclass(frozen=True)
class Probe:
    """Counts the cells of row 0 (``axis`` 3: width) or column 0 (``axis`` 2: height) in
    ``[lo, hi)``: class ``k`` is a grid of size ``lo + k`` (``hi`` and over: the last class)."""

    axis: int
    lo: int
    hi: int

    @property
    def classes(self) -> int:
        return self.hi - self.lo + 1

    def label(self) -> str:
        return f"by_{AXIS_NAMES[self.axis]}"

    def of(self, x: np.ndarray) -> np.ndarray:
        """The class index of every example in ``x`` (uint8 one-hot [N,10,30,30])."""
        line = x[:, :, 0, self.lo:self.hi] if self.axis == 3 else x[:, :, self.lo:self.hi, 0]
        return line.reshape(len(x), -1).sum(axis=1).astype(np.int64)

    def build(self, b: Builder) -> Value:
        """The class index as an int32 scalar."""
        starts, ends = ((0, self.lo), (1, self.hi)) if self.axis == 3 else ((self.lo, 0), (self.hi, 1))
        cells = b.op("slice", b.input, starts=starts, ends=ends, axes=(2, 3))
        count = b.op("reduce_sum", cells, axes=(0, 1, 2, 3), keepdims=0)
        return b.op("cast", count, to="int32")

    @property
    def cost(self) -> int:
        """Bytes of its intermediates (float slice, float and int32 scalars) and its constants."""
        return 4 * 10 * (self.hi - self.lo) + 4 + 4 + 8


def grid_sizes(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of each example's grid (one-hot [N,10,30,30])."""
    mask = cells.any(axis=1)
    return mask.any(axis=2).sum(axis=1), mask.any(axis=1).sum(axis=1)


def probes(data: FitData) -> list[Probe | None]:
    """None (one class for every grid), then a width and a height probe where the fit
    inputs' widths or heights differ."""
    rows, cols = grid_sizes(data.x)
    out: list[Probe | None] = [None]
    for axis, sizes in ((3, cols), (2, rows)):
        lo, hi = int(sizes.min()), int(sizes.max())
        if hi > lo:
            out.append(Probe(axis, lo, hi))
    return out


def class_of(data: FitData, probe: Probe | None) -> np.ndarray:
    return np.zeros(data.count, np.int64) if probe is None else probe.of(data.x)


def fill_missing(table: list[np.ndarray | None]) -> np.ndarray:
    """The per-class rows stacked; a class no fit example has copies the nearest class that
    has one (the lower on a tie), so the table stays deterministic."""
    known = [k for k, row in enumerate(table) if row is not None]
    rows = [table[k] if table[k] is not None else table[min(known, key=lambda j: (abs(j - k), j))]
            for k in range(len(table))]
    return np.stack(rows)


def lookup(b: Builder, table: np.ndarray, probe: Probe | None) -> Value:
    """The table's row for the input's class (the table itself as a constant when there is
    one class)."""
    if probe is None:
        return b.const(table[0].astype(np.int32))
    return b.op("gather", b.const(table.astype(np.int32)), probe.build(b), axis=0)
