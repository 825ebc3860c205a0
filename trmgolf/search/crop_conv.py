"""A Conv on a few input channels of a cropped input: Slice, then one Conv writing ``output``.

When every fit input lies in a small top-left block (rows < H, cols < W) and the rule reads
only a few colours, ``Slice`` keeps those channels of that block (a [1,k,H,W] float tensor:
4kHW bytes) and the Conv maps them to all ten output channels; its pads reach the full 30x30
output, and every cell beyond the block reads only padding (the Conv's bias, <= 0: off).
The colours are any arithmetic run a Slice step picks: one channel, or e.g. {0, 5} (step 5)
for "the background and red" (public task095 reads one channel of a 7x7 crop). Against a
plain Conv of 10 input channels this trades weights (10k instead of 100 per tap) for the
crop's bytes: it wins on small grids that read few colours.

Each channel subset is first checked on the union of all kernel windows (no tap pattern on
the cropped channels may be expected both on and off: otherwise no kernel on those channels
works), so subsets that miss a colour the rule needs cost one check. The fit of each output
channel is the least-L1 LP of ``conv_lp``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Protocol

import numpy as np

from trmgolf.families.contract import Budget, Candidate, FitData, Level, Step, Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.search.conv_lp import (
    LP_WORK,
    PRECHECK_EXAMPLES,
    AxisTaps,
    TapCache,
    conflict_free,
    fit_channel,
    tap_features,
)

GRID = 30
COLORS = 10
FLOAT_BYTES = 4
MAX_CHANNELS = 4  # beyond this the crop's bytes outweigh the weights saved on any grid worth it
SIZES = (1, 2, 3)


@dataclass(frozen=True)
class Channels:
    """Input channels ``start, start + step, ...`` (``count`` of them): one Slice step."""

    start: int
    step: int
    count: int

    @property
    def indices(self) -> list[int]:
        return [self.start + i * self.step for i in range(self.count)]

    @property
    def end(self) -> int:
        return self.indices[-1] + 1


def channel_runs() -> list[Channels]:
    """Every run a Slice step picks, up to ``MAX_CHANNELS`` channels; one channel has step 1."""
    runs = [Channels(s, 1, 1) for s in range(COLORS)]
    for count, step, start in product(range(2, MAX_CHANNELS + 1), range(1, COLORS), range(COLORS)):
        if start + (count - 1) * step < COLORS:
            runs.append(Channels(start, step, count))
    return runs


def kernel_axes() -> list[AxisTaps]:
    """Adjacent taps (1 to 3) at every alignment around the output cell."""
    return [AxisTaps(1, size, 1, -o) for size in SIZES for o in range(size)]


@dataclass(frozen=True)
class CropConv:
    channels: Channels
    rows: AxisTaps
    cols: AxisTaps
    bias: bool
    crop: tuple[int, int, int, int]  # rows [r0, r1), cols [c0, c1) of the input kept

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
        weights = COLORS * k * self.rows.size * self.cols.size + (COLORS if self.bias else 0)
        return FLOAT_BYTES * k * self.area + weights + self.slice_params

    def sort_key(self) -> tuple:
        c, r, q = self.channels, self.rows, self.cols
        return (self.cost, self.bias, c.count, c.start, c.step, self.crop, r.size, r.offset, q.size, q.offset)

    def label(self) -> str:
        c, (r0, r1, c0, c1) = self.channels, self.crop
        return (f"crop_conv/ch{c.start}:{c.end}:{c.step}/rows{r0}:{r1},cols{c0}:{c1}/"
                f"conv{self.rows.size}x{self.cols.size}/at{self.rows.offset}x{self.cols.offset}"
                + ("+bias" if self.bias else ""))


def input_block(data: FitData) -> tuple[int, int]:
    """(H, W): the smallest top-left block holding every fit input's cells."""
    cells = data.x.any(axis=1)  # N, 30, 30
    rows = np.nonzero(cells.any(axis=(0, 2)))[0]
    cols = np.nonzero(cells.any(axis=(0, 1)))[0]
    return (int(rows[-1]) + 1 if len(rows) else 1), (int(cols[-1]) + 1 if len(cols) else 1)


def tap_offsets(rows: AxisTaps, cols: AxisTaps) -> list[tuple[int, int, int, int]]:
    """(1, row offset, 1, column offset) of every tap of the rows x columns window."""
    return [(1, r, 1, c) for r, c in product(rows.taps, cols.taps)]


def crop_graph(shape: CropConv, weight: np.ndarray, bias: np.ndarray | None) -> Graph:
    b = Builder()
    c, (r0, r1, c0, c1) = shape.channels, shape.crop
    crop = b.op("slice", b.input, starts=(c.start, r0, c0), ends=(c.end, r1, c1), axes=(1, 2, 3),
                steps=(c.step, 1, 1) if c.step != 1 else ())
    (pt, pb), (pl, pr) = shape.rows.pads, shape.cols.pads
    pads = (pt + r0, pl + c0, pb + GRID - r1, pr + GRID - c1)  # the Conv's output is 30x30 again
    ins = [crop, b.const(weight)] + ([b.const(bias)] if bias is not None else [])
    return b.finish(b.op("conv2d", *ins, pads=pads))


