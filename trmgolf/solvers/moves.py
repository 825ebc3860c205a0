"""Rules that move cells: zero-filled shifts and gravity.

* ``shift``: the grid moves by a fixed (dy, dx); vacated cells get a fill colour and
  cells pushed past the border vanish. One Conv, read as a threshold: output channel c
  (not the fill colour) = x_c(r - dy, c - dx) + inside(r, c) - 1, the fill channel =
  inside(r, c) - (a colour other than f at (r - dy, c - dx)), where
  inside(r, c) = the sum of the ten channels at the cell itself. Exact in 0/1 values,
  <= 0 outside the grid. (|dy|+1) x (|dx|+1) kernel, no intermediate.
* ``gravity``: every cell that is not the background colour falls in one direction
  until it meets another cell or the border, keeping its order (a stable partition of
  each column). A cell's target row is computed from cumulative counts: with A the
  cells going to the "top" (the background when things fall down) and B the others,
  an A cell at row i goes to row (A cells above i), a B cell to row i + (A cells below
  i): two matmuls of the A mask with triangular 0/1 matrices. The output is then
  sum_i x[:, i, col] * [target(i, col) == r], one Einsum with a [30,30,30] one-hot
  of the targets. All values are small integers, exact in float32; cells outside the
  grid are all-zero, so whatever their target they add nothing.
"""

from __future__ import annotations

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import checked, pairs, same_shapes
from trmgolf.tasks import COLORS, GRID, Example

MAX_SHIFT = 4


def shifted(a: np.ndarray, dy: int, dx: int, fill: int) -> np.ndarray:
    h, w = a.shape
    out = np.full_like(a, fill)
    if abs(dy) >= h or abs(dx) >= w:
        return out
    ys, xs = slice(max(dy, 0), h + min(dy, 0)), slice(max(dx, 0), w + min(dx, 0))
    ya, xa = slice(max(-dy, 0), h + min(-dy, 0)), slice(max(-dx, 0), w + min(-dx, 0))
    out[ys, xs] = a[ya, xa]
    return out


def fit_shift(examples: list[Example]) -> tuple[int, int, int] | None:
    """(dy, dx, fill) of a shift with a constant fill colour explaining every example."""
    data = pairs(examples)
    if not data or not same_shapes(examples):
        return None
    for dist in range(1, MAX_SHIFT + 1):
        for dy in range(-dist, dist + 1):
            for dx in range(-dist, dist + 1):
                if max(abs(dy), abs(dx)) != dist:
                    continue
                fills = set()
                for a, o in data:
                    vacated = shifted(np.zeros_like(a), dy, dx, 1).astype(bool)
                    fills |= set(np.unique(o[vacated]).tolist())
                if len(fills) > 1:
                    continue
                fill = fills.pop() if fills else 0
                if all(np.array_equal(shifted(a, dy, dx, fill), o) for a, o in data):
                    return dy, dx, fill
    return None


def shift_graph(dy: int, dx: int, fill: int) -> Graph:
    kh, kw = abs(dy) + 1, abs(dx) + 1
    top, left = max(dy, 0), max(dx, 0)
    w = np.zeros((COLORS, COLORS, kh, kw), np.float32)
    bias = np.full(COLORS, -1.0, np.float32)
    si, sj = top - dy, left - dx  # the kernel tap reading (r - dy, c - dx)
    for c in range(COLORS):
        w[c, c, si, sj] += 1.0
        w[c, :, top, left] += 1.0  # inside(r, c)
    w[fill, :, si, sj] -= 1.0  # fill = inside - (a colour other than fill arrives)
    bias[fill] = 0.0
    b = Builder()
    out = b.op("conv2d", b.input, b.const(w), b.const(bias),
               pads=(top, left, kh - 1 - top, kw - 1 - left))
    return b.finish(out)


@family("shift", kind="solver", group="shift", tier=80, traits={Trait.MOVES})
def shift(examples: list[Example]) -> Graph | None:
    """The grid shifted by a fixed offset; vacated cells take one fill colour (not wrap-around)."""
    fitted = fit_shift(examples)
    if fitted is None:
        return None
    return checked(shift_graph(*fitted), examples)


# -- gravity -----------------------------------------------------------------------------------

# the direction things fall -> (transpose to make it vertical, falls towards the bottom)
DIRECTIONS = {"down": (False, True), "up": (False, False), "right": (True, True), "left": (True, False)}


def fall(a: np.ndarray, direction: str, background: int) -> np.ndarray:
    transpose, down = DIRECTIONS[direction]
    x = a.T if transpose else a
    out = np.full_like(x, background)
    for c in range(x.shape[1]):
        col = x[:, c]
        moving = col[col != background]
        if len(moving):
            if down:
                out[len(col) - len(moving):, c] = moving
            else:
                out[:len(moving), c] = moving
    return out.T if transpose else out


def fit_gravity(examples: list[Example]) -> tuple[str, int] | None:
    data = pairs(examples)
    if not data or not same_shapes(examples) or all(np.array_equal(a, o) for a, o in data):
        return None
    for background in (0, *range(1, COLORS)):
        if not all((a == background).any() for a, _ in data):
            continue
        for direction in DIRECTIONS:
            if all(np.array_equal(fall(a, direction, background), o) for a, o in data):
                return direction, background
    return None


def gravity_graph(direction: str, background: int) -> Graph:
    transpose, down = DIRECTIONS[direction]
    b = Builder()
    x: Value = b.input
    if transpose:
        x = b.op("transpose", x, perm=(0, 1, 3, 2))
    # A: the cells that end at the top (the background when falling down), [1,1,30,30]
    w = np.full((1, COLORS, 1, 1), 0.0 if down else 1.0, np.float32)
    w[0, background] = 1.0 if down else 0.0
    top = b.op("conv2d", x, b.const(w))
    i = np.arange(GRID)
    tri = np.stack([(i[None, :] < i[:, None]), (i[None, :] > i[:, None])]).astype(np.float32)
    counts = b.op("matmul", b.const(tri), top)  # [1,2,30,30]: A above, A below
    above, below = b.ops("split", counts, axis=1, sizes=(1, 1))
    rows = b.const(i.astype(np.float32).reshape(GRID, 1))
    goes_down = b.op("add", below, rows)  # a B cell's target
    target = b.op("add", goes_down, b.op("mul", top, b.op("sub", above, goes_down)))
    target = b.op("reshape", target, shape=(1, GRID, GRID))  # [1, i, col]
    onehot = b.op("cast", b.op("equal", target, b.const(i.astype(np.float32).reshape(GRID, 1, 1))),
                  to="float32")  # [r, i, col]
    out = b.op("einsum", x, onehot, equation="bcij,rij->bcrj")
    if transpose:
        out = b.op("transpose", out, perm=(0, 1, 3, 2))
    return b.finish(out)


@family("gravity", kind="solver", group="gravity", tier=90, traits={Trait.MOVES})
def gravity(examples: list[Example]) -> Graph | None:
    """Every non-background cell falls down / up / left / right until blocked, keeping its order."""
    fitted = fit_gravity(examples)
    if fitted is None:
        return None
    return checked(gravity_graph(*fitted), examples)
