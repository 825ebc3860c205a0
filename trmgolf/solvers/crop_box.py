"""Crop to a box found at run time: the cells inside the bounding box of a selection, moved to
the top-left.

The selection is one colour c, or every colour but a background b (the single object of a
task). Per output axis the rule reads source lines of the box [first, last] of the selected
cells along that axis: the whole box (shrunk or grown by a margin of one line per side) or a
window of fixed length L anchored at the box's near or far edge, optionally reversed
(``flip``), optionally read from the input's mirror image (``mirror``: a hole filled from
its mirror cells); the output may be the transposed crop and its colours mapped one to one.

The network keeps static shapes: K (the longest line count any fit output shows per axis,
L for a fixed window) output lines are computed, and the lines past the box are cleared.
Two lowerings, the cheaper kept:

* ``routes``: per axis the selection's line counts (one Einsum), the box's edges (ArgMax,
  ``select_last_index`` for the far edge), a 0/1 route matrix [K, 30] (output line r reads
  source line s(r): Equal of ``edge + offsets`` against the source lines, Cast) and a 0/1
  mask of the source lines inside the box; one Einsum routes the input, applies the colour
  map and places the K x K crop in ``output`` through constant [30, K] eyes.
* ``roi``: one MaxRoiPool with a run-time ROI of exactly K lines per axis (bins of one cell,
  empty past the canvas), then an Einsum with 0/1 masks of the lines inside the box, the
  colour map and the eyes (reversed for a flipped axis, the window anchored at the far
  edge). No mirror images.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from trmgolf.families.contract import Trait, estimated_cost
from trmgolf.families.registry import family
from trmgolf.grid.vocab import bbox
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import checked, grid_extent, pairs
from trmgolf.tasks import COLORS, GRID, Example

MAX_COMBOS = 20_000  # (selection, row rule, column rule) triples checked per task


def selections() -> list[tuple[int, ...]]:
    """Non-zero cells first, then each single colour, then every colour but another background."""
    others = [tuple(c for c in range(COLORS) if c != b) for b in range(1, COLORS)]
    return [tuple(range(1, COLORS))] + [(c,) for c in range(COLORS)] + others


@dataclass(frozen=True)
class AxisRule:
    """How output line r along one axis reads a source line of the box [first, last].

    ``length`` None: the box shrunk by ``margin`` per side (its length varies); else a window
    of ``length`` lines starting at ``first + margin`` (``anchor_end``: ending at ``last - margin``).
    ``flip``: line r reads the window's line n-1-r. ``mirror``: the source line s is read at
    E-1-s of the input's mirror image (E the grid's extent along the axis).
    """

    margin: int
    length: int | None
    anchor_end: bool
    flip: bool
    mirror: bool

    def lines(self, first: int, last: int, extent: int) -> np.ndarray | None:
        """The source lines of output lines 0.. on one grid; None when they leave the grid."""
        if self.length is None:
            lo, hi = first + self.margin, last - self.margin
        elif self.anchor_end:
            lo, hi = last - self.margin - self.length + 1, last - self.margin
        else:
            lo, hi = first + self.margin, first + self.margin + self.length - 1
        if hi < lo or lo < 0 or hi >= extent:
            return None
        s = np.arange(hi, lo - 1, -1) if self.flip else np.arange(lo, hi + 1)
        return extent - 1 - s if self.mirror else s

    @property
    def tag(self) -> str:
        size = "box" if self.length is None else f"{'end' if self.anchor_end else 'start'}{self.length}"
        return f"{size}{self.margin:+d}{'f' if self.flip else ''}{'m' if self.mirror else ''}"


@dataclass(frozen=True)
class CropRule:
    selection: tuple[int, ...]
    transpose: bool  # output (r, c) is the crop's cell (c, r)
    axes: tuple[AxisRule, AxisRule]  # per SOURCE axis (rows, columns)
    colour_map: tuple[int, ...] | None  # output colour of each input colour; None: identity
    sizes: tuple[int, int]  # K per source axis: output lines computed
    extents: tuple[int | None, int | None]  # each fit input's one extent per axis, None if they differ

    def crop(self, a: np.ndarray) -> np.ndarray | None:
        """The rule on one grid (numpy reference); None when undefined there."""
        spans = bbox(a, self.selection)
        if spans is None:
            return None
        lines = [rule.lines(*span, a.shape[k])
                 for k, (rule, span) in enumerate(zip(self.axes, spans, strict=True))]
        if lines[0] is None or lines[1] is None:
            return None
        out = a[np.ix_(lines[0], lines[1])]
        if self.colour_map is not None:
            out = np.asarray(self.colour_map)[out]
        return out.T if self.transpose else out


def _axis_rules(lengths: list[int], spans: list[tuple[int, int]], extents: list[int]) -> list[AxisRule]:
    """The rules of one source axis whose line count is the output's on every grid, simple first."""
    shapes: list[tuple[int | None, bool, int]] = [(None, False, m) for m in (0, 1, -1)]
    if len(set(lengths)) == 1:  # one length: a fixed window first (no mask of the box's end)
        shapes = [(lengths[0], end, 0) for end in (False, True)] + shapes
    found = []
    for (length, end, margin), mirror, flip in itertools.product(shapes, (False, True), (False, True)):
        rule = AxisRule(margin, length, end, flip, mirror)
        lines = [rule.lines(f, la, e) for (f, la), e in zip(spans, extents, strict=True)]
        if all(ln is not None and len(ln) == n for ln, n in zip(lines, lengths, strict=True)):
            found.append(rule)
    return found


