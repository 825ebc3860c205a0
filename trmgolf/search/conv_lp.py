"""One Conv writing ``output``, its weights found by linear programming.

Each output channel of a Conv is a linear threshold of the input taps its kernel
reads: ``output > 0`` must hold exactly on the expected cells. For a kernel shape
(per axis: stride, size, dilation, offset; a group count; with or without bias),
the cells of all fit examples give one constraint each (>= 1 on expected cells,
<= -1 elsewhere); identical tap patterns are merged first, and a pattern that must
be both on and off proves the shape cannot work without any LP. Among feasible
weights the LP takes the smallest L1 norm, so the taps that remain are the ones the
rule needs. Shapes are tried in order of their parameter count; the first that fits
wins. A shape's taps cover those of every smaller shape of the same strides and
group, so one check of the union window rules out all of them at once.

Besides the short kernels (up to 3 taps per axis, dilation <= 3) and long one-axis lines,
three sparse kinds reach further for few params: two taps 4-9 cells apart (a period, a
partner across a gap), one tap translated up to 8 cells (negative Conv pads move the grid,
paired with at most two taps on the other axis), and a 4x4 square.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

import numpy as np

from trmgolf.families.contract import Budget, Candidate, FitData, Level, Step, Trait
from trmgolf.families.registry import family
from trmgolf.families.separator import Bias, l1_separator
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph

GRID = 30
COLORS = 10
GROUPS = (10, 5, 2, 1)  # depthwise first: fewest params per tap
LONG_SIZES = range(4, 14)  # one-axis kernels (gravity, rays): a 13-cell line reads 6 cells each way
FAR_DILATIONS = range(4, 10)  # two taps far apart on an axis: a period, a partner across a gap
SHIFTS = tuple(s for s in range(-8, 9) if s)  # one tap away from the output cell: a translation
BLOCK = 4  # a 4x4 square of adjacent taps, at its two central alignments
PRECHECK_EXAMPLES = 8
LP_WORK = 5  # work units (``families.contract.Budget``) of one channel's LP solve; a conflict check is 1


@dataclass(frozen=True)
class AxisTaps:
    """Output index r reads input indices ``stride*r + offset + i*dilation``, i < size."""

    stride: int = 1
    size: int = 1
    dilation: int = 1
    offset: int = 0

    @property
    def taps(self) -> tuple[int, ...]:
        return tuple(self.offset + i * self.dilation for i in range(self.size))

    @property
    def pads(self) -> tuple[int, int]:
        """(begin, end) zero padding that gives an output of exactly GRID cells."""
        begin = -self.offset
        end = (GRID - 1) * self.stride + self.dilation * (self.size - 1) - (GRID - 1) - begin
        return begin, end


def axis_choices() -> list[AxisTaps]:
    """Per-axis kernels tried: stride 1 up to 3 taps of dilation <= 3 at any alignment,
    and strides 2 and 3 (downscaling) up to 3 adjacent taps."""
    out = [AxisTaps()]
    for size, dilation in product((2, 3), (1, 2, 3)):
        span = dilation * (size - 1)
        out += [AxisTaps(1, size, dilation, -o) for o in range(span + 1)]
    for stride, size in product((2, 3), (1, 2, 3)):
        out.append(AxisTaps(stride, size, 1, 0))
    return out


def far_axis_choices() -> list[AxisTaps]:
    """Two taps ``d`` apart (d beyond the short kernels' reach), the output cell on either one."""
    return [AxisTaps(1, 2, d, o) for d in FAR_DILATIONS for o in (0, -d)]


def shift_axis_choices() -> list[AxisTaps]:
    """One tap ``s`` cells away from the output cell: the Conv's pads (one of them negative)
    move the grid; the grader's onnx (1.21) accepts negative Conv pads."""
    return [AxisTaps(1, 1, 1, s) for s in SHIFTS]


def end_axis_choices() -> list[AxisTaps]:
    """What a shifted tap pairs with on the other axis: the output cell itself, or two taps of
    dilation <= 3 with the output cell at one end."""
    return [AxisTaps()] + [AxisTaps(1, 2, d, o) for d in (1, 2, 3) for o in (0, -d)]


def long_axis_choices() -> list[AxisTaps]:
    """Long lines of adjacent taps (paired with one tap on the other axis), at every alignment
    that keeps the output cell inside the line: the padding is then asymmetric."""
    return [AxisTaps(1, size, 1, -o) for size in LONG_SIZES for o in range(size)]


@dataclass(frozen=True)
class ConvShape:
    """``kind`` names the family of kernels the shape belongs to: "" the short 2-D kernels,
    "long" a long line on one axis, "far" two distant taps, "shift" a translated tap, "block"
    a 4x4 square. Each kind is its own union window (see ``_window``)."""

    rows: AxisTaps
    cols: AxisTaps
    group: int
    bias: bool
    kind: str = ""

    @property
    def long_axis(self) -> str:
        """"rows" or "cols" for a long one-axis kernel, "" for the others."""
        if self.kind != "long":
            return ""
        return "rows" if self.rows.size in LONG_SIZES else "cols"

    @property
    def params(self) -> int:
        taps = self.rows.size * self.cols.size
        return COLORS * (COLORS // self.group) * taps + (COLORS if self.bias else 0)

    def sort_key(self) -> tuple:
        r, c = self.rows, self.cols
        return (self.params, self.bias, r.stride + c.stride, r.dilation + c.dilation,
                abs(2 * r.offset + r.dilation * (r.size - 1)) + abs(2 * c.offset + c.dilation * (c.size - 1)),
                -self.group, r.size, r.dilation, r.offset, c.size, c.dilation, c.offset, r.stride, c.stride)

    def label(self) -> str:
        r, c = self.rows, self.cols
        text = f"conv{r.size}x{c.size}"
        if (r.dilation, c.dilation) != (1, 1):
            text += f"/d{r.dilation}x{c.dilation}"
        if (r.stride, c.stride) != (1, 1):
            text += f"/s{r.stride}x{c.stride}"
        if self.kind in ("far", "shift", "block"):
            text += f"/at{r.offset}x{c.offset}"
        return text + f"/g{self.group}" + ("+bias" if self.bias else "")


def _both_ways(first: list[AxisTaps], second: list[AxisTaps]) -> list[tuple[AxisTaps, AxisTaps]]:
    """Each pair once as (rows, cols) and once as (cols, rows)."""
    return list(dict.fromkeys([(a, b) for a, b in product(first, second)] +
                              [(b, a) for a, b in product(first, second)]))


def conv_shapes() -> list[ConvShape]:
    axes, point = axis_choices(), AxisTaps()
    kinds: list[tuple[str, list[tuple[AxisTaps, AxisTaps]]]] = [
        ("", list(product(axes, axes))),
        ("long", _both_ways(long_axis_choices(), [point])),
        ("far", _both_ways(far_axis_choices(), [point]) + [(a, a) for a in far_axis_choices()]),
        ("shift", _both_ways(shift_axis_choices(), end_axis_choices())),
        ("block", [(AxisTaps(1, BLOCK, 1, r), AxisTaps(1, BLOCK, 1, c)) for r in (-1, -2) for c in (-1, -2)]),
    ]
    shapes = [ConvShape(r, c, g, bias, kind) for kind, pairs in kinds for r, c in pairs
              for g in GROUPS for bias in (False, True)]
    return sorted(shapes, key=ConvShape.sort_key)


class TapCache:
    """Shifted copies of the inputs, one per tap (row stride, row offset, col stride, col
    offset), and their hashed per-group sums (what the conflict check adds up)."""

    def __init__(self, x: np.ndarray) -> None:
        self.x = x
        self._shifted: dict[tuple[int, int, int, int], np.ndarray] = {}
        self._hashed: dict[tuple[tuple[int, int, int, int], int], np.ndarray] = {}

    def get(self, rs: int, ro: int, cs: int, co: int) -> np.ndarray:
        key = (rs, ro, cs, co)
        if key not in self._shifted:
            ri = rs * np.arange(GRID) + ro
            ci = cs * np.arange(GRID) + co
            rows = self.x.take(np.clip(ri, 0, GRID - 1), axis=2) * ((ri >= 0) & (ri < GRID))[:, None]
            self._shifted[key] = rows.take(np.clip(ci, 0, GRID - 1), axis=3) * ((ci >= 0) & (ci < GRID))
        return self._shifted[key]

    def hashed(self, tap: tuple[int, int, int, int], group: int) -> np.ndarray:
        """int64 [N, group, H, W]: the tap's colours hashed with fixed random weights and summed
        per channel group; a shape's pattern hash is the sum over its taps."""
        if (tap, group) not in self._hashed:
            channels = self.x.shape[1]  # 10, or fewer for a channel subset (crop_conv)
            weights = np.random.default_rng([t + 64 for t in tap]).integers(1, 2**40, channels, np.int64)
            shifted = self.get(*tap).astype(np.int64) * weights[None, :, None, None]
            n = shifted.shape[0]
            self._hashed[tap, group] = shifted.reshape(n, group, channels // group, GRID, GRID).sum(axis=2)
        return self._hashed[tap, group]


def _tap_list(rows: AxisTaps, cols: AxisTaps) -> list[tuple[int, int, int, int]]:
    return [(rows.stride, r, cols.stride, c) for r, c in product(rows.taps, cols.taps)]


def conflict_free(cache: TapCache, y: np.ndarray, taps: list[tuple[int, int, int, int]], group: int) -> bool:
    """Whether no tap pattern is expected on in one cell and off in another, per output channel.

    Patterns are compared by hash (a collision can only reject a shape, never accept one)."""
    keys = cache.hashed(taps[0], group).copy()
    for tap in taps[1:]:
        keys += cache.hashed(tap, group)
    n, per = y.shape[0], COLORS // group
    bits = (1 << np.arange(per, dtype=np.int64))[None, None, :, None, None]
    codes = (y.reshape(n, group, per, GRID, GRID).astype(np.int64) * bits).sum(axis=2)
    keys = keys * 16 + np.arange(group, dtype=np.int64)[None, :, None, None]  # keep groups apart
    order = np.argsort(keys.ravel(), kind="stable")
    k, c = keys.ravel()[order], codes.ravel()[order]
    return not np.any((k[1:] == k[:-1]) & (c[1:] != c[:-1]))


def tap_features(cache: TapCache, taps: list[tuple[int, int, int, int]], channels: range) -> np.ndarray:
    """[cells, channels x taps] 0/1 features, in the Conv weight's (channel, tap) order."""
    cols = [cache.get(*key)[:, list(channels)] for key in taps]
    stacked = np.stack(cols, axis=2)  # N, C, T, H, W
    return stacked.transpose(0, 3, 4, 1, 2).reshape(-1, len(channels) * len(taps))


def fit_channel(features: np.ndarray, labels: np.ndarray, bias: bool,
                smooth: list[tuple[int, int]] = ()) -> tuple[np.ndarray, float] | None:
    """Weights (and bias) with ``f.w + b >= 1`` where expected, ``<= -1`` elsewhere, least L1 norm
    (``families.separator``, over the distinct rows; the bias, when there is one, the smallest);
    with ``smooth`` (pairs of weight indices), least ``sum |w_i - w_j|`` first, so a weight the
    examples leave free takes its neighbour's value instead of zero."""
    packed = np.packbits(features, axis=1)
    _, first = np.unique(packed, axis=0, return_index=True)
    first.sort()
    f = features[first].astype(np.float64)
    lab = labels[first]
    nonzero = f.any(axis=1)
    if not bias:
        if np.any(lab & ~nonzero):
            return None
        f, lab = f[nonzero], lab[nonzero]
    n = f.shape[1]
    if not lab.any():
        return np.zeros(n), (-1.0 if bias else 0.0)
    fitted = l1_separator(f, lab, Bias.SMALL if bias else Bias.NONE, smooth)
    if fitted is None:
        return None
    w, b = fitted
    return np.round(w, 6), round(b, 6)


def fit_shape(cache: TapCache, y: np.ndarray, shape: ConvShape, budget: Budget) -> Graph | None:
    """The Conv of ``shape`` that is exact on every example, or None."""
    taps = _tap_list(shape.rows, shape.cols)
    per = COLORS // shape.group
    weight = np.zeros((COLORS, per, shape.rows.size, shape.cols.size), np.float32)
    bias = np.zeros(COLORS, np.float32)
    for g in range(shape.group):
        feats = tap_features(cache, taps, range(g * per, (g + 1) * per))
        for o in range(g * per, (g + 1) * per):
            if budget.overtime():  # past the safety net: one LP more at most, not ten
                return None
            budget.spend(LP_WORK)
            fitted = fit_channel(feats, y[:, o].ravel(), shape.bias)
            if fitted is None:
                return None
            w, b = fitted
            weight[o] = w.reshape(per, shape.rows.size, shape.cols.size)
            bias[o] = b
    return conv_graph(shape, weight, bias if shape.bias else None)


def colour_roles(o: int) -> list[list[int]]:
    """Input channels output channel ``o`` tells apart when colours are tied: the background,
    its own colour, and every other colour as one (for ``o`` = 0 its own colour is the background)."""
    others = [i for i in range(1, COLORS) if i != o]
    return [[0], others] if o == 0 else [[0], [o], others]


def fit_shape_tied(cache: TapCache, y: np.ndarray, shape: ConvShape) -> Graph | None:
    """The Conv of ``shape`` (one group) that treats the colours 1-9 alike, exact on every
    example, or None: each colour's output channel weighs the background, its own colour and
    any other colour, with the same weights and bias for every colour (one LP for all nine).

    The least-L1 weights of ``fit_shape`` pick whichever colours separate the fit examples;
    when the rule treats colours alike (gravity: any colour falls), those weights can fail on
    a colour arrangement the fit examples lack. Tying leaves the LP no such choice and lets
    every colour's examples teach every channel. Along a long line the LP also evens out
    neighbouring weights, so a tap the examples leave free does not fall to zero."""
    taps = _tap_list(shape.rows, shape.cols)
    kh, kw = shape.rows.size, shape.cols.size
    line = [(t, t + 1) for t in range(len(taps) - 1)] if shape.long_axis else []
    x = np.stack([cache.get(*key) for key in taps], axis=2)  # N, C, T, H, W
    weight = np.zeros((COLORS, COLORS, kh, kw), np.float32)
    bias = np.zeros(COLORS, np.float32)
    for outs in ([0], list(range(1, COLORS))):
        n_roles = len(colour_roles(outs[0]))
        feats, labels = [], []
        for o in outs:
            roles = np.stack([x[:, role].sum(axis=1) for role in colour_roles(o)], axis=1)  # N, R, T, H, W
            feats.append(roles.transpose(0, 3, 4, 1, 2).reshape(-1, n_roles * len(taps)))
            labels.append(y[:, o].ravel())
        smooth = [(r * len(taps) + i, r * len(taps) + j) for r in range(n_roles) for i, j in line]
        fitted = fit_channel(np.vstack(feats), np.concatenate(labels), shape.bias, smooth)
        if fitted is None:
            return None
        w, b = fitted
        for o in outs:
            for role, tied in zip(colour_roles(o), w.reshape(n_roles, kh, kw), strict=True):
                weight[o, role] = tied
            bias[o] = b
    return conv_graph(shape, weight, bias if shape.bias else None)


def conv_graph(shape: ConvShape, weight: np.ndarray, bias: np.ndarray | None) -> Graph:
    b = Builder()
    (pt, pb), (pl, pr) = shape.rows.pads, shape.cols.pads
    ins = [b.input, b.const(weight)] + ([b.const(bias)] if bias is not None else [])
    out = b.op("conv2d", *ins, pads=(pt, pl, pb, pr), strides=(shape.rows.stride, shape.cols.stride),
               dilations=(shape.rows.dilation, shape.cols.dilation), group=shape.group)
    return b.finish(out)


def _window(shape: ConvShape) -> tuple[int, int, int, str, str]:
    """Shapes whose taps fall in one union window: each kind apart from the short 2-D kernels,
    so the union of every line stays a line (it prunes more than a 25x25 square)."""
    return shape.rows.stride, shape.cols.stride, shape.group, shape.kind, shape.long_axis


@family("conv", tier=90, traits={Trait.LOCAL_RULE})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """Each Conv exact on the fit examples, cheapest first (cost = params: one node writing
    ``output``); before the work on shapes of a new param count, a ``(params, None)`` marker, so
    the caller can stop before shapes it does not need. Stops early once the budget is spent."""
    yield Level(0)
    cache, head = TapCache(data.x), TapCache(data.x[:PRECHECK_EXAMPLES])
    y_head = data.y[:PRECHECK_EXAMPLES]
    shapes = conv_shapes()
    union: dict[tuple[int, int, int, str, str], tuple[set, set]] = {}
    for s in shapes:
        rows, cols = union.setdefault(_window(s), (set(), set()))
        rows.update(s.rows.taps)
        cols.update(s.cols.taps)
    hopeless = set()
    for key, (rows, cols) in sorted(union.items()):
        taps = [(key[0], r, key[1], c) for r, c in product(sorted(rows), sorted(cols))]
        if not conflict_free(head, y_head, taps, key[2]):
            hopeless.add(key)
    checked: dict[tuple, bool] = {}  # (taps, group) -> conflict free (shared by bias / no bias)
    conflicting: dict[int, list[frozenset]] = {g: [] for g in GROUPS}  # a subset conflicts too
    level = 0
    for shape in shapes:
        if shape.params != level:  # one marker per cost level: the caller pays a work unit per step
            level = shape.params
            yield Level(level)
        if budget():
            return
        if _window(shape) in hopeless:
            continue
        taps = _tap_list(shape.rows, shape.cols)
        key = (tuple(taps), shape.group)
        if key not in checked:
            tapset = frozenset(taps)
            known = any(tapset <= c for c in conflicting[shape.group])
            budget.spend(1)
            checked[key] = not known and conflict_free(head, y_head, taps, shape.group) and conflict_free(
                cache, data.y, taps, shape.group)
            if not checked[key] and not known:
                conflicting[shape.group].append(tapset)
        if not checked[key]:
            continue
        graph = fit_shape(cache, data.y, shape, budget)
        if graph is None:
            continue
        yield Candidate(shape.params, shape.label(), graph)
        if shape.group == 1:  # the same shape again, colours tied: for the caller's held-out gate
            tied = fit_shape_tied(cache, data.y, shape)
            if tied is not None:
                yield Candidate(shape.params, shape.label() + "/tied", tied)
