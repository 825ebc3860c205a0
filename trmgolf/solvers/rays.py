"""Rays and lines: which colours lie somewhere to a cell's left, right, above and below.

Four planes per colour (40 in all): ``left[c](r, j)`` is 1 when some cell (r, i < j)
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
MAX_SIDE = 20  # the planes cost 40 side^2 floats per direction: beyond this they cost too much


def ray_planes_grid(a: np.ndarray) -> np.ndarray:
    """[40, h, w] uint8: plane 10 d + c is 1 where colour c lies in direction d (exclusive)."""
    onehot = (a[None] == np.arange(COLORS)[:, None, None]).astype(np.int64)
    seen = {
        "left": np.cumsum(onehot, axis=2) - onehot,
        "right": np.cumsum(onehot[:, :, ::-1], axis=2)[:, :, ::-1] - onehot,
        "up": np.cumsum(onehot, axis=1) - onehot,
        "down": np.cumsum(onehot[:, ::-1], axis=1)[:, ::-1] - onehot,
    }
    return np.concatenate([np.minimum(seen[d], 1) for d in DIRECTIONS]).astype(np.uint8)


def ray_planes_build(b: Builder, x: Value) -> Value:
    side = x.type.shape[2]
    i = np.arange(side)
    before = (i[:, None] < i[None, :]).astype(np.float32)  # before[i, j] = 1 when i < j
    after = np.ascontiguousarray(before.T)
    seen = [
        b.op("matmul", x, b.const(before)),  # left: sum over columns i < j
        b.op("matmul", x, b.const(after)),  # right
        b.op("matmul", b.const(after), x),  # up: sum over rows i < r
        b.op("matmul", b.const(before), x),  # down
    ]
    inside = b.op("reduce_max", x, axes=(1,), keepdims=1)  # 0 past the grid: no planes there
    return b.op("min", b.op("concat", *seen, axis=1), inside)


RAYS = Planes("rays", 4 * COLORS, ray_planes_grid, ray_planes_build)


@solver("rays", "rays")
def rays(examples: list[Example]) -> Graph | None:
    """Same-size tasks whose output cell depends on its neighbourhood and on which colours lie
    to its left / right / above / below (lines drawn from seeds, gaps filled between cells)."""
    if not examples or not same_shapes(examples):
        return None
    data = pairs(examples)
    if max(max(a.shape) for a, _ in data) > MAX_SIDE or all(np.array_equal(a, o) for a, o in data):
        return None
    return fit_planes(examples, RAYS)