def fit(cache: TapCache, y: np.ndarray, shape: CropConv, budget: Budget) -> Graph | None:
    taps = tap_offsets(shape.rows, shape.cols)
    k = shape.channels.count
    feats = tap_features(cache, taps, range(k))
    weight = np.zeros((COLORS, k, shape.rows.size, shape.cols.size), np.float32)
    bias = np.zeros(COLORS, np.float32)
    for o in range(COLORS):
        budget.spend(LP_WORK)
        fitted = fit_channel(feats, y[:, o].ravel(), shape.bias)
        if fitted is None:
            return None
        weight[o] = fitted[0].reshape(k, shape.rows.size, shape.cols.size)
        bias[o] = fitted[1]
    return crop_graph(shape, weight, bias if shape.bias else None)


def inner_crops(block: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """The inputs' block, and that block less its first and/or last row and column (a border
    the rule may only need to see through the Conv's padding)."""
    h, w = block
    rows = sorted({(r0, r1) for r0 in (0, 1) for r1 in (h - 1, h) if r1 - r0 >= 1})
    cols = sorted({(c0, c1) for c0 in (0, 1) for c1 in (w - 1, w) if c1 - c0 >= 1})
    return [(r0, r1, c0, c1) for (r0, r1), (c0, c1) in product(rows, cols)]


def zero_outside(x: np.ndarray, crop: tuple[int, int, int, int]) -> np.ndarray:
    """The batch ``x`` [n, c, h, w] with every cell outside rows r0:r1, columns c0:c1 zeroed."""
    r0, r1, c0, c1 = crop
    out = np.zeros_like(x)
    out[:, :, r0:r1, c0:c1] = x[:, :, r0:r1, c0:c1]
    return out


@family("crop_conv", tier=100, traits={Trait.OUT_IS_SUBGRID, Trait.LOCAL_RULE})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """Each cropped-channel Conv exact on the fit examples, cheapest first."""
    block = input_block(data)
    smallest = max(block[0] - 2, 1) * max(block[1] - 2, 1)
    yield Level(FLOAT_BYTES * smallest + COLORS + 9)  # the cheapest: one channel, one tap
    axes = kernel_axes()
    window = sorted({t for a in axes for t in a.taps})
    union = [(1, r, 1, c) for r, c in product(window, window)]
    y_head = data.y[:PRECHECK_EXAMPLES]
    caches: dict[tuple[Channels, tuple[int, int, int, int]], tuple[TapCache, TapCache]] = {}
    conflicting: list[set[int]] = []  # fewer channels or a smaller crop can only conflict too
    for run in sorted(channel_runs(), key=lambda r: -r.count):
        if any(set(run.indices) <= known for known in conflicting):
            continue
        x = np.ascontiguousarray(data.x[:, run.indices])
        budget.spend(1)
        if not conflict_free(TapCache(x[:PRECHECK_EXAMPLES]), y_head, union, 1):
            conflicting.append(set(run.indices))
            continue
        for crop in inner_crops(block):
            xc = zero_outside(x, crop)
            head = TapCache(xc[:PRECHECK_EXAMPLES])
            budget.spend(1)
            if conflict_free(head, y_head, union, 1):
                caches[run, crop] = (TapCache(xc), head)
        if budget():
            return
    shapes = sorted((CropConv(run, r, c, bias, crop) for run, crop in caches for r, c in product(axes, axes)
                     for bias in (False, True)), key=CropConv.sort_key)
    yield from fitted_steps(shapes, caches, y_head, data.y, fit, budget)


class CroppedShape(Protocol):
    """What ``fitted_steps`` reads of a shape (``CropConv``, ``crop_int.IntCropConv``)."""

    channels: Channels
    crop: tuple[int, int, int, int]
    rows: AxisTaps
    cols: AxisTaps

    @property
    def cost(self) -> int: ...

    def label(self) -> str: ...


def fitted_steps(shapes: Sequence[CroppedShape], caches: dict[tuple, tuple[TapCache, TapCache]],
                 y_head: np.ndarray, y: np.ndarray, fit_shape: Callable[..., Graph | None],
                 budget: Budget) -> Iterator[Step]:
    """The search steps of cropped-Conv ``shapes`` (sorted by cost): a marker per cost level,
    then each shape ``fit_shape`` fits, after the tap-conflict checks (shared by the shapes
    with the same channels, crop and taps) rule out the rest. Also serves ``crop_int``."""
    checked: dict[tuple, bool] = {}
    level = 0
    for shape in shapes:
        if shape.cost != level:  # one marker per cost level
            level = shape.cost
            yield Level(level)
        if budget():
            return
        cache, head = caches[shape.channels, shape.crop]
        taps = tap_offsets(shape.rows, shape.cols)
        key = (shape.channels, shape.crop, tuple(taps))
        if key not in checked:
            budget.spend(1)
            checked[key] = conflict_free(head, y_head, taps, 1) and conflict_free(cache, y, taps, 1)
        if not checked[key]:
            continue
        graph = fit_shape(cache, y, shape, budget)
        if graph is not None:
            yield Candidate(shape.cost, shape.label(), graph)
