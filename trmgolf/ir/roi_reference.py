"""Exact numpy models of onnxruntime's CPU ``MaxRoiPool`` and ``RoiAlign`` (float32).

onnx's reference evaluator has no MaxRoiPool and computes RoiAlign in float64, so a
sample that lands on a whole row in float32 (ORT) can land a hair off it there, and a
thresholded output (``> 0``) flips. These models repeat ORT's float32 arithmetic in its
order, per axis (both ops are separable: rows and columns are computed independently),
so the interpreter and the structure search agree with the grader.

- MaxRoiPool: per axis ``start = round(roi * scale)`` (half away from zero), length
  ``max(end - start + 1, 1)``, bin ``p`` covers ``[floor(p*bin), ceil((p+1)*bin)) + start``
  clipped to the grid; an empty bin gives 0.
- RoiAlign: per axis ``start = roi * scale - offset`` (0.5 with ``half_pixel``), bin
  ``(end - start) / pooled`` (at least 1 per ROI side without half_pixel), samples
  ``start + p*bin + (i + 0.5) * bin / grid``; a sample outside ``[-1, size]`` on either axis
  weighs 0, else it is clamped to 0 and interpolated bilinearly between ``floor`` and the
  next line (the last line alone at the far edge).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

F32 = np.float32


def c_round(v: np.ndarray) -> np.ndarray:
    """C's ``round``: halves away from zero (numpy rounds them to even)."""
    v = np.asarray(v, np.float64)
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def roi_pool_bins(start: np.ndarray, end: np.ndarray, pooled: int, size: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per axis: ``(lo, hi)`` of every output bin, shape ``start.shape + (pooled,)``; ``start`` and
    ``end`` are the ROI's scaled float32 coordinates (before rounding)."""
    s = c_round(np.asarray(start, F32)).astype(np.int64)[..., None]
    e = c_round(np.asarray(end, F32)).astype(np.int64)[..., None]
    length = np.maximum(e - s + 1, 1)
    bin_size = length.astype(F32) / F32(pooled)
    p = np.arange(pooled, dtype=F32)
    lo = np.floor(p * bin_size).astype(np.int64) + s
    hi = np.ceil((p + F32(1)) * bin_size).astype(np.int64) + s
    return np.clip(lo, 0, size), np.clip(hi, 0, size)


def max_roi_pool(x: np.ndarray, rois: np.ndarray, pooled_shape: tuple[int, int], spatial_scale: float
                 ) -> np.ndarray:
    """ORT's MaxRoiPool on float32 ``x`` [N,C,H,W] and ``rois`` [R,5] (batch, x1, y1, x2, y2)."""
    x = np.asarray(x, F32)
    rois = np.asarray(rois, F32)
    ph_n, pw_n = pooled_shape
    out = np.zeros((rois.shape[0], x.shape[1], ph_n, pw_n), F32)
    scale = F32(spatial_scale)
    for n, roi in enumerate(rois):
        data = x[int(roi[0])]
        rlo, rhi = roi_pool_bins(roi[2] * scale, roi[4] * scale, ph_n, x.shape[2])
        clo, chi = roi_pool_bins(roi[1] * scale, roi[3] * scale, pw_n, x.shape[3])
        for ph in range(ph_n):
            if rhi[ph] <= rlo[ph]:
                continue
            rows = data[:, rlo[ph]:rhi[ph]].max(axis=1)  # C, W
            for pw in range(pw_n):
                if chi[pw] > clo[pw]:
                    out[n, :, ph, pw] = rows[:, clo[pw]:chi[pw]].max(axis=1)
    return out


@dataclass(frozen=True)
class AxisSamples:
    """One axis of RoiAlign: per output index and sample (shape ``[..., pooled, grid]``), the
    two lines read, their float32 weights, and whether the sample is inside ``[-1, size]``."""

    low: np.ndarray
    high: np.ndarray
    w_low: np.ndarray
    w_high: np.ndarray
    valid: np.ndarray


def align_samples(start: np.ndarray, end: np.ndarray, pooled: int, size: int, sampling_ratio: int,
                  half_pixel: bool) -> AxisSamples:
    """Per axis sample positions of RoiAlign; ``start`` and ``end`` are the ROI's scaled float32
    coordinates (``roi * spatial_scale``). Needs ``sampling_ratio > 0`` (adaptive grids differ
    per ROI, which a batch of ROIs cannot hold in one array)."""
    assert sampling_ratio > 0
    offset = F32(0.5) if half_pixel else F32(0)
    s = (np.asarray(start, F32) - offset)[..., None, None]
    length = (np.asarray(end, F32) - offset)[..., None, None] - s
    if not half_pixel:
        length = np.maximum(length, F32(1))
    bin_size = length / F32(pooled)
    p = np.arange(pooled, dtype=F32)[:, None]
    i = np.arange(sampling_ratio, dtype=F32)[None, :]
    y = (s + p * bin_size) + ((i + F32(0.5)) * bin_size) / F32(sampling_ratio)
    valid = (y >= F32(-1)) & (y <= F32(size))
    y = np.maximum(y, F32(0))
    low = np.where(valid, y, 0).astype(np.int64)
    edge = low >= size - 1
    low = np.where(edge, size - 1, low)
    high = np.where(edge, size - 1, low + 1)
    y = np.where(edge, low.astype(F32), y)
    w_high = (y - low.astype(F32)).astype(F32)
    w_low = (F32(1) - w_high).astype(F32)
    zero = F32(0)
    return AxisSamples(low, high, np.where(valid, w_low, zero), np.where(valid, w_high, zero), valid)


def roi_align(x: np.ndarray, rois: np.ndarray, batch_indices: np.ndarray, *, mode: str = "avg",
              output_height: int = 1, output_width: int = 1, sampling_ratio: int = 0,
              spatial_scale: float = 1.0, coordinate_transformation_mode: str = "half_pixel") -> np.ndarray:
    """ORT's RoiAlign on float32 ``x`` [N,C,H,W], ``rois`` [R,4] (x1, y1, x2, y2), ``batch_indices`` [R]."""
    x = np.asarray(x, F32)
    rois = np.asarray(rois, F32)
    half = coordinate_transformation_mode == "half_pixel"
    scale = F32(spatial_scale)
    out = np.zeros((rois.shape[0], x.shape[1], output_height, output_width), F32)
    for n, roi in enumerate(rois):
        data = x[int(batch_indices[n])]
        ratio_h = ratio_w = sampling_ratio
        if sampling_ratio <= 0:  # adaptive: ceil(roi side / pooled), computed like ORT
            off = F32(0.5) if half else F32(0)
            side_h = (roi[3] * scale - off) - (roi[1] * scale - off)
            side_w = (roi[2] * scale - off) - (roi[0] * scale - off)
            if not half:
                side_h, side_w = max(side_h, F32(1)), max(side_w, F32(1))
            ratio_h = int(np.ceil(side_h / F32(output_height)))
            ratio_w = int(np.ceil(side_w / F32(output_width)))
            if ratio_h <= 0 or ratio_w <= 0:
                continue  # ORT's sample loops run zero times: the output stays 0
        rows = align_samples(roi[1] * scale, roi[3] * scale, output_height, x.shape[2], ratio_h, half)
        cols = align_samples(roi[0] * scale, roi[2] * scale, output_width, x.shape[3], ratio_w, half)
        acc = np.zeros((x.shape[1], output_height, output_width), F32)
        for iy in range(ratio_h):
            for ix in range(ratio_w):
                ok = rows.valid[:, iy][:, None] & cols.valid[:, ix][None, :]
                terms = []
                for rl, rw in ((rows.low, rows.w_low), (rows.high, rows.w_high)):
                    for cl, cw in ((cols.low, cols.w_low), (cols.high, cols.w_high)):
                        w = np.where(ok, rw[:, iy][:, None] * cw[:, ix][None, :], F32(0)).astype(F32)
                        v = data[:, rl[:, iy][:, None], cl[:, ix][None, :]]
                        v = np.where(ok, v, data[:, :1, :1])  # ORT reads position 0 at weight 0
                        terms.append((w[None] * v).astype(F32))
                t1, t2, t3, t4 = terms  # ORT's order: w1 (low, low), w2 (low, high), w3 (high, low), w4
                if mode == "avg":
                    acc = (acc + (((t1 + t2) + t3) + t4)).astype(F32)
                else:
                    val = np.maximum(np.maximum(np.maximum(t1, t2), t3), t4)
                    acc = val if iy == 0 and ix == 0 else np.maximum(acc, val)
        if mode == "avg":
            acc = (acc / F32(max(ratio_h * ratio_w, 1))).astype(F32)
        out[n] = acc
    return out
