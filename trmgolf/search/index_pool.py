"""A colour-index network: each cell's colour rank, a MaxPool over a window, Equal to a palette.

When every fit grid (input and output) has one size H x W and each output cell takes the colour
that "wins" in a window of input cells around it (a fill downwards: the lowest non-background
colour above; a dilation: any colour beats the background), the rule is a maximum under some
order of the colours. Then one 1x1 Conv with negative pads crops the input to H x W and maps each
colour to its rank (a [1,1,H,W] colour index, 10 weights), a Cast makes it uint8, a MaxPool takes
the window's largest rank, ``Equal`` against a [1,10,1,1] palette (the rank of each channel's
colour) gives the one-hot answer as bool, and a ``Pad`` writes it into the 30x30 ``output``
(beyond the grid: False). Its bytes grow with H x W only: 4 + 1 + 1 + 10 per cell.

The order comes from the fit examples: an output cell of colour o whose window holds the colours
S says o is in S and o outranks every other colour of S; the rule is a maximum iff these edges
have no cycle, and a topological order of them is the ranking (ties broken by colour number, so
the network is deterministic).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

import numpy as np

from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.search.fitdata import Budget, FitData, Step

GRID = 30
COLORS = 10
SHORT = 4  # windows of up to 4 cells per axis at every alignment; longer ones reach a whole side
PAD_PARAMS = 8  # the Pad's pads input: begin and end on 4 axes
CONST_PARAMS = COLORS + COLORS + PAD_PARAMS  # ranks (Conv weight), palette, pads


@dataclass(frozen=True)
class Window:
    """Output index r reads input indices ``r - before .. r + after`` (inside the grid)."""

    before: int
    after: int

    @property
    def size(self) -> int:
        return self.before + self.after + 1


def axis_windows(n: int) -> list[Window]:
    """Short windows at every alignment, then "everything before", "everything after", "all"."""
    short = [Window(b, s - 1 - b) for s in range(1, min(SHORT, n) + 1) for b in range(s)]
    whole = [Window(n - 1, 0), Window(0, n - 1), Window(n - 1, n - 1)]
    return list(dict.fromkeys(short + whole))


def grid_size(data: FitData) -> tuple[int, int] | None:
    """(H, W) when every fit input and output grid has that one size, else None."""
    sizes = set()
    for grids in (data.x, data.y):
        cells = grids.any(axis=1)
        for c in cells:
            rows, cols = np.nonzero(c.any(axis=1))[0], np.nonzero(c.any(axis=0))[0]
            if not len(rows) or c[:rows[-1] + 1, :cols[-1] + 1].sum() != (rows[-1] + 1) * (cols[-1] + 1):
                return None
            sizes.add((int(rows[-1]) + 1, int(cols[-1]) + 1))
    return sizes.pop() if len(sizes) == 1 else None


def cost(h: int, w: int, pooled: bool) -> int:
    """Bytes of the float index, its uint8 copy, the pooled copy and the bool answer, plus params."""
    return (4 + 1 + (1 if pooled else 0) + COLORS) * h * w + CONST_PARAMS


def window_sets(bits: np.ndarray, rows: Window, cols: Window) -> np.ndarray:
    """Per cell, the colour bits of its window (OR over the window's cells inside the grid)."""
    n, h, w = bits.shape
    out = np.zeros_like(bits)
    for dr, dc in product(range(-rows.before, rows.after + 1), range(-cols.before, cols.after + 1)):
        r0, r1 = max(0, -dr), min(h, h - dr)
        c0, c1 = max(0, -dc), min(w, w - dc)
        if r0 < r1 and c0 < c1:
            out[:, r0:r1, c0:c1] |= bits[:, r0 + dr:r1 + dr, c0 + dc:c1 + dc]
    return out


def ranking(sets: np.ndarray, colours: np.ndarray) -> list[int] | None:
    """Rank per colour (0 lowest) under which every cell's colour is its window's largest, or None."""
    pairs = np.unique(np.stack([sets.ravel(), colours.ravel()], axis=1), axis=0)
    beats = np.zeros((COLORS, COLORS), bool)  # beats[o, c]: o must outrank c
    for window, o in pairs:
        if not window >> o & 1:
            return None
        for c in range(COLORS):
            if c != o and window >> c & 1:
                beats[o, c] = True
    rank, placed = [0] * COLORS, [False] * COLORS
    for level in range(COLORS):  # lowest first: a colour no unplaced colour must stay below
        free = [c for c in range(COLORS) if not placed[c] and not any(
            beats[c, d] and not placed[d] for d in range(COLORS))]
        if not free:
            return None  # a cycle
        rank[free[0]] = level
        placed[free[0]] = True
    return rank


def index_graph(h: int, w: int, rank: list[int], rows: Window, cols: Window) -> Graph:
    b = Builder()
    weight = np.array(rank, np.float32).reshape(1, COLORS, 1, 1)
    index = b.op("conv2d", b.input, b.const(weight), pads=(0, 0, h - GRID, w - GRID))  # crop to H x W
    index = b.op("cast", index, to="uint8")
    if (rows.size, cols.size) != (1, 1):
        index = b.op("max_pool2d", index, kernel=(rows.size, cols.size),
                     pads=(rows.before, cols.before, rows.after, cols.after))
    palette = b.const(np.array(rank, np.uint8).reshape(1, COLORS, 1, 1))
    answer = b.op("equal", index, palette)
    return b.finish(b.op("pad", answer, pads=(0, 0, 0, 0, 0, 0, GRID - h, GRID - w)))


def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """Each window whose maximum under some colour order is exact on the fit examples."""
    size = grid_size(data)
    if size is None:
        return
    h, w = size
    yield cost(h, w, False), None
    colour_in = data.x[:, :, :h, :w].argmax(axis=1)
    colour_out = data.y[:, :, :h, :w].argmax(axis=1)
    bits = (1 << colour_in).astype(np.int32)
    windows = sorted(product(axis_windows(h), axis_windows(w)), key=lambda rc: (
        (rc[0].size, rc[1].size) != (1, 1), rc[0].size * rc[1].size, rc[0].before, rc[1].before))
    for rows, cols in windows:
        if budget():
            return
        budget.spend(1)
        rank = ranking(window_sets(bits, rows, cols), colour_out)
        if rank is not None:
            pooled = (rows.size, cols.size) != (1, 1)
            label = f"index_pool/{h}x{w}/window{rows.before}:{rows.after}x{cols.before}:{cols.after}"
            yield cost(h, w, pooled), (label, index_graph(h, w, rank, rows, cols))
