"""Fixed-shape lowerings of view rules: each view as 0/1 route matrices inside one Einsum.

When every fit input has one shape, an index-map view is a constant re-arrangement:
view cell (r, c) reads input cell (rows[r], cols[c]) (of the transpose, for a
transposed view). A k x k stencil over the view reads, at kernel position (a, b), view
cell (r + a - top, c + b - left): again a row map and a column map, zero where the
stencil falls off the view's grid. So the whole rule

    out[o, r, c] = sum_{v, a, b, i} W[o, v, i, a, b] * x[i, R_vab(r), C_vab(c)] + bias[o]

is a single ``Einsum("xipq,varp,vbcq,vaboi->xorc", x, R, C, W)`` with one-hot route
matrices R [V, kh, 30, h] and C [V, kw, 30, w] whose rows past the output grid are zero:
it writes ``output`` directly, so no view, Concat or Conv output is ever materialised
(the old network held each view as a [1,10,30,30] float32 tensor). The bias is folded
into the weights of view 0's centre tap: every in-grid cell of a one-hot view has exactly
one channel set, so adding ``bias[o]`` to each of those weights adds ``bias[o]`` there;
outside the output grid every route row is zero and the output is 0 (not a colour).

The input is used whole (routes 30 wide), first sliced to the fit shape (routes h / w wide,
plus the slice's memory) or whole but read through a selector ``S = eye(30, h)`` per axis
(routes h / w wide, plus 30h params, no intermediate); the weights are written as they are
or factored through colour classes, ``W = Cout[o,u] W'[v,a,b,u,d] Cin[i,d]`` where input
colours with identical weights share a class d and output colours with identical weights a
class u (public task315: a [10,3] class matrix for both and [2,3,3] weights instead of
[2,10,10]). Every combination is built and the cheapest kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from trmgolf.families.contract import estimated_cost
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.geometry import AxisMap, IndexMap, RuntimeIndices
from trmgolf.solvers.local_rule import Stencil
from trmgolf.tasks import COLORS, GRID, Example

# The input comes first: onnxruntime contracts left to right, and starting from the weights
# builds a [V, O, 10, 30, 30, ...] temporary (about 1000x slower than routing the input first).
EQUATION = "xipq,varp,vbcq,vaboi->xorc"
# Fit examples from which the largest grid seen is trusted as the largest grid there is (train
# + half of ARC-GEN holds well over this; a handful of ARC examples does not): with fewer, run-time
# routes span the whole 30 x 30 input and canvas, so larger grids stay exact.
CANVAS_MIN_EXAMPLES = 20
TRANSPOSED = "xipq,varq,vbcp,vaboi->xorc"  # every view reads the transposed input
WHOLE, SLICED, SELECTED = "whole", "sliced", "selected"  # how the routes read the input
SOURCES = (WHOLE, SLICED, SELECTED)


@dataclass(frozen=True)
class Shapes:
    """Per axis (rows, columns): the one extent of every fit input / output, None where they differ."""

    input: tuple[int | None, int | None]
    output: tuple[int | None, int | None]
    # the largest fit input / output extent per axis (the canvas of run-time routes), and
    # whether every fit input is square (one measured side serves both axes)
    largest_input: tuple[int, int] = (GRID, GRID)
    largest_output: tuple[int, int] = (GRID, GRID)
    square: bool = False
    count: int = 0  # fit examples the extents were taken from

    @property
    def fixed_input(self) -> tuple[int, int] | None:
        h, w = self.input
        return None if h is None or w is None else (h, w)


def shapes_of(examples: list[Example]) -> Shapes:
    def one(values: set[int]) -> int | None:
        return values.pop() if len(values) == 1 else None

    def axes(grids: list[list[list[int]]]) -> tuple[int | None, int | None]:
        return one({len(g) for g in grids}), one({len(g[0]) for g in grids})

    def largest(grids: list[list[list[int]]]) -> tuple[int, int]:
        return max((len(g) for g in grids), default=GRID), max((len(g[0]) for g in grids), default=GRID)

    return Shapes(axes([e.input for e in examples]), axes([e.output for e in examples]),
                  largest([e.input for e in examples]), largest([e.output for e in examples]),
                  all(len(e.input) == len(e.input[0]) for e in examples), len(examples))


@dataclass(frozen=True)
class Route:
    """Where a view reads on an input of one shape: view cell (r, c) is input cell
    (rows[r], cols[c]); with ``transpose`` it is input cell (cols[c], rows[r])."""

    transpose: bool
    rows: np.ndarray
    cols: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.cols)


def _route_matrix(index: np.ndarray, k: int, start: int, step: int, out_lines: int,
                  source: int) -> np.ndarray:
    """[k, out_lines, source] 0/1: kernel position a, output line r reads source line
    index[r + a*step - start] (a zero row when that falls off the view or past ``out_lines``)."""
    m = np.zeros((k, out_lines, source), np.float32)
    n = len(index)
    for a in range(k):
        for r in range(min(n, out_lines)):
            s = r + a * step - start
            if 0 <= s < n:
                m[a, r, index[s]] = 1.0
    return m


def _source(b: Builder, shape: tuple[int, int], sliced: bool, mixed: bool) -> tuple[Value, int, int]:
    """The tensor the routes read (sliced to ``shape`` or whole; with the transposed input
    stacked after it on the channel axis when views mix orientations) and its extents."""
    h, w = shape if sliced else (GRID, GRID)
    if mixed:
        h = w = max(h, w)
    x: Value = b.input
    if (h, w) != (GRID, GRID):
        x = b.op("slice", b.input, starts=(0, 0), ends=(h, w), axes=(2, 3))
    if mixed:
        x = b.op("concat", x, b.op("transpose", x, perm=(0, 1, 3, 2)), axis=1)
    return x, h, w


def colour_classes(w: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Colours (indices of ``axis``) whose slices of ``w`` are identical, as a 0/1 class matrix
    [colours, classes] (an all-zero slice is in no class), and ``w`` with one slice per class
    on ``axis`` (classes in the order of their first colour)."""
    moved = np.moveaxis(w, axis, 0)
    keys: dict[bytes, int] = {}
    members = np.zeros((moved.shape[0], moved.shape[0]), np.float32)
    kept: list[np.ndarray] = []
    for colour, part in enumerate(moved):
        if not part.any():
            continue
        key = np.ascontiguousarray(part).tobytes()
        if key not in keys:
            keys[key] = len(kept)
            kept.append(part)
        members[colour, keys[key]] = 1.0
    if not kept:
        kept.append(np.zeros_like(moved[0]))
    reduced = np.moveaxis(np.stack(kept), 0, axis)
    return members[:, :len(kept)].copy(), np.ascontiguousarray(reduced)


