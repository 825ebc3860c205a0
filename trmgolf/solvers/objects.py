"""Objects picked by colour: crop the bounding box of one selected colour to the top-left.

``crop_colour`` covers "the output is the part of the input inside the box around the
cells of colour c", where c is chosen per input by a whole-grid statistic: the least or
the most frequent colour other than 0, or one fixed colour. The box keeps every colour
inside it (an object with its markings).

The network on the crop of the largest fit grid: per-colour counts (ReduceSum), the
selected colour as a 0/1 [1,10,1,1] vector (Equal with the ReduceMin / ReduceMax of a
score), its cells M (ReduceSum of input x selection over channels), the box's first and
last row and column (ReduceMin / ReduceMax of masked index vectors), and two 0/1
shift matrices, ``rows[r, i] = (i - r == top) and (i <= bottom)`` and the same for
columns, so that ``rows @ x @ cols^T`` moves the box to the top-left and clears the
rest. Every value is a small integer, exact in float32.
"""

from __future__ import annotations

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.grid.vocab import boxed, colour_counts_ir
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import checked, pairs
from trmgolf.solvers.planes import crop_input, fit_side
from trmgolf.tasks import COLORS, GRID, Example

BIG = 10_000.0  # above any cell count or index of a 30 x 30 grid
SELECTIONS = ("least", "most") + tuple(f"colour{c}" for c in range(1, COLORS))


def selected_colour(a: np.ndarray, selection: str) -> int | None:
    """The colour ``selection`` picks in grid ``a``; None when absent or tied."""
    counts = np.bincount(a.ravel(), minlength=COLORS)
    if selection.startswith("colour"):
        c = int(selection[len("colour"):])
        return c if counts[c] else None
    present = [c for c in range(1, COLORS) if counts[c]]
    if not present:
        return None
    best = (min if selection == "least" else max)(counts[c] for c in present)
    ties = [c for c in present if counts[c] == best]
    return ties[0] if len(ties) == 1 else None


def fit_selection(data: list[tuple[np.ndarray, np.ndarray]]) -> str | None:
    """The first selection whose colour's box is every fit output."""
    for selection in SELECTIONS:
        ok = True
        for a, o in data:
            c = selected_colour(a, selection)
            if c is None or not np.array_equal(boxed(a, (c,)), o):
                ok = False
                break
        if ok:
            return selection
    return None


def selection_vector(b: Builder, x: Value, selection: str) -> Value:
    """float32 [1,10,1,1]: 1 on the selected colour's channel (on every tied one)."""
    if selection.startswith("colour"):
        onehot = np.zeros((1, COLORS, 1, 1), np.float32)
        onehot[0, int(selection[len("colour"):])] = 1.0
        return b.const(onehot)
    counts = colour_counts_ir(b, x)
    if selection == "least":
        # absent colours and colour 0 score BIG, so they are never the minimum
        absent = b.op("cast", b.op("equal", counts, b.const(np.zeros(1, np.float32))), to="float32")
        not_zero = np.zeros((1, COLORS, 1, 1), np.float32)
        not_zero[0, 0] = BIG
        score = b.op("add", b.op("add", counts, b.op("mul", absent, b.const(np.float32(BIG)))),
                     b.const(not_zero))
        best = b.op("reduce_min", score, axes=(1,), keepdims=1)
    else:
        keep = np.ones((1, COLORS, 1, 1), np.float32)
        keep[0, 0] = 0.0
        score = b.op("mul", counts, b.const(keep))
        best = b.op("reduce_max", score, axes=(1,), keepdims=1)
    return b.op("cast", b.op("equal", score, best), to="float32")


def shift_matrix(b: Builder, present: Value, axis: int, side: int) -> Value:
    """0/1 [1,1,s,s] moving the span of ``present`` (0/1 along ``axis``) to index 0 and clearing
    past its end: m[t, i] = (i - t == first) and (i <= last)."""
    shape = (1, 1, side, 1) if axis == 2 else (1, 1, 1, side)
    idx = b.const(np.arange(side, dtype=np.float32).reshape(shape))
    first = b.op("reduce_min", b.op("add", idx, b.op("mul", b.op("sub", b.const(np.float32(1.0)), present),
                                                            b.const(np.float32(BIG)))),
                 axes=(0, 1, 2, 3), keepdims=1)
    last = b.op("reduce_max", b.op("mul", idx, present), axes=(0, 1, 2, 3), keepdims=1)
    i = np.arange(side, dtype=np.float32)
    offset = b.const((i[None, :] - i[:, None]).reshape(1, 1, side, side))  # [t, i] = i - t
    upto = b.op("less", b.const(i.reshape(1, 1, 1, side)), b.op("add", last, b.const(np.float32(1.0))))
    return b.op("cast", b.op("and", b.op("equal", offset, first), upto), to="float32")


def crop_colour_graph(selection: str, side: int) -> Graph:
    b = Builder()
    x = crop_input(b, side)
    cells = b.op("reduce_sum", b.op("mul", x, selection_vector(b, x, selection)), axes=(1,), keepdims=1)
    rows = shift_matrix(b, b.op("reduce_max", cells, axes=(3,), keepdims=1), 2, side)
    cols = shift_matrix(b, b.op("reduce_max", cells, axes=(2,), keepdims=1), 3, side)
    out = b.op("matmul", b.op("matmul", rows, x), b.op("transpose", cols, perm=(0, 1, 3, 2)))
    if side < GRID:
        out = b.op("pad", out, pads=(0, 0, 0, 0, 0, 0, GRID - side, GRID - side))
    return b.finish(out)


@family("crop_colour", kind="solver", group="objects", tier=190, traits={Trait.OUT_IS_SUBGRID, Trait.OBJECTS})
def crop_colour(examples: list[Example]) -> Graph | None:
    """The output is the box around the cells of one colour: the least or most frequent colour
    other than 0, or a fixed one (an object cut out with everything inside its box)."""
    if not examples:
        return None
    data = pairs(examples)
    if all(a.shape == o.shape for a, o in data):
        return None
    selection = fit_selection(data)
    if selection is None:
        return None
    return checked(crop_colour_graph(selection, fit_side(examples)), examples)
