"""A separable rule written as two nearest-neighbour Resize nodes (public task317: 18 params).

Each Resize (``tf_crop_and_resize``, mode nearest, an ROI and sizes as tiny constants) maps
output line i of an axis to input line ``nearest(a + b*i)``, or to 0 (the extrapolation
value) where ``a + b*i`` leaves the input axis; onnxruntime leaves an axis whose length does
not change as it is, so an axis is resampled in two steps through an intermediate length K:
the first Resize samples the K lines the rule reads (line p of the intermediate reads input
line ``g(p)``), the second spreads them over the output (output line i reads intermediate
line ``f(i)``), and the rule's route is ``g(f(i))``. That writes a down-sample, an up-sample,
a crop window, a flip of the read lines and their compositions (sample the block centres,
then blow each up) on rows, columns and colours (a colour read by one output channel only)
for ``6 * axes`` params and the intermediate's bytes.

Each step is fitted per axis and nearest mode by a tiny LP over (a, b) that keeps every
coordinate at least ``MIN_MARGIN`` inside its rounding interval (float32 rounding cannot
flip a line), except that output line 0 may sit exactly on a closed edge (``a`` a whole
number computed exactly: a floor step reads the last intermediate line only at exactly K-1;
holding the lines reversed puts that line at output line 0), and then checked with the
exact model of onnxruntime's arithmetic (``ir.resize_reference``). The mapping depends on
the constants only, never on the input, so that check holds for every input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy.optimize import linprog

from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.ir.resize_reference import axis_mapping

GRID = 30
COLORS = 10
FLOAT_BYTES = 4
MODES = ("floor", "round_prefer_floor", "ceil")
MIN_MARGIN = 0.02  # of a line: float32 error on coordinates below 30 is about 1e-5
STEPS_PER_UNIT = 2  # step fits (1-3 tiny LPs, ~5 ms) per work unit of the search's Budget

Route = tuple[int | None, ...]  # per output line, the input line it reads (None: nothing)
Target = tuple[str, int]  # ("read", line), ("low", 0) / ("high", 0): extrapolated, ("free", 0)


def _interval(line: int, mode: str) -> tuple[float, float]:
    """The coordinates that ``mode`` rounds to ``line``."""
    if mode == "floor":
        return line, line + 1
    if mode == "ceil":
        return line - 1, line
    return line - 0.5, line + 0.5


def _anchors(target: Target, length_in: int, mode: str) -> list[float]:
    """Exact coordinates for output line 0 on the closed edge of its rounding interval (a
    floor interval [v, v+1) has no margin at v, nor [K-1, K-1] at the axis's end): line 0's
    coordinate is ``fl(s*(L-1)) + 0``, exactly an integer or half when that product is."""
    kind, line = target
    if kind != "read":
        return []
    edge = {"floor": float(line), "ceil": float(line), "round_prefer_floor": line + 0.5}[mode]
    if not 0 <= edge <= length_in - 1:
        return []
    start = np.float32(edge / (length_in - 1))
    return [edge] if float(np.float32(start * np.float32(length_in - 1))) == edge else []


def fit_step(targets: list[Target], length_in: int, mode: str) -> tuple[float, float] | None:
    """Coordinates ``a + b*i`` per output line i meeting ``targets`` on an input axis of
    ``length_in`` lines, with the widest margin (at least MIN_MARGIN; output line 0 may sit
    exactly on an edge instead, see ``_anchors``); None when none."""
    found = _fit_step(targets, length_in, mode, None)
    for anchor in _anchors(targets[0], length_in, mode) if found is None else []:
        found = _fit_step(targets, length_in, mode, anchor)
        if found is not None:
            break
    return found


def _fit_step(targets: list[Target], length_in: int, mode: str, anchor: float | None
              ) -> tuple[float, float] | None:
    rows, bounds = [], []
    top = length_in - 1
    for i, (kind, line) in enumerate(targets):
        if anchor is not None and i == 0:
            continue  # met exactly (the caller's check), not by a margin
        if kind == "read":
            lo, hi = _interval(line, mode)
            rows += [[-1.0, -i, 1.0], [1.0, i, 1.0]]  # a + b i >= max(lo, 0) + m, <= min(hi, top) - m
            bounds += [-max(lo, 0.0), min(hi, top)]
        elif kind == "low":
            rows.append([1.0, i, 1.0])
            bounds.append(0.0)
        elif kind == "high":
            rows.append([-1.0, -i, 1.0])
            bounds.append(-float(top))
    res = linprog([0.0, 0.0, -1.0], A_ub=np.array(rows), b_ub=np.array(bounds),
                  bounds=[(-4.0 * GRID, 4.0 * GRID) if anchor is None else (anchor, anchor),
                          (-2.0 * GRID, 2.0 * GRID), (0.0, 0.5)], method="highs")
    if res.status != 0 or res.x[2] < MIN_MARGIN:
        return None
    return float(res.x[0]), float(res.x[1])


def _roi(ab: tuple[float, float], length_in: int, length_out: int) -> tuple[float, float]:
    """The ``tf_crop_and_resize`` ROI whose coordinates are ``a + b*i``."""
    a, b = ab
    start = float(np.float32(a / (length_in - 1)))
    return start, start + b * (length_out - 1) / (length_in - 1)


def _meets(mapping: list[int], targets: list[Target]) -> bool:
    for got, (kind, line) in zip(mapping, targets, strict=True):
        if kind == "read" and got != line or kind in ("low", "high") and got != -1:
            return False
    return True


@dataclass(frozen=True)
class AxisPlan:
    """One resampled axis: its intermediate length and both steps' ROIs."""

    axis: int  # 1 colours, 2 rows, 3 columns
    inner: int
    first: tuple[float, float]  # input -> intermediate
    second: tuple[float, float]  # intermediate -> output


def _layouts(reads: int, length: int) -> list[tuple[int, int]]:
    """(offset, K): the read lines sit at intermediate lines offset.., with spare lines around
    them (a floor / ceil rounding interval of the last / first line is empty at the edge)."""
    out = []
    for offset, spare in ((0, 0), (0, 1), (1, 0), (1, 1)):
        inner = reads + offset + spare
        if inner >= 2 and inner != length:
            out.append((offset, inner))
    return sorted(out, key=lambda t: (t[1], t[0]))


StepFit = Callable[[tuple[Target, ...], int, str], "tuple[float, float] | None"]


def memo_fit(charge: Callable[[int], None]) -> StepFit:
    """``fit_step`` remembered per (targets, length, mode), charging one per fit it runs."""
    memo: dict[tuple[tuple[Target, ...], int, str], tuple[float, float] | None] = {}

    def fit(targets: tuple[Target, ...], length_in: int, mode: str) -> tuple[float, float] | None:
        key = (targets, length_in, mode)
        if key not in memo:
            charge(1)
            memo[key] = fit_step(list(targets), length_in, mode)
        return memo[key]
    return fit


def axis_plans(route: Route, length: int, axis: int, modes: tuple[str, str], fit: StepFit
               ) -> AxisPlan | None:
    """The smallest-intermediate two-step resample of ``route`` (output lines -> input lines of
    an axis of ``length``) with the given nearest modes; None when it has none."""
    order: list[int] = []
    for r in route:
        if r is not None and (not order or order[-1] != r):
            if r in order:
                return None  # a line read again after another: not monotone
            order.append(r)
    if not order:
        return None
    read = [i for i, r in enumerate(route) if r is not None]
    if any(route[i] is None for i in range(read[0], read[-1] + 1)):
        return None  # a gap inside: no affine coordinate skips it
    for (offset, inner), reverse in product(_layouts(len(order), length), (False, True)):
        # the intermediate holds the read lines in the route's order, or reversed (then the
        # second step's coordinates fall: a closed top edge becomes output line 0's anchor)
        first_targets: list[Target] = [("free", 0)] * inner
        position = {}
        for k, line in enumerate(order):
            position[line] = inner - 1 - offset - k if reverse else offset + k
            first_targets[position[line]] = ("read", line)
        before, after = ("high", "low") if reverse else ("low", "high")
        second_targets: list[Target] = [
            ("read", position[r]) if r is not None else (before, 0) if i < read[0] else (after, 0)
            for i, r in enumerate(route)]
        first = fit(tuple(first_targets), length, modes[0])
        second = fit(tuple(second_targets), inner, modes[1]) if first is not None else None
        if first is None or second is None:
            continue
        roi1, roi2 = _roi(first, length, inner), _roi(second, inner, length)
        if (_meets(axis_mapping(length, inner, *roi1, modes[0]), first_targets)
                and _meets(axis_mapping(inner, length, *roi2, modes[1]), second_targets)):
            return AxisPlan(axis, inner, roi1, roi2)
    return None


@dataclass(frozen=True)
class Plan:
    modes: tuple[str, str]
    axes: tuple[AxisPlan, ...]

    @property
    def inner_shape(self) -> tuple[int, int, int, int]:
        shape = [1, COLORS, GRID, GRID]
        for p in self.axes:
            shape[p.axis] = p.inner
        return shape[0], shape[1], shape[2], shape[3]

    @property
    def cost(self) -> int:
        c, h, w = self.inner_shape[1:]
        return 6 * len(self.axes) + FLOAT_BYTES * c * h * w

    def label(self) -> str:
        names = {1: "colours", 2: "rows", 3: "cols"}
        return "resize2/" + ",".join(f"{names[p.axis]}{p.inner}" for p in self.axes)


def colour_route(colours: tuple[int | None, ...], kept: tuple[int, ...]) -> Route | None:
    """Per output colour, the one kept input colour that becomes it (None: none); None when
    two colours become one (a Resize cannot add them)."""
    route: list[int | None] = [None] * COLORS
    for c in kept:
        o = colours[c]
        if o is None:
            continue
        if route[o] is not None:
            return None
        route[o] = c
    return tuple(route)


def plan(rows: Route, cols: Route, colours: tuple[int | None, ...], kept: tuple[int, ...],
         extents: tuple[int, int], charge: Callable[[int], None]) -> Plan | None:
    """The cheapest two-Resize plan of a (not transposed) separable rule, or None."""
    wanted: list[tuple[int, Route, int]] = []
    for axis, route, extent in ((2, rows, extents[0]), (3, cols, extents[1])):
        if not all(r == i or (r is None and i >= extent) for i, r in enumerate(route)):
            wanted.append((axis, route, GRID))
    if not all(c == v for v, c in enumerate(colours)):
        route = colour_route(colours, kept)
        if route is None:
            return None
        wanted.append((1, route, COLORS))
    if not wanted:
        return None
    best: Plan | None = None
    fit = memo_fit(charge)
    for modes in product(MODES, MODES):
        axes = []
        for axis, route, length in sorted(wanted):
            p = axis_plans(route, length, axis, modes, fit)
            if p is None:
                break
            axes.append(p)
        else:
            candidate = Plan(modes, tuple(axes))
            shape = candidate.inner_shape
            if (shape[1], shape[2], shape[3]) == (COLORS, GRID // 2, GRID // 2):
                continue  # onnxruntime's 2x fast path ignores the ROI
            if best is None or candidate.cost < best.cost:
                best = candidate
    return best


def plan_graph(p: Plan) -> Graph:
    """The two Resize nodes, the second writing ``output``."""
    b = Builder()
    axes = [a.axis for a in p.axes]
    x = b.input
    steps = ((p.inner_shape, p.modes[0]), ((1, COLORS, GRID, GRID), p.modes[1]))
    for step, (shape, mode) in enumerate(steps):
        rois = [a.first if step == 0 else a.second for a in p.axes]
        roi = np.array([r[0] for r in rois] + [r[1] for r in rois], np.float32)
        x = b.op("resize", x, sizes=tuple(shape[a] for a in axes), axes=tuple(axes),
                 roi=tuple(float(v) for v in roi), coordinate_transformation_mode="tf_crop_and_resize",
                 nearest_mode=mode, extrapolation_value=0.0)
    return b.finish(x)
