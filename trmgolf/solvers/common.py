"""Helpers shared by the solvers: grids as arrays, the interpreter check, size scalars.

Solvers fit on numpy arrays of the example grids and check their network with the
IR interpreter (``check``) before returning it, so a solver never hands back a
graph that fails one of the examples it was fitted on.
"""

from __future__ import annotations

import numpy as np

from trmgolf.families.contract import exact, fit_data
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.tasks import Example


def arr(grid: list[list[int]]) -> np.ndarray:
    return np.asarray(grid, dtype=np.int64)


def pairs(examples: list[Example]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(input, output) of each example as int64 arrays."""
    return [(arr(e.input), arr(e.output)) for e in examples]


def same_shapes(examples: list[Example]) -> bool:
    """Every output has its input's shape."""
    return all(a.shape == b.shape for a, b in pairs(examples))


def check(graph: Graph, examples: list[Example]) -> bool:
    """Whether the graph, run by the IR interpreter, is exact on every example (the
    contract's one ``exact``)."""
    return exact(graph, fit_data(examples))


def checked(graph: Graph | None, examples: list[Example]) -> Graph | None:
    """The graph when it passes every example, else None (the contract of ``build``)."""
    if graph is None or not examples:
        return None
    return graph if check(graph, examples) else None


def grid_extent(b: Builder, axis: int, dtype: str = "int64") -> Value:
    """The grid's height (axis 2) or width (axis 3) as an integer scalar (``dtype``: int32
    halves the index vectors computed from it, and Gather takes either).

    Counts the rows (columns) in which some channel is non-zero; costs a few
    hundred bytes, no matter how large the grid.
    """
    other = 3 if axis == 2 else 2
    lines = b.op("reduce_max", b.input, axes=(1, other), keepdims=1)
    count = b.op("reduce_sum", lines, axes=(0, 1, 2, 3), keepdims=0)
    return b.op("cast", count, to=dtype)


def square_side(b: Builder, dtype: str = "int32") -> Value:
    """The side n of a square grid as an integer scalar, for 8 bytes: the L2 norm of the
    one-hot input is sqrt(n * n) = n, exact in float32 (the square root of a perfect square
    is). Only right when the grid is square (else sqrt(h * w)): a solver uses it when every
    fit input is, and the held-out gate judges the rest."""
    norm = b.op("reduce_l2", b.input, axes=(0, 1, 2, 3), keepdims=0)
    return b.op("cast", norm, to=dtype)
