"""Output cells set where two fixed input cells are both set, in the input's one colour.

Self-similar tilings (a grid placed in each of its own set cells, and other "both of two
cells" maps) on small one-colour grids: output cell q shows the grid's colour when input
cells ``p1(q)`` and ``p2(q)`` are both set, else the background. Read from the background
channel of a corner crop:

    bg = Reshape(Cast(Slice(input, channel 0, crop), bool))
    off = Or(Gather(bg, index1), Gather(bg, index2))          # [1,1,H,W]
    colour = Cast(Less(onehot(0), ReduceMax(input, rows and cols)), uint8)  # non-background colours
    Pad(Where(off, onehot(0), colour))                                      # uint8 block

The two indices are fitted cell by cell over pairs of crop cells whose setness covers the
output cell's (a cell set in the output needs both its sources set). Only for fit examples
whose inputs hold one colour besides the background, all outputs of one size.
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
COLORS = 10
#: Crop cells at most; candidate source cells per output cell at most.
MAX_CELLS = 144
MAX_SOURCES = 40
#: Element comparisons per work unit.
COMPARES_PER_UNIT = 200_000


def cost(crop: tuple[int, int], out: tuple[int, int]) -> int:
    """Float, bool and flat crop of one channel; two gathers, their Or, the colour block;
    the colour scalars; the two index tables and a few constants."""
    p, q = crop[0] * crop[1], out[0] * out[1]
    block = 0 if out == (GRID, GRID) else COLORS * q
    return 6 * p + 3 * q + block + 60 + 2 * q + 40


def corners(data: FitData) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The crop and output corners when the fit examples suit the family, else None."""
    in_rows, in_cols = grid_sizes(data.x)
    out_rows, out_cols = grid_sizes(data.y)
    if out_rows.min() != out_rows.max() or out_cols.min() != out_cols.max():
        return None
    crop = (int(in_rows.max()), int(in_cols.max()))
    out = (int(out_rows[0]), int(out_cols[0]))
    if crop[0] * crop[1] > MAX_CELLS or min(crop) == 0:
        return None
    colours = data.x[:, 1:].any(axis=(2, 3))  # [N, 9]
    if not np.all(colours.sum(axis=1) == 1):
        return None
    y = data.y[:, :, :out[0], :out[1]]
    expected = np.where(y[:, 1:].any(axis=1, keepdims=True), colours[:, :, None, None], False)
    if not (np.array_equal(y[:, 1:], expected) and np.array_equal(y[:, 0], ~y[:, 1:].any(axis=1))):
        return None
    return crop, out


def fit_pairs(data: FitData, crop: tuple[int, int], out: tuple[int, int], budget: Budget
              ) -> tuple[np.ndarray, np.ndarray] | None:
    """Per output cell the two crop cells whose both-set equals it on every example."""
    n = data.count
    x_on = (data.x[:, 0, :crop[0], :crop[1]] == 0).reshape(n, -1)  # set: not background (or off-grid)
    y_on = data.y[:, 1:, :out[0], :out[1]].any(axis=1).reshape(n, -1)
    first, second = np.zeros(y_on.shape[1], np.int64), np.zeros(y_on.shape[1], np.int64)
    for q in range(y_on.shape[1]):
        sources = np.flatnonzero((x_on | ~y_on[:, q:q + 1]).all(axis=0))
        if sources.size == 0 or sources.size > MAX_SOURCES:
            return None
        budget.spend(1 + n * sources.size ** 2 // COMPARES_PER_UNIT)
        if budget():
            return None
        on = x_on[:, sources]
        both = on[:, :, None] & on[:, None, :]  # [N, S, S]
        hits = np.argwhere((both == y_on[:, q, None, None]).all(axis=0))
        if not len(hits):
            return None
        first[q], second[q] = sources[hits[0][0]], sources[hits[0][1]]
    return first.reshape(out), second.reshape(out)


def pair_graph(crop: tuple[int, int], out: tuple[int, int], first: np.ndarray, second: np.ndarray) -> Graph:
    b = Builder()
    bg = b.op("slice", b.input, starts=(0, 0, 0), ends=(1, crop[0], crop[1]), axes=(1, 2, 3))
    flat = b.op("reshape", b.op("cast", bg, to="bool"), shape=(1, 1, crop[0] * crop[1]))
    off = b.op("or", *(b.op("gather", flat, b.const(i.astype(np.int32)), axis=2) for i in (first, second)))
    background = np.eye(COLORS, dtype=np.float32)[0].reshape(1, COLORS, 1, 1)
    present = b.op("reduce_max", b.input, axes=(2, 3), keepdims=1)
    colour = b.op("cast", b.op("less", b.const(background), present), to="uint8")  # bool Where: no ORT kernel
    block = b.op("where", off, b.const(background.astype(np.uint8)), colour)
    if out != (GRID, GRID):
        block = b.op("pad", block, pads=(0, 0, 0, 0, 0, 0, GRID - out[0], GRID - out[1]))
    return b.finish(block)


@family("cellpair", tier=50, traits={Trait.TILES_INPUT, Trait.PARTS})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """The cell-pair map where one is exact on the fit examples."""
    yield Level(0)
    found = corners(data)
    if found is None:
        return
    crop, out = found
    yield Level(cost(crop, out))
    pairs = fit_pairs(data, crop, out, budget)
    if pairs is not None:
        label = f"cell_pair/{crop[0]}x{crop[1]}->{out[0]}x{out[1]}"
        yield Candidate(cost(crop, out), label, pair_graph(crop, out, *pairs))
