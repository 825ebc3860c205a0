"""Rays and lines: which colours lie somewhere to a cell's left, right, above and below.

Four planes per colour of the fit inputs but 0: ``left[c](r, j)`` is 1 when some cell (r, i < j)
has colour c, and so on. Each direction is one triangular MatMul over the cropped
one-hot input, as ``gravity`` counts cells. A Min with the grid's mask
(1 on the grid's cells) turns the counts into 0/1 and clears the cells past the grid.
A Conv over [input, planes] fitted by the linear program of ``local_rule`` then
covers rules such as: draw a line from each seed to the edge (``left[c]``), fill the
background between two cells of one colour (``left[c]`` AND ``right[c]``), paint a
row that holds a marker, mark where a row and a column of seeds cross.

``rays_diagonal`` adds the four diagonals (8 directions, tried when 4 do not fit). A
diagonal is a column of a *skewed* copy of the canvas: padding each row to 2 s cells
and reading the flat buffer in rows of 2 s - 1 (or 2 s + 1) cells moves cell (r, c) to
column r + c (or s + c - r), so the same row-wise MatMuls count along anti-diagonals
(or diagonals), and the inverse skew brings the counts back (``skew``, ``unskew``).
"""

from __future__ import annotations

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.grid.vocab import skew, unskew
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import pairs, same_shapes
from trmgolf.solvers.local_rule import stable_colours
from trmgolf.solvers.planes import Planes, fit_planes, object_colours, register_planes
from trmgolf.tasks import COLORS, Example

DIRECTIONS = ("left", "right", "up", "down")  # where the colour lies, seen from the cell
# the diagonals, as (row step, column step) from the cell, in plane order after DIRECTIONS
DIAGONALS = {"up_left": (-1, -1), "up_right": (-1, 1), "down_left": (1, -1), "down_right": (1, 1)}
MAX_SIDE = 20  # larger grids: the planes cost too much, and the fit takes too long


def looking(a: np.ndarray, dy: int, dx: int) -> list[np.ndarray]:
    """[h, w] views of ``a`` from t = 1, 2 ... steps away in direction (dy, dx); -1 past the edge."""
    h, w = a.shape
    views = []
    for t in range(1, max(h, w)):
        v = np.full((h, w), -1, np.int64)
        rows = slice(max(0, -t * dy), min(h, h - t * dy))
        cols = slice(max(0, -t * dx), min(w, w - t * dx))
        src_r = slice(rows.start + t * dy, rows.stop + t * dy)
        src_c = slice(cols.start + t * dx, cols.stop + t * dx)
        if rows.start < rows.stop and cols.start < cols.stop:
            v[rows, cols] = a[src_r, src_c]
        views.append(v)
    return views


def along_diagonals(b: Builder, x: Value, up: Value, down: Value) -> list[Value]:
    """Apply the column sums ``up`` @ . and ``down`` @ . (constants [s, s], rows i < r and
    i > r) along the diagonals of x: the four planes in DIAGONALS order."""
    out = {}
    for anti, (first, second) in ((False, ("up_left", "down_right")), (True, ("up_right", "down_left"))):
        skewed = skew(b, x, anti)
        out[first] = unskew(b, b.op("matmul", up, skewed), anti)
        out[second] = unskew(b, b.op("matmul", down, skewed), anti)
    return [out[d] for d in DIAGONALS]


def ray_planes_grid(a: np.ndarray, colours: tuple[int, ...], diagonals: bool = False) -> np.ndarray:
    """[4k, h, w] uint8 (8k with ``diagonals``): plane k d + i is 1 where colour ``colours[i]``
    lies in direction d."""
    onehot = (a[None] == np.asarray(colours)[:, None, None]).astype(np.int64)
    seen = {
        "left": np.cumsum(onehot, axis=2) - onehot,
        "right": np.cumsum(onehot[:, :, ::-1], axis=2)[:, :, ::-1] - onehot,
        "up": np.cumsum(onehot, axis=1) - onehot,
        "down": np.cumsum(onehot[:, ::-1], axis=1)[:, ::-1] - onehot,
    }
    planes = [np.minimum(seen[d], 1) for d in DIRECTIONS]
    if diagonals:
        for dy, dx in DIAGONALS.values():
            views = looking(a, dy, dx)
            planes.append(np.stack([np.any([v == c for v in views], axis=0) if views
                                    else np.zeros(a.shape, bool) for c in colours]))
    return np.concatenate(planes).astype(np.uint8)


def ray_planes_build(b: Builder, x: Value, colours: tuple[int, ...], diagonals: bool = False) -> Value:
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
    if diagonals:
        seen += along_diagonals(b, x, b.const(after), b.const(before))
    return b.op("min", b.op("concat", *seen, axis=1), inside)


def ray_planes(colours: tuple[int, ...], diagonals: bool = False) -> Planes:
    name = f"{'rays8_' if diagonals else 'rays'}{''.join(map(str, colours))}"
    return Planes(name, (8 if diagonals else 4) * len(colours),
                  lambda a: ray_planes_grid(a, colours, diagonals),
                  lambda b, x: ray_planes_build(b, x, colours, diagonals))


register_planes("rays", ray_planes,
                lambda rng, a, side: {**object_colours(rng, a, side), "diagonals": bool(rng.integers(2))})


def seed_colours(examples: list[Example]) -> tuple[int, ...]:
    """The colours whose rays are drawn: every colour but 0 seen in a fit input."""
    seen = set()
    for a, _ in pairs(examples):
        seen |= set(np.unique(a).tolist())
    return tuple(sorted(seen - {0})) or (0,)


@family("rays", kind="solver", group="rays", tier=140, traits={Trait.BACKGROUND_FILL})
def rays(examples: list[Example]) -> Graph | None:
    """Same-size tasks whose output cell depends on its neighbourhood and on which colours lie
    to its left / right / above / below (lines drawn from seeds, gaps filled between cells)."""
    if not examples or not same_shapes(examples):
        return None
    data = pairs(examples)
    if max(max(a.shape) for a, _ in data) > MAX_SIDE or all(np.array_equal(a, o) for a, o in data):
        return None
    planes = ray_planes(seed_colours(examples))
    kept = stable_colours(examples)
    # the plain fit first (the networks kept so far); failing that, pin the colours that never change
    return fit_planes(examples, planes) or (fit_planes(examples, planes, kept=kept) if kept else None)


@family("rays_diagonal", kind="solver", group="rays", tier=150, traits={Trait.BACKGROUND_FILL})
def rays_diagonal(examples: list[Example]) -> Graph | None:
    """As ``rays``, seeing along the diagonals too (lines drawn at 45 degrees, X-shaped rays).
    Colours that never change are kept (``local_rule.keep_colours``)."""
    if not examples or not same_shapes(examples):
        return None
    data = pairs(examples)
    if all(np.array_equal(a, o) for a, o in data):
        return None
    return fit_planes(examples, ray_planes(seed_colours(examples), diagonals=True),
                      kept=stable_colours(examples))
