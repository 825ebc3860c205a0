"""One ROI pooling node writing ``output``: MaxRoiPool or RoiAlign, its ROI fitted by enumeration.

Both ops resample the grid through a box (the ROI) and are separable: output row ``p``
reads an interval of input rows, output column ``q`` an interval of columns, and on one-hot
inputs (0/1, never negative) a cell is ``> 0`` exactly when its rectangle holds a 1 in that
channel. So per axis each ROI setting is an interval map ``(lo[p], hi[p])``, computed with
the exact models of onnxruntime (``ir.roi_reference``):

- MaxRoiPool (rois ``[1,5]``, spatial_scale 1): integer start and end per axis; bins of
  ``length / 30`` cells: crops, integer and fractional upscales, OR-downscales (5 params);
- RoiAlign (half_pixel, one sample per bin, rois ``[1,4]`` + batch_indices ``[1]``):
  quarter-cell start and end per axis, reversed ones included: flips, shifts and strided
  reads; a sample off a whole line reads two lines, which stays exact when the second one
  is outside every grid (5 params).

Per axis, maps that read the same lines of every fit grid are merged, and only those whose
non-empty outputs are exactly the expected grid's extent (``p < H`` for every example)
survive; the surviving row and column maps are then paired and checked on every example
with 2D prefix sums.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import Budget, Candidate, FitData, Level, Step, Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.ir.roi_reference import align_samples, roi_pool_bins

GRID = 30
PARAMS = 5  # MaxRoiPool: rois [1,5]; RoiAlign: rois [1,4] + batch_indices [1]
PRECHECK_EXAMPLES = 8
PAIRS_PER_UNIT = 8  # pair checks on the pre-check examples per work unit (``families.contract.Budget``)


@dataclass(frozen=True)
class AxisMaps:
    """Every ROI setting of one op on one axis: interval ``[lo, hi)`` of input lines read by each
    output line (``[M, 30]`` each) and the ROI's start and end coordinates (``[M]``)."""

    lo: np.ndarray
    hi: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def take(self, index: np.ndarray) -> AxisMaps:
        return AxisMaps(self.lo[index], self.hi[index], self.start[index], self.end[index])