def routed_linear(b: Builder, routes: list[Route], shape: tuple[int, int], weights: np.ndarray,
                  bias: np.ndarray | None, st: Stencil, out_shape: tuple[int, int], source: str,
                  factored: bool = False) -> Value:
    """``weights`` [O, V*10, kh, kw] applied to the stencil over the views as one Einsum;
    the result is [1, O, *out_shape] with zero lines past the views' grid. ``source`` says
    how the routes read the input (``SOURCES``); ``factored``: weights through colour classes."""
    transposes = [r.transpose for r in routes]
    mixed = len(set(transposes)) > 1
    x, h, w = _source(b, shape, source == SLICED, mixed)
    if source == SELECTED:
        h, w = shape
        if mixed:
            h = w = max(h, w)
    _, _, kh, kw = weights.shape
    rows = np.zeros((len(routes), kh, out_shape[0], h if not routes[0].transpose or mixed else w), np.float32)
    cols = np.zeros((len(routes), kw, out_shape[1], w if not routes[0].transpose or mixed else h), np.float32)
    for v, route in enumerate(routes):
        rows[v] = _route_matrix(route.rows, kh, st.top, st.dh, out_shape[0], rows.shape[-1])
        cols[v] = _route_matrix(route.cols, kw, st.left, st.dw, out_shape[1], cols.shape[-1])
    wt = _view_weights(transposes, weights, bias, st)
    equation = TRANSPOSED if routes[0].transpose and not mixed else EQUATION
    terms = equation.split("->")[0].split(",")
    operands = [x, b.const(rows), b.const(cols)]
    if factored:
        c_in, wt = colour_classes(wt, 4)
        c_out, wt = colour_classes(wt, 3)
        terms[3:] = ["id", "vabud", "ou"]
        operands += [b.const(c_in), b.const(wt), b.const(c_out)]
    else:
        operands.append(b.const(wt))
    if source == SELECTED:
        # the input's rows y / columns z reach the routes' lines p (h of them) / q (w) through
        # eye(30, h) / eye(30, w)
        terms[0:1] = ["xiyz", "yp", "zq"]
        operands[1:1] = [b.const(np.eye(GRID, n, dtype=np.float32)) for n in (h, w)]
    return b.op("einsum", *operands, equation=",".join(terms) + "->xorc")


