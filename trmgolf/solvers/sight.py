"""Rays that stop at obstacles: the colour of the nearest non-background cell in each direction.

``seen[d][c](r, j)`` is 1 when, looking from (r, j) in direction d (left, right, up, down),
the first cell that is not background has colour c (the cell itself excluded). Unlike
``rays`` (is colour c anywhere to the left?), an obstacle hides what lies behind it, so
a fitted Conv over [one-hot input, seen planes] draws a line from a seed up to the first
wall, fills background only between two facing cells of one colour, stops a ray at the
first object ...

The network finds the nearest cell with one MatMul per direction and a geometric weight:
with ``S_c = sum over cells i before j of x_c(i) 4^i`` (i counted so that nearer cells
weigh more) and ``T`` the same sum over every non-background cell, the nearest one has
colour c exactly when ``S_c > T / 2``: the nearest term is at least 3 times the sum of
all farther ones. The sums stay far inside float32's range (4^29 < 2^59), and the
comparison needs only their leading bits.
"""

from __future__ import annotations

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.grid.vocab import BACKGROUND
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import pairs, same_shapes
from trmgolf.solvers.local_rule import stable_colours
from trmgolf.solvers.planes import Planes, fit_planes, object_colours, register_planes
from trmgolf.solvers.rays import DIRECTIONS, MAX_SIDE, seed_colours
from trmgolf.tasks import Example

BASE = 4.0


def nearest_colour(line: np.ndarray) -> np.ndarray:
    """For each position of a 1-D line, the colour of the nearest non-background cell before it
    (-1: none)."""
    out = np.full(line.shape, -1, np.int64)
    last = -1
    for i, v in enumerate(line):
        out[i] = last
        if v != BACKGROUND:
            last = int(v)
    return out


def sight_planes_grid(a: np.ndarray, colours: tuple[int, ...]) -> np.ndarray:
    """[4k, h, w] uint8: plane k d + i is 1 where colour ``colours[i]`` is seen first in direction d."""
    views = {
        "left": np.stack([nearest_colour(row) for row in a]),
        "right": np.stack([nearest_colour(row[::-1])[::-1] for row in a]),
        "up": np.stack([nearest_colour(col) for col in a.T]).T,
        "down": np.stack([nearest_colour(col[::-1])[::-1] for col in a.T]).T,
    }
    return np.concatenate([np.stack([views[d] == c for c in colours]) for d in DIRECTIONS]).astype(np.uint8)


def sight_weights(side: int) -> tuple[np.ndarray, np.ndarray]:
    """(before, after) [side, side]: before[i, j] = BASE^i for i < j (nearer cells to the left of j
    weigh more), after[i, j] = BASE^(side-1-i) for i > j."""
    i = np.arange(side)
    before = np.where(i[:, None] < i[None, :], BASE ** i[:, None], 0.0).astype(np.float32)
    after = np.where(i[:, None] > i[None, :], BASE ** (side - 1 - i[:, None]), 0.0).astype(np.float32)
    return before, after


def sight_planes_build(b: Builder, x: Value, colours: tuple[int, ...]) -> Value:
    side = x.type.shape[2]
    before, after = sight_weights(side)
    inside = b.op("reduce_max", x, axes=(1,), keepdims=1)
    background = b.op("gather", x, b.const(np.asarray([BACKGROUND], np.int64)), axis=1)
    walls = b.op("sub", inside, background)  # every non-background cell of the grid
    seeds = b.op("gather", x, b.const(np.asarray(colours, np.int64)), axis=1)
    both = b.op("concat", seeds, walls, axis=1)  # [1, k + 1, s, s]: the last channel is T
    sums = [
        b.op("matmul", both, b.const(before)),  # left: columns i < j
        b.op("matmul", both, b.const(after)),  # right
        b.op("matmul", b.const(np.ascontiguousarray(before.T)), both),  # up: rows i < r
        b.op("matmul", b.const(np.ascontiguousarray(after.T)), both),  # down
    ]
    k = len(colours)
    planes = []
    for s in sums:
        seen, total = b.ops("split", s, axis=1, sizes=(k, 1))
        planes.append(b.op("greater", b.op("sub", seen, b.op("mul", total, b.const(0.5))),
                           b.const(np.zeros(1, np.float32))))
    stacked = b.op("cast", b.op("concat", *planes, axis=1), to="float32")
    return b.op("mul", stacked, inside)


def sight_planes(colours: tuple[int, ...]) -> Planes:
    return Planes(f"sight{''.join(map(str, colours))}", 4 * len(colours),
                  lambda a: sight_planes_grid(a, colours), lambda b, x: sight_planes_build(b, x, colours))


register_planes("sight", sight_planes, object_colours)


@family("rays_blocked", kind="solver", group="rays", tier=210, traits={Trait.BACKGROUND_FILL})
def rays_blocked(examples: list[Example]) -> Graph | None:
    """Same-size tasks whose output cell depends on its neighbourhood and on the colour first seen
    to its left / right / above / below (rays stopped by walls, gaps closed between facing cells).
    Colours that never change are pinned (``local_rule.keep_colours``): the rule is fitted only on
    the cells that may change, so a rare mix of rays cannot repaint a seed or a wall."""
    if not examples or not same_shapes(examples):
        return None
    data = pairs(examples)
    if max(max(a.shape) for a, _ in data) > MAX_SIDE or all(np.array_equal(a, o) for a, o in data):
        return None
    return fit_planes(examples, sight_planes(seed_colours(examples)), kept=stable_colours(examples))
