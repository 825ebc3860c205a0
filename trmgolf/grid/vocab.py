"""Grid primitives, each once: a numpy meaning on the int grid and an IR builder on one-hot.

The two sides share one contract (the one ``solvers.planes.Planes`` uses): the numpy side
takes an int grid ``a`` [h, w] and returns [P, h', w'] (planes, counts as [P, 1, 1], or the
one-hot planes of a crop); the IR side takes the one-hot input ``x`` float32 [1, 10, s, s]
on a canvas of side ``s >= h, w`` (cells past the grid hold no colour) and returns a value
whose [0, :P, :h', :w'] corner equals the numpy answer. Every primitive is registered in
:data:`PRIMITIVES` with a sampler of test arguments, so the property test in ``tests/grid``
covers a new one without being edited.

Primitives that take a plane rather than the grid (``next_to``, ``near8``, ``shift``) are
registered on the plane of one colour, the simplest plane the test can draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Value
from trmgolf.tasks import COLORS

#: The background colour every family assumes (black).
BACKGROUND = 0

Spans = tuple[tuple[int, int], tuple[int, int]]  # ((first row, last row), (first col, last col))
Sampler = Callable[[np.random.Generator, np.ndarray, int], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Primitive:
    """One vocabulary entry: ``meaning(a, **args)`` (numpy), ``build(b, x, **args)`` (IR), and
    ``sample(rng, a, side)``: arguments for the property test on grid ``a`` (None: none fit).
    ``clean``: the IR is also 0 on every canvas cell past the grid (planes a Conv reads)."""

    name: str
    meaning: Callable[..., np.ndarray]
    build: Callable[..., Value]
    sample: Sampler
    clean: bool = False


PRIMITIVES: dict[str, Primitive] = {}


def register(name: str, meaning: Callable[..., np.ndarray], build: Callable[..., Value],
             sample: Sampler, clean: bool = False) -> Primitive:
    """Add a primitive; both sides and the sampler are required, and a name is taken once."""
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is registered twice")
    for side, f in (("meaning", meaning), ("build", build), ("sample", sample)):
        if not callable(f):
            raise TypeError(f"primitive {name!r}: {side} is not callable")
    PRIMITIVES[name] = Primitive(name, meaning, build, sample, clean)
    return PRIMITIVES[name]


def no_args(rng: np.random.Generator, a: np.ndarray, side: int) -> dict[str, Any]:
    return {}


def a_colour(rng: np.random.Generator, a: np.ndarray, side: int) -> dict[str, Any]:
    """One colour, present in ``a`` three times in four."""
    present = np.unique(a)
    return {"colour": int(rng.choice(present) if rng.random() < 0.75 else rng.integers(COLORS))}


def some_colours(rng: np.random.Generator, a: np.ndarray, side: int) -> dict[str, Any]:
    k = int(rng.integers(1, 4))
    return {"colours": tuple(sorted(int(c) for c in rng.choice(COLORS, k, replace=False)))}


def f16(b: Builder, v: Value) -> Value:
    return b.op("cast", v, to="float16")


def one(b: Builder) -> Value:
    return b.const(np.float32(1.0))


# ---- colours ---------------------------------------------------------------------------------

def onehot(a: np.ndarray) -> np.ndarray:
    """[10, h, w] uint8: the one-hot planes of grid ``a``."""
    return (a[None] == np.arange(COLORS)[:, None, None]).astype(np.uint8)


def colour_plane(a: np.ndarray, colour: int) -> np.ndarray:
    """[h, w] bool: the cells of ``colour``."""
    return a == colour


def colour_plane_ir(b: Builder, x: Value, colour: int) -> Value:
    """float32 [1,1,s,s]: the cells of ``colour``."""
    return b.op("slice", x, starts=(colour,), ends=(colour + 1,), axes=(1,))


def colour_masks(a: np.ndarray, groups: tuple[tuple[int, ...], ...]) -> np.ndarray:
    """[G, h, w] bool: per group of colours, the cells holding one of them."""
    return np.stack([np.isin(a, g) for g in groups])


def colour_masks_ir(b: Builder, x: Value, groups: tuple[tuple[int, ...], ...]) -> Value:
    """float32 [1,G,s,s]: ``colour_masks`` by one 1 x 1 Conv."""
    w = np.zeros((len(groups), COLORS, 1, 1), np.float32)
    for k, colours in enumerate(groups):
        w[k, list(colours)] = 1.0
    return b.op("conv2d", x, b.const(w))


def on_grid_ir(b: Builder, x: Value) -> Value:
    """float32 [1,1,s,s]: 1 on the grid's cells, 0 on the canvas past it."""
    return b.op("reduce_sum", x, axes=(1,), keepdims=1)