def _view_weights(transposes: list[bool], weights: np.ndarray, bias: np.ndarray | None,
                  st: Stencil) -> np.ndarray:
    """``weights`` [O, V*10, kh, kw] as the Einsum's [V, kh, kw, O, C] operand (C = 20 when the
    views mix orientations: a transposed view reads the transposed copy, channels 10..19),
    with the bias folded into view 0's centre tap."""
    mixed = len(set(transposes)) > 1
    n_out, _, kh, kw = weights.shape
    channels = 2 * COLORS if mixed else COLORS
    wt = np.zeros((len(transposes), kh, kw, n_out, channels), np.float32)
    for v, transpose in enumerate(transposes):
        offset = COLORS if mixed and transpose else 0
        block = weights[:, v * COLORS:(v + 1) * COLORS]  # [O, 10, kh, kw]
        wt[v, :, :, :, offset:offset + COLORS] = block.transpose(2, 3, 0, 1)
    if bias is not None:
        offset = COLORS if mixed and transposes[0] else 0
        wt[0, st.top, st.left, :, offset:offset + COLORS] += bias[:, None]
    return wt


def _cheapest(graphs: list[Graph]) -> Graph:
    return min(graphs, key=estimated_cost)


def routed_conv_graph(routes: list[Route], shape: tuple[int, int], weights: np.ndarray, bias: np.ndarray,
                      st: Stencil) -> Graph:
    """The linear-threshold rule written straight into ``output`` by one Einsum."""
    graphs = []
    for source, factored in product(SOURCES, (False, True)):
        b = Builder()
        graphs.append(b.finish(routed_linear(b, routes, shape, weights, bias, st, (GRID, GRID), source,
                                             factored)))
    return _cheapest(graphs)


def routed_table_graph(routes: list[Route], shape: tuple[int, int], w1: np.ndarray, b1: np.ndarray,
                       labels: np.ndarray, st: Stencil) -> Graph:
    """The lookup-table rule: hidden units on the output grid only (one Einsum, ReLU), then
    each unit routed to its colour's channel in ``output`` by a second Einsum. At most one
    unit is 1 at a cell and the rest 0, so the colour channel is 1 and the others 0 (the
    Conv form's -1/2 bias is not needed: an unmatched cell is wrong either way)."""
    out_shape = routes[0].shape
    to_colour = np.zeros((COLORS, len(labels)), np.float32)
    to_colour[labels, np.arange(len(labels))] = 1.0
    pad_rows = np.eye(GRID, out_shape[0], dtype=np.float32)
    pad_cols = np.eye(GRID, out_shape[1], dtype=np.float32)
    graphs = []
    for source, factored in product(SOURCES, (False, True)):
        b = Builder()
        hidden = b.op("relu", routed_linear(b, routes, shape, w1, b1, st, out_shape, source, factored))
        out = b.op("einsum", hidden, b.const(pad_rows), b.const(pad_cols), b.const(to_colour),
                   equation="xhpq,rp,cq,oh->xorc")
        graphs.append(b.finish(out))
    return _cheapest(graphs)


def routed_pick_graph(b: Builder, rows: Value, cols: Value, weights: np.ndarray, bias: np.ndarray) -> Graph:
    """A 1x1 rule over one view given as run-time route matrices ``rows`` [Lr, 30] and
    ``cols`` [Lc, 30] (0/1 floats, one 1 per in-view line, zero rows elsewhere): one Einsum
    routes the input, applies the weights (bias folded as above) and, when a route is shorter
    than 30 lines, places it in the top-left of ``output`` through a constant [30, L] eye."""
    w = (weights[:, :, 0, 0] + bias[:, None]).astype(np.float32)
    operands = [b.input, rows, cols, b.const(w)]
    terms = ["xipq", "rp", "cq", "oi"]
    out = "xo"
    for line, value in (("r", rows), ("c", cols)):
        n = value.type.shape[0]
        if n < GRID:
            operands.append(b.const(np.eye(GRID, n, dtype=np.float32)))
            terms.append(line.upper() + line)
            out += line.upper()
        else:
            out += line
    return b.finish(b.op("einsum", *operands, equation=",".join(terms) + "->" + out))