def _colour_map(crops: list[np.ndarray], outs: list[np.ndarray]) -> tuple[int, ...] | None | bool:
    """The one-to-one colour map taking every crop to its output: None when it is the identity
    on every colour seen, False when there is none (unseen colours keep theirs)."""
    mapping = np.full(COLORS, -1, np.int64)
    for crop, out in zip(crops, outs, strict=True):
        found = np.unique(crop.ravel() * COLORS + out.ravel())
        src, dst = found // COLORS, found % COLORS
        if len(np.unique(src)) != len(src) or np.any((mapping[src] != -1) & (mapping[src] != dst)):
            return False
        mapping[src] = dst
    seen = mapping[mapping >= 0]
    if len(np.unique(seen)) < len(seen):
        return False  # two colours merged: a crop rule recolours one to one
    if all(m in (-1, c) for c, m in enumerate(mapping)):
        return None
    return tuple(int(m) if m >= 0 else c for c, m in enumerate(mapping))


def fit_rule(examples: list[Example]) -> CropRule | None:
    """The first (simplest) crop rule that gives every fit output; None past ``MAX_COMBOS``."""
    data = pairs(examples)
    if not data or all(a.shape == o.shape for a, o in data):
        return None
    extents = tuple(e.pop() if len(e := {a.shape[k] for a, _ in data}) == 1 else None for k in (0, 1))
    combos = 0
    for transpose, selection in itertools.product((False, True), selections()):
        outs = [o.T if transpose else o for _, o in data]  # shapes per source axis
        found = [bbox(a, selection) for a, _ in data]
        spans = [s for s in found if s is not None]
        if len(spans) < len(found):
            continue
        per_axis = [_axis_rules([o.shape[k] for o in outs], [s[k] for s in spans],
                                [a.shape[k] for a, _ in data]) for k in (0, 1)]
        for axes in itertools.product(*per_axis):
            combos += 1
            if combos > MAX_COMBOS:
                return None
            crops = [a[np.ix_(*(rule.lines(*span[k], a.shape[k]) for k, rule in enumerate(axes)))]
                     for (a, _), span in zip(data, spans, strict=True)]
            cmap = _colour_map(crops, outs)
            if cmap is not False:
                sizes = (max(o.shape[0] for o in outs), max(o.shape[1] for o in outs))
                return CropRule(selection, transpose, axes, cmap, sizes, extents)  # type: ignore[arg-type]
    return None


# -- the networks ------------------------------------------------------------------------------

class _Edges:
    """The box's first / last selected line per source axis (ArgMax of 0/1 line presence),
    each built once."""

    def __init__(self, b: Builder, selection: tuple[int, ...]) -> None:
        selected = np.zeros(COLORS, np.float32)
        selected[list(selection)] = 1.0
        self.b = b
        counts = [b.op("einsum", b.input, b.const(selected), equation=f"xipq,i->{letter}")
                  for letter in "pq"]  # float32 [30]: selected cells per line
        # uint8 0/1 presence (an ArgMax of the counts would find the fullest line)
        zero = b.const(np.zeros(1, np.float32))
        self.counts = [b.op("cast", b.op("greater", c, zero), to="uint8") for c in counts]
        self.cache: dict[tuple[int, bool], Value] = {}

    def __call__(self, axis: int, last: bool) -> Value:
        if (axis, last) not in self.cache:
            self.cache[axis, last] = self.b.op("argmax", self.counts[axis], axis=0, keepdims=1,
                                               select_last_index=int(last))  # int64 [1]
        return self.cache[axis, last]


def _ints(values: np.ndarray | list[int]) -> np.ndarray:
    return np.asarray(values, np.int64)