register("colour_plane", lambda a, colour: colour_plane(a, colour)[None], colour_plane_ir, a_colour,
         clean=True)
register("colour_masks", colour_masks, colour_masks_ir,
         lambda rng, a, side: {"groups": tuple(some_colours(rng, a, side)["colours"]
                                               for _ in range(int(rng.integers(1, 4))))})
register("on_grid", lambda a: np.ones((1, *a.shape), bool), on_grid_ir, no_args, clean=True)


# ---- neighbourhoods and shifts ---------------------------------------------------------------

def border(a: np.ndarray) -> np.ndarray:
    """[h, w] bool: the grid's outermost ring of cells."""
    edge = np.zeros(a.shape, bool)
    edge[0], edge[-1], edge[:, 0], edge[:, -1] = True, True, True, True
    return edge


def border_ir(b: Builder, x: Value) -> Value:
    """float16 [1,1,s,s]: grid cells with a 4-neighbour outside the grid."""
    inside = on_grid_ir(b, x)
    cross = np.zeros((1, 1, 3, 3), np.float32)
    cross[0, 0, 1, 0] = cross[0, 0, 1, 2] = cross[0, 0, 0, 1] = cross[0, 0, 2, 1] = -1.0
    outside_next = b.op("conv2d", inside, b.const(cross), b.const(np.array([4.0], np.float32)),
                        pads=(1, 1, 1, 1))
    return f16(b, b.op("mul", inside, b.op("min", outside_next, one(b))))


def next_to(plane: np.ndarray) -> np.ndarray:
    """[h, w]: cells with a 4-neighbour in ``plane``."""
    out = np.zeros_like(plane)
    out[1:] |= plane[:-1]
    out[:-1] |= plane[1:]
    out[:, 1:] |= plane[:, :-1]
    out[:, :-1] |= plane[:, 1:]
    return out


def next_to_ir(b: Builder, plane: Value) -> Value:
    """float16 [1,1,s,s]: ``next_to`` of the float32 0/1 ``plane``."""
    cross = np.zeros((1, 1, 3, 3), np.float32)
    cross[0, 0, 1, 0] = cross[0, 0, 1, 2] = cross[0, 0, 0, 1] = cross[0, 0, 2, 1] = 1.0
    near = b.op("conv2d", plane, b.const(cross), pads=(1, 1, 1, 1))
    return f16(b, b.op("min", near, one(b)))


def near8(plane: np.ndarray) -> np.ndarray:
    """[h, w] bool: cells with ``plane`` in their 3 x 3 neighbourhood (themselves included)."""
    return ndimage.binary_dilation(plane, np.ones((3, 3), bool))


def near8_ir(b: Builder, plane: Value) -> Value:
    """float32 [1,1,s,s]: ``near8`` of the float32 0/1 ``plane``."""
    near = b.op("conv2d", plane, b.const(np.ones((1, 1, 3, 3), np.float32)), pads=(1, 1, 1, 1))
    return b.op("min", near, one(b))


def shift(plane: np.ndarray, dr: int, dc: int) -> np.ndarray:
    """[h, w]: ``plane`` moved ``dr`` rows down and ``dc`` columns right, zeros shifted in."""
    h, w = plane.shape
    out = np.zeros_like(plane)
    if abs(dr) >= h or abs(dc) >= w:
        return out  # moved wholly off the grid
    out[max(dr, 0):h + min(dr, 0), max(dc, 0):w + min(dc, 0)] = \
        plane[max(-dr, 0):h - max(dr, 0), max(-dc, 0):w - max(dc, 0)]
    return out


