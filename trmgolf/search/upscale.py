"""One ConvTranspose writing ``output``: every input cell paints an s x s block (upscaling).

With stride (sh, sw) and a kernel of the same size, output cell ``(sh*r + i, sw*c + j)``
reads input cell ``(r, c)`` alone, through weight ``[:, :, i, j]``: per output channel and
block position (i, j) the fit is a 1x1 Conv, so ``conv_lp.fit_channel`` fits it (least L1,
which keeps the weights a block does not need at zero). Padding at the end crops the
``30*s`` output of a 30-cell input back to 30 cells.
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
from trmgolf.search.conv_lp import COLORS, GRID, GROUPS, LP_WORK, fit_channel

PRECHECK_EXAMPLES = 8
SCALES = (1, 2, 3, 4, 5)  # per axis; (1, 1) is no upscale and is left to conv_lp


@dataclass(frozen=True)
class BlockShape:
    """A ConvTranspose of stride = kernel = (rows, cols), ``group`` channel groups."""

    rows: int
    cols: int
    group: int
    bias: bool

    @property
    def params(self) -> int:
        return COLORS * (COLORS // self.group) * self.rows * self.cols + (COLORS if self.bias else 0)

    def label(self) -> str:
        return f"convT{self.rows}x{self.cols}/g{self.group}" + ("+bias" if self.bias else "")


def block_shapes() -> list[BlockShape]:
    shapes = [BlockShape(r, c, g, bias) for r, c in product(SCALES, SCALES) if (r, c) != (1, 1)
              for g in GROUPS for bias in (False, True)]
    return sorted(shapes, key=lambda s: (s.params, s.bias, s.rows + s.cols, -s.group, s.rows))


def _phase_features(data: FitData, shape: BlockShape, chans: slice) -> tuple[np.ndarray, list[tuple]]:
    """[cells, phases x channels] features: each output cell's input cell, placed in the
    columns of its block position (phase); and per phase the (i, j) index of its cells."""
    per = chans.stop - chans.start
    phases = list(product(range(shape.rows), range(shape.cols)))
    blocks, index = [], []
    for p, (i, j) in enumerate(phases):
        h, w = len(range(i, GRID, shape.rows)), len(range(j, GRID, shape.cols))
        cells = data.x[:, chans, :h, :w].transpose(0, 2, 3, 1).reshape(-1, per)
        block = np.zeros((cells.shape[0], len(phases) * per), np.uint8)
        block[:, p * per:(p + 1) * per] = cells
        blocks.append(block)
        index.append((i, j))
    return np.vstack(blocks), index


def fit_block(data: FitData, shape: BlockShape) -> Graph | None:
    """The ConvTranspose of ``shape`` exact on every fit example, or None. One LP per output
    channel over all its block positions, which share the channel's bias. The cells are
    merged by feature row once per channel group; a row that must be both on and off rules
    the shape out without an LP."""
    per = COLORS // shape.group
    weight = np.zeros((COLORS, per, shape.rows, shape.cols), np.float32)
    bias = np.zeros(COLORS, np.float32)
    for g in range(shape.group):
        chans = slice(g * per, (g + 1) * per)
        feats, phases = _phase_features(data, shape, chans)
        distinct, group = np.unique(feats, axis=0, return_inverse=True)
        group = group.ravel()
        count = np.bincount(group, minlength=len(distinct))
        for o in range(g * per, (g + 1) * per):
            labels = np.concatenate([data.y[:, o, i::shape.rows, j::shape.cols].ravel() for i, j in phases])
            on = np.bincount(group, weights=labels, minlength=len(distinct))
            if np.any((on != 0) & (on != count)):
                return None
            fitted = fit_channel(distinct, on > 0, shape.bias)
            if fitted is None:
                return None
            w, bias[o] = fitted
            for (i, j), wp in zip(phases, w.reshape(len(phases), per), strict=True):
                weight[chans, o - g * per, i, j] = wp
    return block_graph(shape, weight, bias if shape.bias else None)


def block_graph(shape: BlockShape, weight: np.ndarray, bias: np.ndarray | None) -> Graph:
    b = Builder()
    ins = [b.input, b.const(weight)] + ([b.const(bias)] if bias is not None else [])
    out = b.op("conv_transpose2d", *ins, strides=(shape.rows, shape.cols),
               pads=(0, 0, GRID * (shape.rows - 1), GRID * (shape.cols - 1)), group=shape.group)
    return b.finish(out)


@family("upscale", tier=130, traits={Trait.SCALE})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """Each block upscale exact on the fit examples, cheapest first, with a ``(params, None)``
    marker before each fit (see ``families.contract.Step``). A precheck on a few examples is charged as
    one LP (it takes about as long); a full fit as one LP per colour channel."""
    yield Level(0)
    for shape in block_shapes():
        yield Level(shape.params)
        if budget():
            return
        budget.spend(LP_WORK)
        if data.count > PRECHECK_EXAMPLES and fit_block(data.head(PRECHECK_EXAMPLES), shape) is None:
            continue  # what no block fits on a few examples fits on none: skip the full fit
        budget.spend(LP_WORK * COLORS)
        graph = fit_block(data, shape)
        if graph is not None:
            yield Candidate(shape.params, shape.label(), graph)
