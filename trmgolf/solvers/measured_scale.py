"""Measured scale: the input upscaled (or tiled) by a factor the network counts in the input.

"Upscale the grid by its number of coloured cells", "by its number of colours", "tile it as
many times as it has empty cells": the factor differs from input to input, so no fixed
Resize serves. ``measured_scale`` tries every count of :data:`COUNTS` and both ways of
scaling, and keeps the first pair under which every example's output is its input scaled.

The network reads the factor k at run time and builds the one 0/1 matrix M [30, h] with
M[i, r] = 1 where output row i reads input row r (``grid.vocab.spread_matrix``: i // k == r to
upscale, i mod h == r below k * h to tile); the output is M_rows @ x @ M_cols^T. One matrix
formula serves every factor, so every factor the canvas allows (k * h up to 30, and past it
the output is cut to the canvas as the grader's is) is covered, not only the factors seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import Trait, estimated_cost
from trmgolf.families.registry import family
from trmgolf.grid.vocab import (
    BACKGROUND,
    colour_counts_ir,
    colour_plane,
    coloured_cells,
    coloured_cells_ir,
    distinct_colours,
    distinct_colours_ir,
    scaled_ir,
)
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import checked, pairs
from trmgolf.tasks import GRID, Example


def background_cells_ir(b: Builder, x: Value) -> Value:
    """float32 [1,1,1,1]: the grid's background cells (cells past the grid hold no colour)."""
    counts = colour_counts_ir(b, x)
    return b.op("slice", counts, starts=(BACKGROUND,), ends=(BACKGROUND + 1,), axes=(1,))


@dataclass(frozen=True)
class Count:
    """A factor the network measures: ``measure`` on the int grid, ``build`` on the one-hot."""

    name: str
    measure: Callable[[np.ndarray], int]
    build: Callable[[Builder, Value], Value]


COUNTS: tuple[Count, ...] = (
    Count("cells", lambda a: int(coloured_cells(a).flat[0]), coloured_cells_ir),
    Count("nonzero_colours", lambda a: int(distinct_colours(a, False).flat[0]),
          lambda b, x: distinct_colours_ir(b, x, False)),
    Count("colours", lambda a: int(distinct_colours(a, True).flat[0]),
          lambda b, x: distinct_colours_ir(b, x, True)),
    Count("background_cells", lambda a: int(colour_plane(a, BACKGROUND).sum()), background_cells_ir),
)


def scale_by(a: np.ndarray, factor: int, tile: bool) -> np.ndarray:
    """``a`` upscaled ``factor`` times (or tiled ``factor`` x ``factor``), cut to the canvas."""
    big = np.tile(a, (factor, factor)) if tile else np.kron(a, np.ones((factor, factor), a.dtype))
    return big[:GRID, :GRID]


def explains(count: Count, tile: bool, data: list[tuple[np.ndarray, np.ndarray]]) -> bool:
    """Every output is its input scaled by the count, and the factors seen differ (one factor
    for every example is a fixed scale, which ``upscale`` and ``geometry`` already write)."""
    factors = set()
    for a, o in data:
        k = count.measure(a)
        if k < 1 or not np.array_equal(scale_by(a, k, tile), o):
            return False
        factors.add(k)
    return len(factors) >= 2


def measured_scale_graph(count: Count, tile: bool, shape: tuple[int, int] | None) -> Graph:
    """The count, then ``scaled_ir`` by it; ``shape``: the one input shape (None: any)."""
    b = Builder()
    x = b.input if shape is None else b.op("slice", b.input, starts=(0, 0), ends=shape, axes=(2, 3))
    return b.finish(scaled_ir(b, x, count.build(b, x), tile, out=GRID))


@family("measured_scale", kind="solver", group="geometry", tier=136, traits={Trait.SCALE, Trait.STATISTICS})
def measured_scale(examples: list[Example]) -> Graph | None:
    """The input upscaled, or tiled, by a count read from it at run time (its coloured cells,
    its colours, its background cells); the cheapest count and scaling that explain every
    example. Inputs of one shape are cropped to it; tiling needs one shape."""
    data = pairs(examples)
    shapes = {a.shape for a, _ in data}
    shape = shapes.pop() if len(shapes) == 1 else None
    best: tuple[int, Graph] | None = None
    for tile in (False, True):
        if tile and shape is None:
            continue
        for count in COUNTS:
            if not explains(count, tile, data):
                continue
            graph = checked(measured_scale_graph(count, tile, shape), examples)
            if graph is not None and (best is None or estimated_cost(graph) < best[0]):
                best = (estimated_cost(graph), graph)
    return None if best is None else best[1]