def shift_ir(b: Builder, plane: Value, dr: int, dc: int) -> Value:
    """``shift`` of a [1,1,s,s] float value: a Conv whose one tap reads cell (i - dr, j - dc);
    its zero padding shifts zeros in (a kernel of the plane's dtype, so float16 stays float16)."""
    kernel = np.zeros((1, 1, 2 * abs(dr) + 1, 2 * abs(dc) + 1), plane.type.np_dtype)
    kernel[0, 0, abs(dr) - dr, abs(dc) - dc] = 1.0
    return b.op("conv2d", plane, b.const(kernel), pads=(abs(dr), abs(dc), abs(dr), abs(dc)))


def _a_shift(rng: np.random.Generator, a: np.ndarray, side: int) -> dict[str, Any]:
    return {**a_colour(rng, a, side), "dr": int(rng.integers(-3, 4)), "dc": int(rng.integers(-3, 4))}


def _shift_meaning(a: np.ndarray, colour: int, dr: int, dc: int) -> np.ndarray:
    # the IR shifts the whole canvas: a cell moved past the grid's last row is lost to the
    # reader's crop, and one moved in from the canvas past it holds no colour, as in numpy
    return shift(a == colour, dr, dc)[None]


register("border", lambda a: border(a)[None], border_ir, no_args, clean=True)
register("next_to", lambda a, colour: next_to(a == colour)[None],
         lambda b, x, colour: next_to_ir(b, colour_plane_ir(b, x, colour)), a_colour)
register("near8", lambda a, colour: near8(a == colour)[None],
         lambda b, x, colour: near8_ir(b, colour_plane_ir(b, x, colour)), a_colour)
register("shift", _shift_meaning,
         lambda b, x, colour, dr, dc: shift_ir(b, colour_plane_ir(b, x, colour), dr, dc), _a_shift)


# ---- lines -----------------------------------------------------------------------------------

def line_plane(a: np.ndarray, colour: int, axis: int) -> np.ndarray:
    """[h, w] bool: cells whose row (``axis`` 1) or column (``axis`` 0) holds ``colour``."""
    return np.broadcast_to((a == colour).any(axis=axis, keepdims=True), a.shape)


def line_plane_ir(b: Builder, x: Value, colour: int, axis: int) -> Value:
    """float32 [1,1,s,s]: ``line_plane`` by a ReduceMax along the line and an Expand back."""
    s = x.type.shape[2]
    held = b.op("reduce_max", colour_plane_ir(b, x, colour), axes=(axis + 2,), keepdims=1)
    return b.op("expand", held, shape=(1, 1, s, s))


register("line_plane", lambda a, colour, axis: line_plane(a, colour, axis)[None], line_plane_ir,
         lambda rng, a, side: {**a_colour(rng, a, side), "axis": int(rng.integers(2))})


# ---- counts ----------------------------------------------------------------------------------

def colour_counts(a: np.ndarray) -> np.ndarray:
    """[10, 1, 1]: how many cells hold each colour."""
    return np.bincount(a.ravel(), minlength=COLORS).reshape(COLORS, 1, 1)


def colour_counts_ir(b: Builder, x: Value) -> Value:
    """float32 [1,10,1,1]: ``colour_counts`` (exact: at most 900 per colour)."""
    return b.op("reduce_sum", x, axes=(2, 3), keepdims=1)


register("colour_counts", colour_counts, colour_counts_ir, no_args)


# ---- bounding boxes and crops ----------------------------------------------------------------

def bbox(a: np.ndarray, colours: tuple[int, ...]) -> Spans | None:
    """((first row, last row), (first column, last column)) of the cells of ``colours``;
    None when there are none."""
    mask = np.isin(a, colours)
    if not mask.any():
        return None
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return (int(rows[0]), int(rows[-1])), (int(cols[0]), int(cols[-1]))


def box_plane(a: np.ndarray, colours: tuple[int, ...]) -> np.ndarray:
    """[h, w] bool: the cells inside the bounding box of ``colours`` (none when absent)."""
    out = np.zeros(a.shape, bool)
    spans = bbox(a, colours)
    if spans is not None:
        (r0, r1), (c0, c1) = spans
        out[r0:r1 + 1, c0:c1 + 1] = True
    return out


