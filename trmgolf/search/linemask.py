"""The input cut to its first lines, how many set by the grid's area.

When the output is the input's top-left part (its first ``n`` columns, or rows) and ``n``
grows with the input's size, one threshold per line decides: line ``k`` is kept when the
number of grid cells is over ``t[k]``:

    Where(Pad(Greater(ReduceSum(input), t), false), input, 0)

(a scalar, a few bools: tens of bytes). ``t[k]`` is fitted as the largest area of a fit
example that cuts line ``k``; every example that keeps it must have a larger area.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from trmgolf.families.contract import Budget, Candidate, FitData, Level, Step, Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.search.sizeclass import grid_sizes

GRID = 30
AXIS_NAMES = {2: "rows", 3: "cols"}


def is_cut(data: FitData, axis: int) -> bool:
    """Whether every output is its input with the lines past the output's size cleared."""
    rows, cols = grid_sizes(data.y)
    keep = np.arange(GRID)[None, :] < (rows if axis == 2 else cols)[:, None]  # [N, 30]
    mask = keep[:, None, :, None] if axis == 2 else keep[:, None, None, :]
    return bool(np.array_equal((data.x > 0) & mask, data.y))


def fit_thresholds(data: FitData, axis: int) -> np.ndarray | None:
    """Per line below the largest output size, the area over which it is kept, or None when
    an example that cuts a line is as large as one that keeps it."""
    in_rows, in_cols = grid_sizes(data.x)
    out_rows, out_cols = grid_sizes(data.y)
    area = in_rows * in_cols
    size_in, size_out = (in_rows, out_rows) if axis == 2 else (in_cols, out_cols)
    lines = int(size_out.max())
    t = np.zeros(lines, np.float32)
    for k in range(lines):
        cut = (size_in > k) & (size_out <= k)
        kept = size_out > k
        if cut.any():
            if kept.any() and area[cut].max() >= area[kept].min():
                return None
            t[k] = area[cut].max()
    return t


def line_mask_graph(axis: int, t: np.ndarray) -> Graph:
    b = Builder()
    area = b.op("reduce_sum", b.input, axes=(0, 1, 2, 3), keepdims=0)
    shape = (len(t), 1) if axis == 2 else (len(t),)
    keep = b.op("greater", area, b.const(t.reshape(shape)))
    if len(t) < GRID:
        pads = (0, 0, GRID - len(t), 0) if axis == 2 else (0, GRID - len(t))
        keep = b.op("pad", keep, pads=pads)
    return b.finish(b.op("where", keep, b.input, b.const(np.float32(0.0))))


def cost(lines: int) -> int:
    """Params (thresholds, pads, the zero) and bytes (the area, both masks)."""
    return lines + 4 + 1 + 4 + lines + GRID


@family("linemask", tier=20, traits={Trait.OUT_IS_SUBGRID})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """The row and the column line mask where one is exact on the fit examples."""
    rows, cols = grid_sizes(data.y)
    shapes = sorted(((cost(int(size.max())), axis) for axis, size in ((2, rows), (3, cols))))
    yield Level(0)
    for line_cost, axis in shapes:
        yield Level(line_cost)
        if budget():
            return
        budget.spend(1)
        if not is_cut(data, axis):
            continue
        t = fit_thresholds(data, axis)
        if t is not None:
            yield Candidate(line_cost, f"line_mask/{AXIS_NAMES[axis]}", line_mask_graph(axis, t))
