"""An integer Conv on a few channels of a cropped input: Slice, uint8, ConvInteger writing ``output``.

``crop_conv``'s float Conv pads its crop with zeros, so a cell of the crop that holds none of the
kept colours looks like a cell beyond the grid: a rule that must light the background inside the
grid then needs the background channel too (twice the crop's bytes and weights). ``ConvInteger``
subtracts its ``x_zero_point`` z from every input value and pads with z itself, so padding reads
exactly 0 while a crop cell reads ``a*c - z`` (c the channel's 0/1 value, a the uint8 encoding of
1): with a = 2, z = 1 a kept colour is +1, any other cell of the crop -1, beyond it 0. One channel
then carries "this colour", "another colour" and "outside" at once; the int32 output needs no bias
(beyond the crop every tap reads 0: off) and costs nothing (the grader thresholds any dtype).

The uint8 crop comes from a ``Cast`` (a = 1: the kept colour reads 0, anything else -1) or a
``QuantizeLinear`` of scale 1/a (one more param): a = 2 (+1 / -1) or a = 255 (a kept colour
outweighs any count of other cells: "is there one here" first, the rest as a tie-break). Each
output channel's int8 weights are the least-L1 integer solution of ``conv_lp``'s constraints (a
small MILP) with "off" at <= 0, exact for an integer output. Weights are bounded so that a pair of
uint8 x int8 products stays below 2**15: onnxruntime's u8s8 GEMM on CPUs without VNNI adds pairs in
int16. A crop that leaves out the grid's border keeps cells beyond the grid reading only padding
while the border still sees the crop. Cost: the float crop (4 bytes a cell), its uint8 copy (1),
the weights, the Slice's constants, z (and 1/a).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy.optimize import linprog

from trmgolf.families.contract import Budget, FitData, Level, Step, Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.search.conv_lp import LP_WORK, PRECHECK_EXAMPLES, AxisTaps, TapCache, conflict_free, tap_features
from trmgolf.search.crop_conv import (
    COLORS,
    FLOAT_BYTES,
    GRID,
    Channels,
    channel_runs,
    fitted_steps,
    inner_crops,
    input_block,
    kernel_axes,
    tap_offsets,
    zero_outside,
)

MAX_CHANNELS = 2  # the crop costs 5 bytes a cell a channel: more channels never beat a float Conv
ZERO_POINT = 1
#: The uint8 value of a kept colour: 1 (a Cast), or a QuantizeLinear of scale 1/a.
ENCODINGS = (1, 2, 255)
MILP_WORK = 2 * LP_WORK  # work units of one output channel's integer fit


@dataclass(frozen=True)
class IntCropConv:
    channels: Channels
    rows: AxisTaps
    cols: AxisTaps
    crop: tuple[int, int, int, int]  # rows [r0, r1), cols [c0, c1) of the input kept
    encoding: int  # the uint8 value of a kept colour (1: Cast, else QuantizeLinear)

    @property
    def area(self) -> int:
        r0, r1, c0, c1 = self.crop
        return (r1 - r0) * (c1 - c0)

    @property
    def slice_params(self) -> int:
        return 3 * (4 if self.channels.step != 1 else 3)  # starts, ends, axes (, steps) over 3 axes

    @property
    def cost(self) -> int:
        k = self.channels.count
        weights = COLORS * k * self.rows.size * self.cols.size
        scale = 0 if self.encoding == 1 else 1
        return (FLOAT_BYTES + 1) * k * self.area + weights + self.slice_params + 1 + scale

    def sort_key(self) -> tuple:
        c, r, q = self.channels, self.rows, self.cols
        return (self.cost, c.count, c.start, c.step, self.crop, self.encoding,
                r.size, r.offset, q.size, q.offset)

    def label(self) -> str:
        c, (r0, r1, c0, c1) = self.channels, self.crop
        return (f"crop_int/ch{c.start}:{c.end}:{c.step}/rows{r0}:{r1},cols{c0}:{c1}/"
                f"convint{self.rows.size}x{self.cols.size}/at{self.rows.offset}x{self.cols.offset}/"
                f"enc{self.encoding}")


def tap_patterns(cache: TapCache, taps: list[tuple[int, int, int, int]], k: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The distinct 0/1 tap patterns over the k cropped channels and the crop's mask (channel k
    of ``cache``), [patterns, (k+1) x taps], and per cell the index of its pattern."""
    feats = tap_features(cache, taps, range(k + 1))
    codes = feats.astype(np.int64) @ (1 << np.arange(feats.shape[1], dtype=np.int64))
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    return feats[first].astype(np.int64), inverse.ravel()


def encode(rows: np.ndarray, k: int, encoding: int) -> np.ndarray:
    """[patterns, k x taps]: what ConvInteger multiplies, ``encoding*c - z`` inside the crop and 0
    beyond it, from the 0/1 patterns of ``tap_patterns``."""
    t = rows.shape[1] // (k + 1)
    inside = rows[:, k * t:]
    return np.hstack([encoding * rows[:, j * t:(j + 1) * t] - ZERO_POINT * inside for j in range(k)])