def box_plane_ir(b: Builder, x: Value, colours: tuple[int, ...]) -> Value:
    """float32 [1,1,s,s]: ``box_plane``. A row is inside the box when an occupied row lies at
    or above it and one at or below it: two MatMuls with triangular 0/1 matrices."""
    s = x.type.shape[2]
    mask = colour_masks_ir(b, x, (colours,))
    upper = np.triu(np.ones((s, s), np.float32))  # upper[i, j] = i <= j
    inside = []
    for axis, other in ((2, 3), (3, 2)):
        occupied = b.op("reshape", b.op("reduce_max", mask, axes=(other,), keepdims=1), shape=(1, 1, 1, s))
        after = b.op("matmul", occupied, b.const(upper))  # [j]: occupied lines i <= j
        before = b.op("matmul", occupied, b.const(upper.T.copy()))  # [j]: occupied lines i >= j
        both = b.op("min", b.op("min", after, before), one(b))
        inside.append(b.op("reshape", both, shape=(1, 1, s, 1) if axis == 2 else (1, 1, 1, s)))
    return b.op("mul", inside[0], inside[1])


def crop(a: np.ndarray, spans: Spans) -> np.ndarray:
    """The grid's cells inside ``spans`` (both ends included)."""
    (r0, r1), (c0, c1) = spans
    return a[r0:r1 + 1, c0:c1 + 1]


def boxed(a: np.ndarray, colours: tuple[int, ...]) -> np.ndarray | None:
    """The grid cut to the bounding box of ``colours``; None when there are none."""
    spans = bbox(a, colours)
    return None if spans is None else crop(a, spans)


def crop_ir(b: Builder, x: Value, spans: Spans) -> Value:
    """float32 [1,10,h',w']: the one-hot cells inside ``spans``."""
    (r0, r1), (c0, c1) = spans
    return b.op("slice", x, starts=(r0, c0), ends=(r1 + 1, c1 + 1), axes=(2, 3))


def _a_box(rng: np.random.Generator, a: np.ndarray, side: int) -> dict[str, Any]:
    h, w = a.shape
    r0, r1 = sorted(int(v) for v in rng.integers(0, h, 2))
    c0, c1 = sorted(int(v) for v in rng.integers(0, w, 2))
    return {"spans": ((r0, r1), (c0, c1))}


register("box_plane", lambda a, colours: box_plane(a, colours)[None], box_plane_ir, some_colours)
register("crop", lambda a, spans: onehot(crop(a, spans)), crop_ir, _a_box)


# ---- nearest cells along lines ---------------------------------------------------------------

#: The four kinds of line through a cell: along its row, its column, its diagonal (row and
#: column grow together) and its anti-diagonal (row grows, column shrinks).
LINES = ("row", "col", "diag", "anti")
#: Position weight of the nearest-cell code ``POSITION * position + colour``: above any colour.
POSITION = 16


