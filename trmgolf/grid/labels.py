"""Connected components by unrolled label propagation (numpy meaning and IR, once).

Every object cell starts with a unique id (``r * side + c + 1``); each propagation step
replaces a cell's label by the largest label around it and masks it back to the cells of
its group, so after enough steps every cell holds the largest id of its component. A
*group* is one channel of labels: the cells of a set of colours. 8-connected components use
one 3 x 3 MaxPool per step; 4-connected ones alternate a 1 x 3 and a 3 x 1 MaxPool, each
followed by the mask. ``propagate`` is the network's answer after a number of steps;
``labels_of`` the converged one (scipy's labelling), which it equals once the steps suffice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from trmgolf.grid.vocab import BACKGROUND, colour_masks, colour_masks_ir, f16, register
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Value
from trmgolf.tasks import COLORS

MAX_STEPS = 48  # propagation steps above which the network costs more than it earns


@dataclass(frozen=True)
class Grouping:
    """How cells form objects: ``connectivity`` 4 or 8; ``groups`` = the colour sets whose cells
    may join (one label channel each)."""

    connectivity: int
    groups: tuple[tuple[int, ...], ...]

    @property
    def name(self) -> str:
        kind = "any" if len(self.groups) == 1 and len(self.groups[0]) > 1 else "colour"
        return f"c{self.connectivity}{kind}"


#: Every colour but the background: an object is any non-background component.
NOT_BACKGROUND = tuple(c for c in range(COLORS) if c != BACKGROUND)


def _pool(labels: np.ndarray, kh: int, kw: int) -> np.ndarray:
    """Stride-1 max over a kh x kw window (zero padding: labels are >= 0)."""
    h, w = labels.shape[-2:]
    padded = np.pad(labels, [(0, 0)] * (labels.ndim - 2) + [(kh // 2, kh // 2), (kw // 2, kw // 2)])
    out = labels.copy()
    for i in range(kh):
        for j in range(kw):
            out = np.maximum(out, padded[..., i:i + h, j:j + w])
    return out


def _step(labels: np.ndarray, masks: np.ndarray, connectivity: int) -> np.ndarray:
    if connectivity == 8:
        return _pool(labels, 3, 3) * masks
    return _pool(_pool(labels, 1, 3) * masks, 3, 1) * masks


def _start(a: np.ndarray, masks: np.ndarray, side: int) -> np.ndarray:
    rows, cols = np.indices(a.shape)
    return masks * (rows * side + cols + 1)


def labels_of(a: np.ndarray, grouping: Grouping, side: int) -> np.ndarray:
    """[h, w] labels once propagation has converged (what the network computes when its steps
    suffice): each object cell holds the largest id of its component; 0 off objects."""
    rows, cols = np.indices(a.shape)
    ids = rows * side + cols + 1
    structure = np.ones((3, 3)) if grouping.connectivity == 8 else None
    out = np.zeros(a.shape, np.int64)
    for colours in grouping.groups:
        parts, n = ndimage.label(np.isin(a, colours), structure=structure)
        if n:
            top = np.asarray(ndimage.maximum(ids, parts, np.arange(1, n + 1)), np.int64)
            out[parts > 0] = top[parts[parts > 0] - 1]
    return out


def propagate(a: np.ndarray, grouping: Grouping, side: int, steps: int) -> np.ndarray:
    """[h, w] labels after ``steps`` network steps (the network's answer, converged or not)."""
    masks = colour_masks(a, grouping.groups).astype(np.int64)
    labels = _start(a, masks, side)
    for _ in range(steps):
        labels = _step(labels, masks, grouping.connectivity)
    return labels.sum(axis=0)


def label_steps(a: np.ndarray, grouping: Grouping, limit: int = MAX_STEPS) -> int:
    """Steps after which the labels of grid ``a`` stop changing (``limit + 1`` when more)."""
    masks = colour_masks(a, grouping.groups).astype(np.int64)
    labels = _start(a, masks, max(a.shape))
    steps = 0
    while steps <= limit:
        grown = _step(labels, masks, grouping.connectivity)
        if np.array_equal(grown, labels):
            return steps
        labels, steps = grown, steps + 1
    return steps


def _pool_ir(b: Builder, v: Value, kh: int, kw: int) -> Value:
    return b.op("max_pool2d", v, kernel=(kh, kw), pads=(kh // 2, kw // 2, kh // 2, kw // 2))


def labels_ir(b: Builder, x: Value, grouping: Grouping, steps: int) -> tuple[Value, Value]:
    """(labels, object mask), float16 [1,1,s,s], from the cropped one-hot ``x``: the labels
    of ``propagate`` with ``side`` = s."""
    side = x.type.shape[2]
    g = len(grouping.groups)
    masks = f16(b, colour_masks_ir(b, x, grouping.groups))
    rows, cols = np.indices((side, side))
    ids = b.const((rows * side + cols + 1).astype(np.float16).reshape(1, 1, side, side))
    labels = b.op("mul", masks, ids)
    for _ in range(steps):
        if grouping.connectivity == 8:
            labels = b.op("mul", _pool_ir(b, labels, 3, 3), masks)
        else:
            labels = b.op("mul", _pool_ir(b, labels, 1, 3), masks)
            labels = b.op("mul", _pool_ir(b, labels, 3, 1), masks)
    if g > 1:
        labels = b.op("reduce_sum", labels, axes=(1,), keepdims=1)
        masks = b.op("reduce_sum", masks, axes=(1,), keepdims=1)
    return labels, masks


def _a_grouping(rng: np.random.Generator, a: np.ndarray, side: int) -> dict[str, Any]:
    colours = sorted(int(c) for c in np.unique(a) if c != BACKGROUND) or [1]
    groups = (NOT_BACKGROUND,) if rng.random() < 0.5 else tuple((c,) for c in colours)
    return {"grouping": Grouping(int(rng.choice((4, 8))), groups), "side": side,
            "steps": int(rng.integers(0, 12))}


register("labels", lambda a, grouping, side, steps: propagate(a, grouping, side, steps)[None],
         lambda b, x, grouping, side, steps: labels_ir(b, x, grouping, steps)[0], _a_grouping, clean=True)