def weight_bound(encoding: int) -> int:
    """|weight| at most this: onnxruntime's u8s8 GEMM adds pairs of uint8 x int8 products in
    int16 on CPUs without VNNI, so a pair must stay below 2**15."""
    return min(127, (2**15 - 1) // (2 * max(encoding, ZERO_POINT)))


def fit_integer(rows: np.ndarray, inverse: np.ndarray, labels: np.ndarray, bound: int) -> np.ndarray | None:
    """Integer weights in [-bound, bound], no bias, with ``f.w >= 1`` where a cell of a ``rows``
    pattern (``inverse``: each cell's pattern) is expected on and ``<= 0`` where off (the int32
    output is thresholded at 0), least L1 norm; None when there are none."""
    on = np.bincount(inverse[labels], minlength=len(rows)) > 0
    off = np.bincount(inverse[~labels], minlength=len(rows)) > 0
    if np.any(on & off):
        return None  # one pattern expected both on and off
    f, lab = rows.astype(np.float64), on
    nonzero = f.any(axis=1)
    if np.any(lab & ~nonzero):
        return None  # a cell reading only zeros is off whatever the weights
    f, lab = f[nonzero], lab[nonzero]
    n = f.shape[1]
    if not lab.any():
        return np.zeros(n, np.int64)
    sign = np.where(lab, -1.0, 1.0)[:, None]
    # the output is an integer: on means >= 1, off only <= 0
    res = linprog(np.ones(2 * n), A_ub=np.hstack([f * sign, -f * sign]), b_ub=-lab.astype(np.float64),
                  bounds=(0, bound), integrality=np.ones(2 * n), method="highs")
    if res.status != 0:
        return None
    w = np.round(res.x[:n] - res.x[n:]).astype(np.int64)
    score = f @ w
    if not (np.all(score[lab] >= 1) and np.all(score[~lab] <= 0)):
        return None
    return w


def crop_int_graph(shape: IntCropConv, weight: np.ndarray) -> Graph:
    b = Builder()
    c, (r0, r1, c0, c1) = shape.channels, shape.crop
    crop = b.op("slice", b.input, starts=(c.start, r0, c0), ends=(c.end, r1, c1), axes=(1, 2, 3),
                steps=(c.step, 1, 1) if c.step != 1 else ())
    if shape.encoding == 1:
        encoded = b.op("cast", crop, to="uint8")
    else:
        encoded = b.op("quantize_linear", crop, b.const(np.float32(1.0 / shape.encoding)))
    (pt, pb), (pl, pr) = shape.rows.pads, shape.cols.pads
    pads = (pt + r0, pl + c0, pb + GRID - r1, pr + GRID - c1)  # the output is 30x30 again
    w, zero = b.const(weight.astype(np.int8)), b.const(np.uint8(ZERO_POINT))
    return b.finish(b.op("conv_integer", encoded, w, zero, pads=pads))


def fit(cache: TapCache, y: np.ndarray, shape: IntCropConv, budget: Budget) -> Graph | None:
    k, kh, kw = shape.channels.count, shape.rows.size, shape.cols.size
    raw, inverse = tap_patterns(cache, tap_offsets(shape.rows, shape.cols), k)
    rows = encode(raw, k, shape.encoding)
    weight = np.zeros((COLORS, k, kh, kw), np.int64)
    for o in range(COLORS):
        budget.spend(MILP_WORK)
        w = fit_integer(rows, inverse, y[:, o].ravel(), weight_bound(shape.encoding))
        if w is None:
            return None
        weight[o] = w.reshape(k, kh, kw)
    return crop_int_graph(shape, weight)


def with_mask(x: np.ndarray, crop: tuple[int, int, int, int]) -> np.ndarray:
    """The cropped channels plus the crop's mask as one more channel (uint8 [N, k+1, 30, 30])."""
    r0, r1, c0, c1 = crop
    mask = np.zeros((x.shape[0], 1, GRID, GRID), np.uint8)
    mask[:, :, r0:r1, c0:c1] = 1
    return np.ascontiguousarray(np.concatenate([zero_outside(x, crop), mask], axis=1))


@family("crop_int", tier=110, traits={Trait.OUT_IS_SUBGRID, Trait.LOCAL_RULE})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """Each cropped-channel ConvInteger exact on the fit examples, cheapest first."""
    block = input_block(data)
    smallest = max(block[0] - 2, 1) * max(block[1] - 2, 1)
    yield Level((FLOAT_BYTES + 1) * smallest + COLORS + 9 + 1)  # the cheapest: one channel, one tap
    axes = kernel_axes()
    window = sorted({t for a in axes for t in a.taps})
    union = [(1, r, 1, c) for r, c in product(window, window)]
    y_head = data.y[:PRECHECK_EXAMPLES]
    caches: dict[tuple[Channels, tuple[int, int, int, int]], tuple[TapCache, TapCache]] = {}
    for run in (r for r in channel_runs() if r.count <= MAX_CHANNELS):
        x = data.x[:, run.indices]
        for crop in inner_crops(block):
            xm = with_mask(x, crop)
            head = TapCache(xm[:PRECHECK_EXAMPLES])
            budget.spend(1)
            if conflict_free(head, y_head, union, 1):
                caches[run, crop] = (TapCache(xm), head)
            if budget():
                return
    shapes = sorted((IntCropConv(run, r, c, crop, enc) for run, crop in caches for r, c in product(axes, axes)
                     for enc in ENCODINGS), key=IntCropConv.sort_key)
    yield from fitted_steps(shapes, caches, y_head, data.y, fit, budget)
