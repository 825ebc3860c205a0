"""Rays and lines: which colours lie somewhere to a cell's left, right, above and below.

Four planes per colour of the fit inputs but 0: ``left[c](r, j)`` is 1 when some cell (r, i < j)
has colour c, and so on. Each direction is one triangular MatMul over the cropped
one-hot input, as ``gravity`` counts cells. A Min with the grid's mask
(1 on the grid's cells) turns the counts into 0/1 and clears the cells past the grid.
A Conv over [input, planes] fitted by the linear program of ``local_rule`` then
covers rules such as: draw a line from each seed to the edge (``left[c]``), fill the
background between two cells of one colour (``left[c]`` AND ``right[c]``), paint a
row that holds a marker, mark where a row and a column of seeds cross.
"""

from __future__ import annotations

import numpy as np

from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.base import solver
from trmgolf.solvers.common import pairs, same_shapes
from trmgolf.solvers.planes import Planes, fit_planes
from trmgolf.tasks import COLORS, Example

DIRECTIONS = ("left", "right", "up", "down")  # where the colour lies, seen from the cell
MAX_SIDE = 20  # larger grids: the planes cost too much, and the fit takes too long


def ray_planes_grid(a: np.ndarray, colours: tuple[int, ...]) -> np.ndarray:
    """[4k, h, w] uint8: plane k d + i is 1 where colour ``colours[i]`` lies in direction d."""
    onehot = (a[None] == np.asarray(colours)[:, None, None]).astype(np.int64)
    seen = {
        "left": np.cumsum(onehot, axis=2) - onehot,
        "right": np.cumsum(onehot[:, :, ::-1], axis=2)[:, :, ::-1] - onehot,
        "up": np.cumsum(onehot, axis=1) - onehot,
        "down": np.cumsum(onehot[:, ::-1], axis=1)[:, ::-1] - onehot,
    }
    return np.concatenate([np.minimum(seen[d], 1) for d in DIRECTIONS]).astype(np.uint8)


def ray_planes_build(b: Builder, x: Value, colours: tuple[int, ...]) -> Value:
    side = x.type.shape[2]
    i = np.arange(side)
    before = (i[:, None] < i[None, :]).astype(np.float32)  # before[i, j] = 1 when i < j
    after = np.ascontiguousarray(before.T)
    inside = b.op("reduce_max", x, axes=(1,), keepdims=1)  # 0 past the grid: no planes there
    if len(colours) < COLORS:
        x = b.op("gather", x, b.const(np.asarray(colours, np.int64)), axis=1)
    seen = [
        b.op("matmul", x, b.const(before)),  # left: sum over columns i < j
        b.op("matmul", x, b.const(after)),  # right
        b.op("matmul", b.const(after), x),  # up: sum over rows i < r
        b.op("matmul", b.const(before), x),  # down
    ]
    return b.op("min", b.op("concat", *seen, axis=1), inside)


def ray_planes(colours: tuple[int, ...]) -> Planes:
    return Planes(f"rays{''.join(map(str, colours))}", 4 * len(colours),
                  lambda a: ray_planes_grid(a, colours), lambda b, x: ray_planes_build(b, x, colours))


def seed_colours(examples: list[Example]) -> tuple[int, ...]:
    """The colours whose rays are drawn: every colour but 0 seen in a fit input."""
    seen = set()
    for a, _ in pairs(examples):
        seen |= set(np.unique(a).tolist())
    return tuple(sorted(seen - {0})) or (0,)


@solver("rays", "rays")
def rays(examples: list[Example]) -> Graph | None:
    """Same-size tasks whose output cell depends on its neighbourhood and on which colours lie
    to its left / right / above / below (lines drawn from seeds, gaps filled between cells)."""
    if not examples or not same_shapes(examples):
        return None
    data = pairs(examples)
    if max(max(a.shape) for a, _ in data) > MAX_SIDE or all(np.array_equal(a, o) for a, o in data):
        return None
    return fit_planes(examples, ray_planes(seed_colours(examples)))
