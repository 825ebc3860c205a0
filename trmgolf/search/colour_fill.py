"""One colour chosen by the whole grid, painted over a region: three small nodes.

``counts = GlobalAveragePool(input)`` ([1,10,1,1]: each colour's share of the canvas),
``winner = Hardmax(counts)`` over the channels (the most frequent colour, the first on ties),
then one Einsum writes ``output``: ``bcxy,bdhw->bchw`` with the input paints the winner over
every cell of the input grid (the sum over ``d`` is 1 inside the grid, 0 outside), and
``bcxy,h,w->bchw`` with two 0/1 masks paints a fixed top-left block. The counts may first be
weighted to leave the background out (the most frequent non-background colour). The only
intermediates are two or three [1,10,1,1] tensors, so such a network costs about 80 instead
of a Conv's hundreds or thousands of params (public task129 is this network).

The fit is exact arithmetic on the fit examples: the rule either reproduces every expected
output or it does not; nothing is solved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import Budget, Candidate, FitData, Level, Step, Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph

GRID = 30
COLORS = 10
FLOAT_BYTES = 4
STAT_BYTES = COLORS * FLOAT_BYTES  # one [1,10,1,1] float32 tensor


@dataclass(frozen=True)
class Fill:
    """``skip_background``: channel 0 weighs nothing in the vote; ``block``: (rows, cols) of a
    fixed top-left region, or None for the input's own grid."""

    skip_background: bool
    block: tuple[int, int] | None

    @property
    def cost(self) -> int:
        cost = 2 * STAT_BYTES
        if self.skip_background:
            cost += STAT_BYTES + COLORS
        if self.block is not None:
            rows, cols = self.block
            cost += GRID if rows == cols else 2 * GRID  # one mask serves both axes when square
        return cost

    def label(self) -> str:
        vote = "colour_fill/most" + ("_nobg" if self.skip_background else "")
        return vote + (f"/block{self.block[0]}x{self.block[1]}" if self.block else "/grid")


def _fixed_block(y: np.ndarray) -> tuple[int, int] | None:
    """The one output extent (rows, cols) every fit example shares, or None."""
    cells = y.any(axis=1)  # N, H, W
    rows = {int(r.any(axis=1).sum()) for r in cells}
    cols = {int(r.any(axis=0).sum()) for r in cells}
    if len(rows) != 1 or len(cols) != 1:
        return None
    return rows.pop(), cols.pop()


def _region(data: FitData, block: tuple[int, int] | None) -> np.ndarray:
    """bool [N, H, W]: the cells the winner is painted over."""
    if block is None:
        return data.x.any(axis=1)
    region = np.zeros((data.count, GRID, GRID), bool)
    region[:, :block[0], :block[1]] = True
    return region


def fits(data: FitData, fill: Fill) -> bool:
    counts = data.x.sum(axis=(2, 3)).astype(np.int64)  # N, C
    if fill.skip_background:
        counts[:, 0] = 0
    winner = np.argmax(counts, axis=1)  # the first maximum, as Hardmax
    expected = np.zeros_like(data.y)
    region = _region(data, fill.block)
    expected[np.arange(data.count), winner] = region
    return bool(np.array_equal(expected, data.y))


def fill_graph(fill: Fill) -> Graph:
    b = Builder()
    counts = b.op("reduce_mean", b.input, axes=(2, 3), keepdims=1)
    if fill.skip_background:
        weight = np.ones((1, COLORS, 1, 1), np.float32)
        weight[0, 0] = 0.0
        counts = b.op("mul", counts, b.const(weight))
    winner = b.op("hardmax", counts, axis=1)
    if fill.block is None:
        out = b.op("einsum", winner, b.input, equation="bcxy,bdhw->bchw")
    else:
        masks = []
        for extent in fill.block:
            mask = np.zeros(GRID, np.float32)
            mask[:extent] = 1.0
            masks.append(mask)
        rows = b.const(masks[0])
        cols = rows if fill.block[0] == fill.block[1] else b.const(masks[1])
        out = b.op("einsum", winner, rows, cols, equation="bcxy,h,w->bchw")
    return b.finish(out)


@family("colour_fill", tier=60, traits={Trait.STATISTICS, Trait.BACKGROUND_FILL})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """Each colour fill exact on the fit examples, cheapest first."""
    block = _fixed_block(data.y)
    regions = [None] if block is None else [None, block]
    fills = sorted((Fill(skip, region) for skip in (False, True) for region in regions),
                   key=lambda f: (f.cost, f.label()))
    for fill in fills:
        yield Level(fill.cost)
        budget.spend(1)
        if fits(data, fill):
            yield Candidate(fill.cost, fill.label(), fill_graph(fill))
