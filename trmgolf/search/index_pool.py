"""A colour-index network: each cell's colour rank, a MaxPool over a window, Equal to a palette.

When every fit input has one size H x W, every output one size (H x W again, or smaller: a
window of evenly spaced cells folds the input onto it) and each output cell takes the colour
that "wins" in a window of input cells around it (a fill downwards: the lowest non-background
colour above; a dilation: any colour beats the background), the rule is a maximum under some
order of the colours. Then one 1x1 Conv with negative pads crops the input to H x W and maps each
colour to its rank (a [1,1,H,W] colour index, 10 weights), a Cast makes it uint8, a MaxPool takes
the window's largest rank, ``Equal`` against a [1,10,1,1] palette (the rank of each channel's
colour) gives the one-hot answer as bool, and a ``Pad`` writes it into the 30x30 ``output``
(beyond the grid: False). Its bytes grow with the grid's cells only: 4 + 1 + 1 + 10 per cell.

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

from trmgolf.families.contract import Budget, Candidate, FitData, Level, Step, Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph

GRID = 30
COLORS = 10
SHORT = 4  # windows of up to 4 cells per axis at every alignment; longer ones reach a whole side
PAD_PARAMS = 6  # Pad-18 with axes: begin and end on the 2 padded axes, and the axes
CONST_PARAMS = COLORS + COLORS + PAD_PARAMS  # ranks (Conv weight), palette, pads


@dataclass(frozen=True)
class Window:
    """Output index r reads input indices ``r - before + i * dilation``, i < size (inside the
    grid); the MaxPool pads ``before`` cells in front and ``after`` behind."""

    before: int
    size: int
    dilation: int = 1
    after: int = 0

    @property
    def offsets(self) -> range:
        return range(-self.before, -self.before + self.size * self.dilation, self.dilation)


def axis_windows(n: int, out: int) -> list[Window]:
    """For an axis of ``n`` input cells and ``out`` output cells: when equal, short windows at every
    alignment, then "everything before", "everything after", "all"; when the output is shorter, every
    unpadded window of evenly spaced taps spanning the difference (output r reads r, r + d, ...)."""
    if out == n:
        short = [Window(b, s, 1, s - 1 - b) for s in range(1, min(SHORT, n) + 1) for b in range(s)]
        whole = [Window(n - 1, n, 1, 0), Window(0, n, 1, n - 1), Window(n - 1, 2 * n - 1, 1, n - 1)]
        return list(dict.fromkeys(short + whole))
    span = n - out
    if span < 0:
        return []
    return [Window(0, k, span // (k - 1)) for k in range(2, span + 2) if span % (k - 1) == 0]


def grid_size(grids: np.ndarray) -> tuple[int, int] | None:
    """(H, W) when every grid of ``grids`` (one-hot [N,10,30,30]) has that one size, else None."""
    sizes = set()
    for c in grids.any(axis=1):
        rows, cols = np.nonzero(c.any(axis=1))[0], np.nonzero(c.any(axis=0))[0]
        if not len(rows) or c[:rows[-1] + 1, :cols[-1] + 1].sum() != (rows[-1] + 1) * (cols[-1] + 1):
            return None
        sizes.add((int(rows[-1]) + 1, int(cols[-1]) + 1))
    return sizes.pop() if len(sizes) == 1 else None


def cost(size_in: tuple[int, int], size_out: tuple[int, int], pooled: bool) -> int:
    """Bytes of the float index and its uint8 copy (input size), the pooled copy and the bool
    answer (output size), plus params."""
    cells_in, cells_out = size_in[0] * size_in[1], size_out[0] * size_out[1]
    return 5 * cells_in + ((1 if pooled else 0) + COLORS) * cells_out + CONST_PARAMS


def window_sets(bits: np.ndarray, rows: Window, cols: Window, out: tuple[int, int]) -> np.ndarray:
    """Per output cell, the colour bits of its window (OR over the window's cells inside the grid)."""
    n, h, w = bits.shape
    oh, ow = out
    result = np.zeros((n, oh, ow), bits.dtype)
    r_out, c_out = np.arange(oh), np.arange(ow)
    for dr, dc in product(rows.offsets, cols.offsets):
        r, c = r_out + dr, c_out + dc
        rk, ck = (r >= 0) & (r < h), (c >= 0) & (c < w)
        if rk.any() and ck.any():
            result[:, r_out[rk][:, None], c_out[ck][None, :]] |= bits[:, r[rk][:, None], c[ck][None, :]]
    return result


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


def index_graph(size_in: tuple[int, int], size_out: tuple[int, int], rank: list[int], rows: Window,
                cols: Window) -> Graph:
    b = Builder()
    (h, w), (oh, ow) = size_in, size_out
    weight = np.array(rank, np.float32).reshape(1, COLORS, 1, 1)
    index = b.op("conv2d", b.input, b.const(weight), pads=(0, 0, h - GRID, w - GRID))  # crop to H x W
    index = b.op("cast", index, to="uint8")
    if (rows.size, cols.size) != (1, 1):
        spacing = (rows.dilation, cols.dilation)
        dilations = {"dilations": spacing} if spacing != (1, 1) else {}
        index = b.op("max_pool2d", index, kernel=(rows.size, cols.size),
                     pads=(rows.before, cols.before, rows.after, cols.after), **dilations)
    palette = b.const(np.array(rank, np.uint8).reshape(1, COLORS, 1, 1))
    answer = b.op("equal", index, palette)
    return b.finish(b.op("pad", answer, pads=(0, 0, 0, 0, 0, 0, GRID - oh, GRID - ow)))


def _label(size_in: tuple[int, int], size_out: tuple[int, int], rows: Window, cols: Window) -> str:
    def axis(a: Window) -> str:
        return f"{a.before}:{a.size}" + (f"d{a.dilation}" if a.dilation != 1 else "")

    sizes = f"{size_in[0]}x{size_in[1]}" + (f"->{size_out[0]}x{size_out[1]}" if size_out != size_in else "")
    return f"index_pool/{sizes}/window{axis(rows)}x{axis(cols)}"


@family("index_pool", tier=120, traits={Trait.SCALE_DOWN, Trait.STATISTICS})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """Each window whose maximum under some colour order is exact on the fit examples."""
    size_in, size_out = grid_size(data.x), grid_size(data.y)
    if size_in is None or size_out is None:
        return
    (h, w), (oh, ow) = size_in, size_out
    windows = sorted(product(axis_windows(h, oh), axis_windows(w, ow)), key=lambda rc: (
        (rc[0].size, rc[1].size) != (1, 1), rc[0].size * rc[1].size, rc[0].before, rc[1].before,
        rc[0].dilation, rc[1].dilation))
    if not windows:
        return
    yield Level(cost(size_in, size_out, (windows[0][0].size, windows[0][1].size) != (1, 1)))
    colour_in = data.x[:, :, :h, :w].argmax(axis=1)
    colour_out = data.y[:, :, :oh, :ow].argmax(axis=1)
    bits = (1 << colour_in).astype(np.int32)
    for rows, cols in windows:
        if budget():
            return
        budget.spend(1)
        rank = ranking(window_sets(bits, rows, cols, size_out), colour_out)
        if rank is not None:
            pooled = (rows.size, cols.size) != (1, 1)
            graph = index_graph(size_in, size_out, rank, rows, cols)
            yield Candidate(cost(size_in, size_out, pooled), _label(size_in, size_out, rows, cols), graph)
