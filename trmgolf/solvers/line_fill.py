"""Line fill: each row (or column) holding a colour is painted that colour across the grid.

A whole class of ARC rules marks lines with a few cells and asks for the marked lines drawn
edge to edge. ``rays`` covers them with four triangular MatMuls and a fitted Conv; when every
row (column) holds at most one colour besides the background, the rule is three small nodes:
``ReduceMax`` over the columns (rows) gives each line's colours [1,10,30,1], a constant
channel mask drops the background, a line with no colour left gets the background, and the
grid's mask (``ReduceMax`` over the channels) spreads each line's one-hot over its cells.
Exact for every input whose lines hold at most one colour besides 0, at any grid size.
"""

from __future__ import annotations

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.solvers.common import checked, pairs
from trmgolf.tasks import COLORS, Example

#: Grid axis of the lines' cells, by name: "rows" reduces over the columns (axis 3).
AXES = {"rows": 1, "cols": 0}


def filled(grid: np.ndarray, axis: int) -> np.ndarray | None:
    """``grid`` with each line (``axis`` 1: rows, 0: columns) painted its one non-zero colour;
    None when a line holds two colours besides 0 (the rule does not say which wins)."""
    out = np.zeros_like(grid)
    lines = grid if axis == 1 else grid.T
    target = out if axis == 1 else out.T
    for i, line in enumerate(lines):
        colours = set(line[line != 0].tolist())
        if len(colours) > 1:
            return None
        if colours:
            target[i, :] = colours.pop()
    return out


def line_fill_graph(axis: int) -> Graph:
    """The network of ``filled`` along ``axis`` (1: rows, 0: columns). Every intermediate is
    one value per line but the grid's mask; only ``output`` has the full [1,10,30,30]."""
    b = Builder()
    grid = b.op("reduce_max", b.input, axes=(1,), keepdims=1)  # [1,1,30,30]: 1 on the grid
    lines = b.op("reduce_max", b.input, axes=(2 + axis,), keepdims=1)  # each line's colours
    colours = np.ones((1, COLORS, 1, 1), np.float32)
    colours[0, 0] = 0.0
    painted = b.op("mul", lines, b.const(colours))  # the line's colour, background dropped
    blank = b.op("sub", b.const(np.float32(1.0)), b.op("reduce_sum", painted, axes=(1,), keepdims=1))
    background = np.zeros((1, COLORS, 1, 1), np.float32)
    background[0, 0] = 1.0
    line = b.op("add", painted, b.op("mul", blank, b.const(background)))  # one-hot per line
    return b.finish(b.op("mul", line, grid))


@family("line_fill", kind="solver", group="line_fill", tier=300, traits={Trait.BACKGROUND_FILL})
def line_fill(examples: list[Example]) -> Graph | None:
    """Each row (or column) holding one colour besides 0 is painted that colour edge to edge."""
    for axis in AXES.values():
        if all(np.array_equal(filled(i, axis), o) if i.shape == o.shape else False
               for i, o in pairs(examples)):
            return checked(line_fill_graph(axis), examples)
    return None