def _lines_of(h: int, w: int, line: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(rows, cols) of each line's cells in order along it (rows ascending; a row's columns
    ascending)."""
    if line == "row":
        return [(np.full(w, r), np.arange(w)) for r in range(h)]
    if line == "col":
        return [(np.arange(h), np.full(h, c)) for c in range(w)]
    out = []
    for k in range(-(h - 1), w) if line == "diag" else range(h + w - 1):
        rows = np.arange(h)
        cols = rows + k if line == "diag" else k - rows
        keep = (cols >= 0) & (cols < w)
        out.append((rows[keep], cols[keep]))
    return out


def skew(b: Builder, x: Value, anti: bool) -> Value:
    """[1, k, s, s] -> [1, k, s, 2s -/+ 1]: cell (r, c) moves to column r + c (``anti``) or
    s + c - r, so each (anti-)diagonal becomes one column."""
    _, k, s, _ = x.type.shape
    wide = b.op("pad", x, pads=(0, 0, 0, 0 if anti else s, 0, 0, 0, s if anti else 0))
    flat = b.op("reshape", wide, shape=(1, k, 2 * s * s))
    flat = b.op("pad", flat, pads=(0, 0, 0, 0, 0, -s if anti else s))
    return b.op("reshape", flat, shape=(1, k, s, 2 * s - 1 if anti else 2 * s + 1))


def unskew(b: Builder, y: Value, anti: bool) -> Value:
    """The inverse of ``skew``: [1, k, s, 2s -/+ 1] -> [1, k, s, s]."""
    _, k, s, width = y.type.shape
    flat = b.op("reshape", y, shape=(1, k, s * width))
    flat = b.op("pad", flat, pads=(0, 0, 0, 0, 0, s if anti else -s))
    wide = b.op("reshape", flat, shape=(1, k, s, 2 * s))
    return b.op("pad", wide, pads=(0, 0, 0, 0 if anti else -s, 0, 0, 0, -s if anti else 0))


def nearest_colours(a: np.ndarray, line: str) -> np.ndarray:
    """[2, h, w]: along each ``line`` through a cell, the colour of the nearest non-background
    cell at or before it (plane 0) and at or after it (plane 1); 0 where there is none."""
    out = np.zeros((2, *a.shape), np.int64)
    for rows, cols in _lines_of(*a.shape, line):
        values = a[rows, cols]
        for plane, order in ((0, slice(None)), (1, slice(None, None, -1))):
            seq = values[order]
            at = np.where(seq != BACKGROUND, np.arange(seq.size), -1)
            last = np.maximum.accumulate(at)
            seen = np.where(last >= 0, seq[np.maximum(last, 0)], 0)
            out[plane, rows[order], cols[order]] = seen
    return out


def pair_colours(a: np.ndarray, line: str, keys: tuple[int, ...]) -> np.ndarray:
    """[h, w]: colour c of ``keys`` where the nearest non-background cells at or before and at
    or after the cell along ``line`` both have colour c (a cell of colour c included), else 0."""
    before, after = nearest_colours(a, line)
    return np.where((before == after) & np.isin(before, keys), before, 0)


#: Remainders of the code of a cell that is not a key colour: (before, after) so the two sides
#: never agree on one; a non-key colour's, then the background's.
OTHER_SLOTS, BLANK_SLOTS = (10, 11), (12, 13)


def pair_colours_ir(b: Builder, x: Value, line: str, keys: tuple[int, ...]) -> tuple[Value, Value]:
    """(joins bool, colour float16) [1,1,s,s]: ``pair_colours`` > 0 on the grid's cells, and that
    colour there (garbage elsewhere; ``joins`` too past the grid)."""
    before, after = nearest_slots_ir(b, x, line, keys)
    return b.op("equal", before, after), before


def nearest_slots_ir(b: Builder, x: Value, line: str, keys: tuple[int, ...]) -> tuple[Value, Value]:
    """(before, after) float16 [1,1,s,s]: the slot of the nearest non-background cell at or before
    (after) each grid cell along ``line``: its colour when one of ``keys``, else ``OTHER_SLOTS``,
    and ``BLANK_SLOTS`` when there is none (garbage past the grid).

    Each cell is coded ``POSITION * (position + 1) + slot`` (a background cell: its slot
    alone), its slot its colour when a key, else a number the other side never uses; one
    Einsum per side writes the codes, a running max along the line (one MaxPool whose window
    reaches the line's start or end) holds the nearest non-background cell's code, and its
    remainder modulo ``POSITION`` that cell's slot. A diagonal is one column of a skewed copy
    (``skew``), so it runs down the skewed copy's rows."""
    s = x.type.shape[2]
    skewed = line in ("diag", "anti")
    anti = line == "anti"
    along = 3 if line == "row" else 2
    slots = []
    for side in (0, 1):
        slot = np.full(COLORS, OTHER_SLOTS[side], np.float32)
        slot[list(keys)] = list(keys)
        slot[BACKGROUND] = BLANK_SLOTS[side]
        position = np.arange(s, dtype=np.float32) if side == 0 else s - 1 - np.arange(s, dtype=np.float32)
        real = (np.arange(COLORS) != BACKGROUND).astype(np.float32)
        weight = slot[:, None] + POSITION * (position[None, :] + 1) * real[:, None]  # [colour, position]
        equation = "bcrj,kcj->bkrj" if along == 3 and not skewed else "bcrj,kcr->bkrj"
        code = b.op("cast", b.op("einsum", x, b.const(weight[None]), equation=equation), to="float16")
        if skewed:
            code = skew(b, code, anti)
        n = code.type.shape[along]  # the line's length (a skewed column: s)
        pads = [0, 0, 0, 0]  # (top, left, bottom, right)
        pads[(0 if side == 0 else 2) + (along - 2)] = n - 1
        kernel = (1, n) if along == 3 else (n, 1)
        nearest = b.op("max_pool2d", code, kernel=kernel, pads=tuple(pads))
        colour = b.op("mod", nearest, b.const(np.float16(POSITION)), fmod=1)
        slots.append(unskew(b, colour, anti) if skewed else colour)
    return slots[0], slots[1]


Pairs = dict[tuple[int, int], int]  # (colour, colour), 0 for none, the smaller first -> drawn colour


def pair_map(a: np.ndarray, line: str, pairs: Pairs) -> np.ndarray:
    """[h, w]: ``pairs[(p, q)]`` where the nearest non-background cells at or before and at or
    after the cell along ``line`` have colours p and q in either order (0: there is none on
    that side), else 0."""
    lut = np.zeros((COLORS, COLORS), np.int64)
    for (p, q), d in pairs.items():
        lut[p, q] = lut[q, p] = d
    before, after = nearest_colours(a, line)
    return lut[before, after]


def pair_map_ir(b: Builder, x: Value, line: str, pairs: Pairs) -> Value:
    """float16 [1,1,s,s]: ``pair_map`` on the grid's cells (garbage past it): the two slots of
    ``nearest_slots_ir`` make one index, ``16 * before + after``, read from a 256-entry table."""
    keys = tuple(sorted({c for pair in pairs for c in pair} - {BACKGROUND}))
    before, after = nearest_slots_ir(b, x, line, keys)
    table = np.zeros(POSITION * POSITION, np.float16)
    for (p, q), d in pairs.items():
        for u, v in ((p, q), (q, p)):
            first = BLANK_SLOTS[0] if u == BACKGROUND else u
            second = BLANK_SLOTS[1] if v == BACKGROUND else v
            table[POSITION * first + second] = d
    index = b.op("add", b.op("mul", before, b.const(np.float16(POSITION))), after)
    return b.op("gather", b.const(table), b.op("cast", index, to="int32"), axis=0)


def _some_pairs(rng: np.random.Generator, a: np.ndarray, side: int) -> dict[str, Any]:
    pairs = {}
    for _ in range(int(rng.integers(1, 6))):
        p, q = sorted(int(v) for v in rng.integers(0, COLORS, 2))
        pairs[(p, q)] = int(rng.integers(1, COLORS))
    return {"line": LINES[int(rng.integers(len(LINES)))], "pairs": pairs}


def _pair_colours_ir(b: Builder, x: Value, line: str, keys: tuple[int, ...]) -> Value:
    joins, colour = pair_colours_ir(b, x, line, keys)
    return b.op("cast", b.op("where", joins, colour, b.const(np.float16(0.0))), to="float32")


def colour_index_ir(b: Builder, x: Value) -> Value:
    """float32 [1,1,s,s]: each cell's colour, -1 past the grid (one 1 x 1 Conv)."""
    code = np.arange(1, COLORS + 1, dtype=np.float32).reshape(1, COLORS, 1, 1)
    return b.op("conv2d", x, b.const(code), b.const(np.array([-1.0], np.float32)))


def _some_keys(rng: np.random.Generator, a: np.ndarray, side: int) -> dict[str, Any]:
    keys = rng.choice(np.arange(1, COLORS), int(rng.integers(1, COLORS)), replace=False)
    return {"line": LINES[int(rng.integers(len(LINES)))], "keys": tuple(sorted(int(k) for k in keys))}


register("pair_colours", lambda a, line, keys: pair_colours(a, line, keys)[None], _pair_colours_ir,
         _some_keys)
register("pair_map", lambda a, line, pairs: pair_map(a, line, pairs)[None],
         lambda b, x, line, pairs: b.op("cast", pair_map_ir(b, x, line, pairs), to="float32"), _some_pairs)


# ---- whole-grid statistics -------------------------------------------------------------------

def distinct_colours(a: np.ndarray, background: bool) -> np.ndarray:
    """[1, 1, 1]: how many colours the grid holds (``background``: 0 counts as one)."""
    present = set(np.unique(a).tolist()) - (set() if background else {BACKGROUND})
    return np.full((1, 1, 1), len(present))


def distinct_colours_ir(b: Builder, x: Value, background: bool) -> Value:
    """float32 [1,1,1,1]: ``distinct_colours`` (a colour is present when its count is > 0)."""
    counts = colour_counts_ir(b, x)
    if not background:
        keep = np.ones((1, COLORS, 1, 1), np.float32)
        keep[0, BACKGROUND] = 0.0
        counts = b.op("mul", counts, b.const(keep))
    present = b.op("cast", b.op("greater", counts, b.const(np.float32(0.0))), to="float32")
    return b.op("reduce_sum", present, axes=(1,), keepdims=1)


def coloured_cells(a: np.ndarray) -> np.ndarray:
    """[1, 1, 1]: how many cells hold a colour other than the background."""
    return np.full((1, 1, 1), int((a != BACKGROUND).sum()))


def coloured_cells_ir(b: Builder, x: Value) -> Value:
    """float32 [1,1,1,1]: ``coloured_cells``: the cells of channels 1..9."""
    rest = b.op("slice", x, starts=(BACKGROUND + 1,), ends=(COLORS,), axes=(1,))
    return b.op("reduce_sum", rest, axes=(1, 2, 3), keepdims=1)


#: How a grid is mirrored in a symmetry test: "lr" left-right, "ud" up-down, "diag" transposed.
MIRRORS = ("lr", "ud", "diag")


def mirrored(a: np.ndarray, mirror: str) -> np.ndarray:
    return a[:, ::-1] if mirror == "lr" else a[::-1] if mirror == "ud" else a.T


def mirror_symmetric(a: np.ndarray, mirror: str) -> np.ndarray:
    """[1, 1, 1] bool: the grid equals its mirror image (a non-square grid is never "diag")."""
    m = mirrored(a, mirror)
    return np.full((1, 1, 1), m.shape == a.shape and bool(np.array_equal(m, a)))


def mirror_symmetric_ir(b: Builder, x: Value, mirror: str, shape: tuple[int, int]) -> Value:
    """float32 [1,1,1,1]: ``mirror_symmetric`` of the ``shape`` grid in the canvas corner. A
    left-right (up-down) test compares the first half of the columns (rows) with the last half
    read backwards; a transpose test the grid with its transpose. Symmetric when the cells that
    equal their image (an Einsum of the one-hots) are all of them."""
    h, w = shape
    if mirror == "diag" and h != w:
        return b.const(np.zeros((1, 1, 1, 1), np.float32))
    axis, n = (3, w) if mirror == "lr" else (2, h)
    half = n // 2
    if mirror != "diag" and half == 0:  # one column (row) is its own mirror image
        return b.const(np.ones((1, 1, 1, 1), np.float32))
    if mirror == "diag":
        part = b.op("slice", x, starts=(0, 0), ends=(h, w), axes=(2, 3))
        image = b.op("transpose", part, perm=(0, 1, 3, 2))
        cells = h * w
    else:
        other = 2 if axis == 3 else 3
        near = b.op("slice", x, starts=(0, 0), ends=(half, shape[other - 2]), axes=(axis, other))
        part = near
        image = b.op("slice", x, starts=(n - 1, 0), ends=(n - 1 - half, shape[other - 2]),
                     axes=(axis, other), steps=(-1, 1))
        cells = half * shape[other - 2]
    same = b.op("reshape", b.op("einsum", part, image, equation="bcij,bcij->b"), shape=(1, 1, 1, 1))
    return b.op("cast", b.op("equal", same, b.const(np.float32(cells))), to="float32")


def line_uniform(a: np.ndarray, axis: int) -> np.ndarray:
    """Whether each row (``axis`` 1: [1, h, 1]) or column (``axis`` 0: [1, 1, w]) holds one colour."""
    one = (a == np.take(a, [0], axis=axis)).all(axis=axis, keepdims=True)
    return one[None]


def line_uniform_ir(b: Builder, x: Value, axis: int) -> Value:
    """float32 [1,1,s,1] (rows) or [1,1,1,s] (columns): a line is one colour when its most
    frequent colour fills the grid's width (height); lines past the grid hold none, so 0."""
    along = 3 if axis == 1 else 2
    most = b.op("reduce_max", b.op("reduce_sum", x, axes=(along,), keepdims=1), axes=(1,), keepdims=1)
    across = (1, 2) if axis == 1 else (1, 3)
    length = b.op("reduce_sum", b.op("reduce_max", x, axes=across, keepdims=1), axes=(along,), keepdims=1)
    return b.op("cast", b.op("equal", most, length), to="float32")


register("distinct_colours", distinct_colours, distinct_colours_ir,
         lambda rng, a, side: {"background": bool(rng.integers(2))})
register("coloured_cells", coloured_cells, coloured_cells_ir, no_args)
register("mirror_symmetric", lambda a, mirror, shape: mirror_symmetric(a, mirror), mirror_symmetric_ir,
         lambda rng, a, side: {"mirror": str(rng.choice(MIRRORS)), "shape": a.shape})
register("line_uniform", line_uniform, line_uniform_ir, lambda rng, a, side: {"axis": int(rng.integers(2))})


# ---- scaling by a measured factor ------------------------------------------------------------

def scaled(a: np.ndarray, factor: int, tile: bool) -> np.ndarray:
    """[10, h', w']: the one-hot of ``a`` upscaled ``factor`` times (each cell a factor x factor
    block) or, with ``tile``, ``factor`` x ``factor`` copies of it, cut to the 30 x 30 canvas."""
    big = np.tile(a, (factor, factor)) if tile else np.kron(a, np.ones((factor, factor), a.dtype))
    return onehot(big[:30, :30])


def spread_matrix(b: Builder, factor: Value, out: int, rows: int, tile: bool) -> Value:
    """float32 [out, rows]: M[i, r] = 1 where output line i reads input line r. Upscaled:
    r * k <= i < (r + 1) * k; tiled (``rows`` the grid's own): i mod rows == r and i < k * rows.
    ``factor`` [1,1,1,1] is read at run time, so one matrix serves every factor."""
    i = np.arange(out, dtype=np.float32).reshape(out, 1)
    r = np.arange(rows, dtype=np.float32).reshape(1, rows)
    k = b.op("reshape", factor, shape=(1, 1))
    if tile:
        same = b.const((i % rows == r).astype(np.float32))
        inside = b.op("less", b.const(i), b.op("mul", k, b.const(np.float32(rows))))
        return b.op("mul", same, b.op("cast", inside, to="float32"))
    # floor(i / k) is exact in float32: i / k is a multiple of 1/k >= 1/30 away from the next integer
    source = b.op("floor", b.op("div", b.const(i), k))  # [out, 1]
    return b.op("cast", b.op("equal", source, b.const(r)), to="float32")


def scaled_ir(b: Builder, x: Value, factor: Value, tile: bool, shape: tuple[int, int] | None = None,
              out: int = 30) -> Value:
    """float32 [1,10,out,out]: ``scaled`` by the run-time ``factor``: M_rows @ x @ M_cols^T as
    one Einsum (no [1,10,out,w] intermediate). ``shape``: the grid's (h, w), needed to tile and
    used to crop; None reads the whole canvas."""
    if shape is not None:
        x = b.op("slice", x, starts=(0, 0), ends=shape, axes=(2, 3))
    h, w = x.type.shape[2], x.type.shape[3]
    rows = spread_matrix(b, factor, out, h, tile)
    cols = rows if w == h else spread_matrix(b, factor, out, w, tile)
    return b.op("einsum", rows, x, cols, equation="ir,bcrs,js->bcij")


def _a_factor(rng: np.random.Generator, a: np.ndarray, side: int) -> dict[str, Any]:
    tile = bool(rng.integers(2))
    return {"factor": int(rng.integers(1, 6)), "tile": tile, "shape": a.shape if tile else None}


register("scaled", lambda a, factor, tile, shape: scaled(a, factor, tile),
         lambda b, x, factor, tile, shape: scaled_ir(b, x, b.const(np.full((1, 1, 1, 1), factor, np.float32)),
                                                     tile, shape),
         _a_factor)