def _finish(b: Builder, rule: CropRule, terms: list[str], operands: list[Value],
            eyes: list[np.ndarray]) -> Graph:
    """One Einsum writing ``output``: the operands so far, the colour map, and the eyes placing
    each axis's K lines (letters r, c) in the 30 output lines (R, C); transposed if asked."""
    channel = "i"
    if rule.colour_map is not None:
        w = np.zeros((COLORS, COLORS), np.float32)
        w[list(rule.colour_map), np.arange(COLORS)] = 1.0
        operands.append(b.const(w))
        terms.append("oi")
        channel = "o"
    lines = []
    for letter, eye in zip("rc", eyes, strict=True):
        if eye.shape[1] == GRID and np.array_equal(eye, np.eye(GRID, dtype=np.float32)):
            lines.append(letter)
        else:
            operands.append(b.const(np.ascontiguousarray(eye)))
            terms.append(letter.upper() + letter)
            lines.append(letter.upper())
    if rule.transpose:
        lines.reverse()
    equation = ",".join(terms) + "->x" + channel + "".join(lines)
    return b.finish(b.op("einsum", *operands, equation=equation))


def _lines(rule: CropRule, k: int) -> int:
    axis = rule.axes[k]
    return rule.sizes[k] if axis.length is None else axis.length


@dataclass(frozen=True)
class Affine:
    """Output line r of one axis reads source line ``sign * edge + offset + step * r`` (``edge``
    the box's first or ``last`` selected line): a mirror image folded in when its extent is one
    constant."""

    last: bool
    sign: int
    offset: int
    step: int

    def lines(self, n: int) -> np.ndarray:
        return self.offset + self.step * np.arange(n)


def affine(axis: AxisRule, n: int, extent: int | None) -> Affine | None:
    """``axis`` as an ``Affine`` over n output lines; None for a mirror of varying extent."""
    m = axis.margin
    if axis.length is None:
        last, offset, step = (True, -m, -1) if axis.flip else (False, m, 1)
    else:
        base = -m - (n - 1) if axis.anchor_end else m
        last, offset, step = axis.anchor_end, base + (n - 1 if axis.flip else 0), -1 if axis.flip else 1
    if not axis.mirror:
        return Affine(last, 1, offset, step)
    if extent is None:
        return None
    return Affine(last, -1, extent - 1 - offset, -step)


def _signed(b: Builder, edge: Value, sign: int, offsets: np.ndarray) -> Value:
    """int64 ``sign * edge + offsets``."""
    const = b.const(_ints(offsets))
    return b.op("add", edge, const) if sign > 0 else b.op("sub", const, edge)


def _box_mask(b: Builder, edges: _Edges, k: int, axis: AxisRule, lines: np.ndarray | Value) -> Value:
    """float32 0/1 over source lines p (holding input line ``lines[p]``): inside the box's far
    edge, ``lines <= last - m`` (``lines >= first + m`` when the box is read backwards)."""
    sign = -1 if axis.flip else 1
    if isinstance(lines, np.ndarray):
        shifted = b.const(_ints(lines + sign * axis.margin))
    else:
        shifted = b.op("add", lines, b.const(_ints([sign * axis.margin])))
    op = "greater_or_equal" if axis.flip else "less_or_equal"
    return b.op("cast", b.op(op, shifted, edges(k, not axis.flip)), to="float32")


def routes_graph(rule: CropRule) -> Graph:
    """Run-time route matrices per axis, one Einsum writing ``output``."""
    b = Builder()
    edges = _Edges(b, rule.selection)
    operands: list[Value] = [b.input]
    terms = ["xipq"]
    line = np.arange(GRID)
    for k, (axis, letter, src) in enumerate(zip(rule.axes, "rc", "pq", strict=True)):
        n, extent = _lines(rule, k), rule.extents[k]
        aff = affine(axis, n, extent)
        held: np.ndarray | Value  # the input line each source line p holds
        if aff is not None:
            source: Value = b.const(_ints(line))
            held = extent - 1 - line if axis.mirror and extent is not None else line
        else:  # a mirror image of varying extent: source line p holds line E-1-p
            aff = affine(replace(axis, mirror=False), n, None)
            assert aff is not None
            last_line = b.op("sub", b.op("reshape", grid_extent(b, 2 + k), shape=(1,)), b.const(_ints([1])))
            source = held = b.op("sub", last_line, b.const(_ints(line)))
        target = _signed(b, edges(k, aff.last), aff.sign, aff.lines(n).reshape(n, 1))
        operands.append(b.op("cast", b.op("equal", target, source), to="float32"))  # [n, 30]
        terms.append(letter + src)
        if axis.length is None:  # source lines past the box read nothing
            operands.append(_box_mask(b, edges, k, axis, held))
            terms.append(src)
    eyes = [np.eye(GRID, _lines(rule, k), dtype=np.float32) for k in (0, 1)]
    return _finish(b, rule, terms, operands, eyes)