def _by_simplicity(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Settings order: small coordinates first (deterministic; picks which equal map is kept)."""
    return np.lexsort((end, start, np.abs(start) + np.abs(end)))


@functools.cache
def max_roi_pool_maps() -> AxisMaps:
    """Integer ROI start in [-60, 29], length 1..120 cells (scale 1: no rounding surprises)."""
    start, length = np.meshgrid(np.arange(-60, 30), np.arange(1, 121), indexing="ij")
    start, end = start.ravel().astype(np.float32), (start + length - 1).ravel().astype(np.float32)
    order = _by_simplicity(start, end)
    start, end = start[order], end[order]
    lo, hi = roi_pool_bins(start, end, GRID, GRID)
    return distinct(AxisMaps(lo, np.maximum(hi, lo), start, end))


@functools.cache
def roi_align_maps() -> AxisMaps:
    """Quarter-cell ROI start and end in [-40, 40] (either order), half_pixel, sampling_ratio 1."""
    q = np.arange(-160, 161) / 4
    start, end = (a.ravel().astype(np.float32) for a in np.meshgrid(q, q, indexing="ij"))
    order = _by_simplicity(start, end)
    start, end = start[order], end[order]
    s = align_samples(start, end, GRID, GRID, 1, True)
    low, valid, w_high = s.low[..., 0], s.valid[..., 0], s.w_high[..., 0]
    lo = np.where(valid, low, 0)
    hi = np.where(valid, low + np.where(w_high > 0, 2, 1), 0)
    hi = np.minimum(hi, GRID)
    return distinct(AxisMaps(lo, hi, start, end))


def _restricted(maps: AxisMaps, lines: int) -> np.ndarray:
    """[M, 30, 2] intervals cut to the first ``lines`` input lines (empty ones as (0, 0))."""
    hi = np.minimum(maps.hi, lines)
    empty = hi <= maps.lo
    return np.stack([np.where(empty, 0, maps.lo), np.where(empty, 0, hi)], axis=2)


def distinct(maps: AxisMaps, lines: int = GRID) -> AxisMaps:
    """The first map of each distinct reading of the first ``lines`` input lines (order kept)."""
    keys = np.ascontiguousarray(_restricted(maps, lines).astype(np.int8).reshape(len(maps.lo), -1))
    _, first = np.unique(keys.view(np.dtype((np.void, keys.shape[1]))).ravel(), return_index=True)
    return maps.take(np.sort(first))


def fitting_axis_maps(maps: AxisMaps, sizes: np.ndarray, out_sizes: np.ndarray) -> AxisMaps:
    """The maps (one per distinct reading of the fit grids) whose non-empty output lines are
    exactly ``p < out_size`` for every example of input size ``size``."""
    maps = distinct(maps, int(sizes.max()))
    ok = np.ones(len(maps.lo), bool)
    p = np.arange(GRID)
    for size, out in sorted(set(zip(sizes.tolist(), out_sizes.tolist(), strict=True))):
        reads = maps.lo < np.minimum(maps.hi, size)
        ok &= (reads == (p < out)).all(axis=1)
    return maps.take(np.flatnonzero(ok))


def grid_sizes(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of each example's grid (one-hot [N,10,30,30]: every grid cell is set)."""
    mask = cells.any(axis=1)
    return mask.any(axis=2).sum(axis=1), mask.any(axis=1).sum(axis=1)


def _prefix(x: np.ndarray) -> np.ndarray:
    """[N,C,31,31] 2D prefix sums: ``S[a, b]`` = ones in rows < a and columns < b."""
    s = np.zeros(x.shape[:2] + (GRID + 1, GRID + 1), np.int32)
    s[:, :, 1:, 1:] = x.astype(np.int32).cumsum(axis=2).cumsum(axis=3)
    return s


def pooled(prefix: np.ndarray, rows: tuple[np.ndarray, np.ndarray], cols: tuple[np.ndarray, np.ndarray]
           ) -> np.ndarray:
    """Whether each output cell's rectangle holds a 1: bool [N,C,30,30]."""
    (r0, r1), (c0, c1) = rows, cols
    r0, r1, c0, c1 = r0[:, None], r1[:, None], c0[None, :], c1[None, :]
    count = prefix[:, :, r1, c1] - prefix[:, :, r0, c1] - prefix[:, :, r1, c0] + prefix[:, :, r0, c0]
    return count > 0


def max_roi_pool_graph(row: tuple[float, float], col: tuple[float, float]) -> Graph:
    b = Builder()
    rois = b.const(np.array([[0, col[0], row[0], col[1], row[1]]], np.float32))
    return b.finish(b.op("max_roi_pool", b.input, rois, pooled_shape=(GRID, GRID), spatial_scale=1.0))


def roi_align_graph(row: tuple[float, float], col: tuple[float, float]) -> Graph:
    b = Builder()
    rois = b.const(np.array([[col[0], row[0], col[1], row[1]]], np.float32))
    return b.finish(b.op("roi_align", b.input, rois, b.const(np.zeros(1, np.int64)), mode="avg",
                         output_height=GRID, output_width=GRID, sampling_ratio=1, spatial_scale=1.0,
                         coordinate_transformation_mode="half_pixel"))


OPS = (("max_roi_pool", max_roi_pool_maps, max_roi_pool_graph),
       ("roi_align", roi_align_maps, roi_align_graph))


def _fmt(v: float) -> str:
    return f"{v:g}"


@family("pooling", tier=70, traits={Trait.SCALE_DOWN, Trait.OUT_IS_SUBGRID})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """Each ROI node exact on the fit examples (cost: its 5 params), MaxRoiPool first."""
    yield Level(PARAMS)
    in_rows, in_cols = grid_sizes(data.x)
    out_rows, out_cols = grid_sizes(data.y)
    head = _prefix(data.x[:PRECHECK_EXAMPLES])
    y_head = data.y[:PRECHECK_EXAMPLES]
    full: np.ndarray | None = None
    for name, axis_maps, build in OPS:
        rows = fitting_axis_maps(axis_maps(), in_rows, out_rows)
        cols = fitting_axis_maps(axis_maps(), in_cols, out_cols)
        budget.spend(1)
        checks = 0
        for i in range(len(rows.lo)):
            r = (rows.lo[i], rows.hi[i])
            for j in range(len(cols.lo)):
                checks += 1
                if checks % PAIRS_PER_UNIT == 0:
                    budget.spend(1)
                    if budget():
                        return
                c = (cols.lo[j], cols.hi[j])
                if not np.array_equal(pooled(head, r, c), y_head):
                    continue
                budget.spend(1)
                full = _prefix(data.x) if full is None else full
                if np.array_equal(pooled(full, r, c), data.y):
                    row = (float(rows.start[i]), float(rows.end[i]))
                    col = (float(cols.start[j]), float(cols.end[j]))
                    label = f"{name}/rows{_fmt(row[0])}:{_fmt(row[1])}/cols{_fmt(col[0])}:{_fmt(col[1])}"
                    yield Candidate(PARAMS, label, build(row, col))
                    break  # one network per op: the next equal-cost one adds nothing
            else:
                continue
            break