def _runtime_table(maps: list[AxisMap], k: int, start: int, step: int, canvas: int, lines: int) -> np.ndarray:
    """[lines + 1, V, k, canvas, 1] int32: at grid extent n (row n), the source line that canvas
    line r of view v reads at kernel position a, or -1 (matches no line: a zero route row)
    where the stencil falls off the view or r is past the view's extent."""
    table = np.full((lines + 1, len(maps), k, canvas, 1), -1, np.int32)
    for n in range(1, lines + 1):
        for v, amap in enumerate(maps):
            index = amap.indices(n)
            if index is None:
                continue
            for a in range(k):
                for r in range(min(len(index), canvas)):
                    s = r + a * step - start
                    if 0 <= s < len(index):
                        table[n, v, a, r, 0] = index[s]
    return table


def runtime_routed_conv_graph(maps: list[IndexMap], shapes: Shapes, weights: np.ndarray, bias: np.ndarray,
                              st: Stencil) -> Graph | None:
    """The linear-threshold rule over index-map views of inputs of any size, on a canvas as
    large as the largest fit output: the routes of ``routed_linear`` built at run time.

    The input is sliced to the largest fit input; per axis, the row of a constant table picked
    by the grid's run-time extent (``RuntimeIndices.extent``) gives each view's source line for
    every canvas line and kernel position, and Equal with a ramp turns it into 0/1 route
    matrices [V, k, canvas, lines]. One Einsum applies the weights and places the canvas in
    the top-left of ``output`` through constant [30, canvas] eyes. Nothing 10 x 30 x 30 is
    materialised. With fewer than ``CANVAS_MIN_EXAMPLES`` fit examples the source and canvas
    are the whole 30 x 30 grid. None when the views mix orientations on grids that are not square."""
    transposes = [m.transpose for m in maps]
    mixed = len(set(transposes)) > 1
    if mixed and not shapes.square:
        return None
    trusted = shapes.count >= CANVAS_MIN_EXAMPLES
    b = Builder()
    runtime = RuntimeIndices(b, shapes.square)
    x, h, w = _source(b, shapes.largest_input, trusted, mixed)
    flipped = transposes[0] and not mixed  # every view reads the transposed input
    lines = (w, h) if flipped else (h, w)  # source lines the row / column routes read
    canvas = shapes.largest_output if trusted else (GRID, GRID)
    taps = ((st.kh, st.top, st.dh), (st.kw, st.left, st.dw))
    built: dict[tuple[bytes, int], Value] = {}
    routes = []
    for axis in (0, 1):
        k, start, step = taps[axis]
        table = _runtime_table([m.cols if axis else m.rows for m in maps], k, start, step, canvas[axis],
                               lines[axis])
        source_axis = 3 - axis if flipped else 2 + axis
        key = (table.tobytes() + bytes(table.shape), source_axis if not shapes.square else 0)
        if key not in built:
            extent = runtime.extent(source_axis)
            if lines[axis] < GRID:  # a grid larger than any fit grid reads the last row, not past the table
                extent = b.op("min", extent, b.const(np.array(lines[axis], np.int32)))
            index = b.op("gather", b.const(table), extent, axis=0)  # [V, k, canvas, 1]
            ramp = b.const(np.arange(lines[axis], dtype=np.int32))
            built[key] = b.op("cast", b.op("equal", index, ramp), to="float32")
        routes.append(built[key])
    wt = _view_weights(transposes, weights, bias, st)
    lhs, out = (TRANSPOSED if flipped else EQUATION).split("->")
    operands = [x, routes[0], routes[1], b.const(wt)]
    for letter, size in zip("rc", canvas, strict=True):
        if size < GRID:
            operands.append(b.const(np.eye(GRID, size, dtype=np.float32)))
            lhs += f",{letter.upper()}{letter}"
            out = out.replace(letter, letter.upper())
    return b.finish(b.op("einsum", *operands, equation=f"{lhs}->{out}"))