def roi_graph(rule: CropRule) -> Graph | None:
    """One MaxRoiPool of exactly K lines per axis at a run-time ROI, then masks, colour map and eyes."""
    sizes = (_lines(rule, 0), _lines(rule, 1))
    affs = [affine(axis, n, e) for axis, n, e in zip(rule.axes, sizes, rule.extents, strict=True)]
    if affs[0] is None or affs[1] is None:
        return None
    b = Builder()
    edges = _Edges(b, rule.selection)
    operands: list[Value] = []
    terms = ["xirc"]
    shifts, eyes = [], []
    for k, (axis, aff, letter) in enumerate(zip(rule.axes, affs, "rc", strict=True)):
        n = sizes[k]
        # the window: n lines from its lowest; a backward axis reads it in reverse
        shifts.append(aff.offset - (n - 1 if aff.step < 0 else 0))
        eye = np.eye(GRID, n, dtype=np.float32)
        eyes.append(eye[:, ::-1] if aff.step < 0 else eye)
        if axis.length is None:
            # window line t is inside the box iff its output line (t, n-1-t reversed) <= last - first - 2m
            out_line = np.arange(n)[::-1] if aff.step < 0 else np.arange(n)
            span = b.op("sub", edges(k, True), edges(k, False))
            inside = b.op("less_or_equal", b.const(_ints(out_line + 2 * axis.margin)), span)
            operands.append(b.op("cast", inside, to="float32"))
            terms.append(letter)
    row, col = affs
    xy = b.op("concat", edges(1, col.last), edges(0, row.last), axis=0)
    xy = b.op("reshape", b.op("cast", xy, to="float32"), shape=(1, 2))
    # rois [1, 5] = (batch 0, x1, y1, x2, y2) = (x, y) @ a + bias
    a = np.zeros((2, 5), np.float32)
    a[0, 1] = a[0, 3] = col.sign
    a[1, 2] = a[1, 4] = row.sign
    x1, y1 = shifts[1], shifts[0]
    bias = np.array([[0, x1, y1, x1 + sizes[1] - 1, y1 + sizes[0] - 1]], np.float32)
    rois = b.op("add", b.op("matmul", xy, b.const(a)), b.const(bias))
    pooled = b.op("max_roi_pool", b.input, rois, pooled_shape=sizes)
    return _finish(b, rule, terms, [pooled, *operands], eyes)


def graphs(rule: CropRule) -> Iterator[Graph]:
    yield routes_graph(rule)
    g = roi_graph(rule)
    if g is not None:
        yield g


def widened(rule: CropRule, examples: list[Example]) -> CropRule | None:
    """The rule with K = the largest fit input's extent on each box-sized axis (no box is
    longer than its grid), for tasks whose held-out boxes outgrow every fit output; None when
    that is the fitted K already."""
    extents = tuple(max(len(e.input) if k == 0 else len(e.input[0]) for e in examples) for k in (0, 1))
    sizes = tuple(max(size, extents[k]) if rule.axes[k].length is None else size
                  for k, size in enumerate(rule.sizes))
    return None if sizes == rule.sizes else replace(rule, sizes=sizes)  # type: ignore[arg-type]


def cheapest_exact(rule: CropRule | None, examples: list[Example]) -> Graph | None:
    if rule is None:
        return None
    exact = [g for g in graphs(rule) if checked(g, examples) is not None]
    return min(exact, key=estimated_cost) if exact else None


@family("crop_box", kind="solver", group="crop_box", tier=110, traits={Trait.OUT_IS_SUBGRID})
def crop_box(examples: list[Example]) -> Graph | None:
    """The input cropped to the bounding box of one colour's cells (or of every colour but a
    background), moved to the top-left: whole, shrunk, or a fixed window at its edge,
    mirrored, transposed or recoloured; the box is found at run time, K = the longest output
    line count seen."""
    return cheapest_exact(fit_rule(examples), examples)


@family("crop_box_wide", kind="solver", group="crop_box", tier=120, traits={Trait.OUT_IS_SUBGRID})
def crop_box_wide(examples: list[Example]) -> Graph | None:
    """``crop_box`` with room for a box as long as the largest fit grid (dearer, and exact
    where the held-out boxes are longer than every fit output)."""
    rule = fit_rule(examples)
    return cheapest_exact(widened(rule, examples) if rule is not None else None, examples)
