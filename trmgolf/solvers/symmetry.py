"""Symmetry completion: cells of a mask colour are filled from a mirrored or transposed copy.

Many ARC grids are symmetric pictures with a patch painted over in one colour (the
*mask*); the answer is the picture with the patch restored. A mirror is fixed on the
canvas, not on the grid: ``ud k`` maps row r to row k - r (k = h - 1 is the plain flip
of an h-row grid), ``lr k`` the columns alike, ``tr`` swaps rows and columns and
``atr k`` reflects across the anti-diagonal r + c = k. The fit keeps every mirror that
all fit outputs obey (where both cells lie on the grid), the widest first.

The network works on the crop of the largest fit grid: each mirror is a MatMul with a
0/1 anti-diagonal matrix (or a Transpose), and one step is ``y = Where(masked(y) and
the mirrored cell holds a colour, mirror(y), y)``. The mirrors are applied in turn for
a few rounds, so a cell whose direct mirror is masked too is filled through a chain of
mirrors; the fit counts the rounds the examples need. Values are 0/1, so the network
runs in float16 (half the bytes) and casts back once at the end.
"""

from __future__ import annotations

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import checked, pairs, same_shapes
from trmgolf.solvers.planes import crop_input, fit_side
from trmgolf.tasks import COLORS, GRID, Example

Mirror = tuple[str, int]  # ("ud" | "lr" | "atr", k) or ("tr", 0)
MAX_ROUNDS = 3
MAX_MIRRORS = 4
MIN_OVERLAP = 0.5  # a mirror must map at least this share of a grid's lines onto the grid
EMPTY = -1  # a mirrored cell that lies off the grid


def mirror_grid(a: np.ndarray, m: Mirror) -> np.ndarray:
    """The grid seen through mirror ``m``; EMPTY where the mirrored cell lies off the grid."""
    kind, k = m
    h, w = a.shape
    rows, cols = np.indices(a.shape)
    if kind == "ud":
        src_r, src_c = k - rows, cols
    elif kind == "lr":
        src_r, src_c = rows, k - cols
    elif kind == "tr":
        src_r, src_c = cols, rows
    else:
        src_r, src_c = k - cols, k - rows
    valid = (src_r >= 0) & (src_r < h) & (src_c >= 0) & (src_c < w)
    out = np.full(a.shape, EMPTY, a.dtype)
    out[valid] = a[src_r[valid], src_c[valid]]
    return out


def obeys(o: np.ndarray, m: Mirror) -> bool:
    """Whether grid ``o`` equals its mirror wherever the mirror is defined (and that is most of it)."""
    seen = mirror_grid(o, m)
    valid = seen != EMPTY
    if valid.mean() < MIN_OVERLAP:
        return False
    return bool(np.array_equal(seen[valid], o[valid]))


def complete(a: np.ndarray, mirrors: list[Mirror], mask: int, rounds: int) -> np.ndarray:
    """The network's answer in numpy: masked cells take the colour of their mirrored cell."""
    y = a.copy()
    for _ in range(rounds):
        for m in mirrors:
            seen = mirror_grid(y, m)
            fill = (y == mask) & (seen != EMPTY) & (seen != mask)
            y = np.where(fill, seen, y)
    return y


def mask_colour(data: list[tuple[np.ndarray, np.ndarray]]) -> int | None:
    """The colour every changed cell had, present in every input and absent from every output."""
    for mask in range(COLORS):
        if all((a == mask).any() and not (o == mask).any() and (a[a != o] == mask).all()
               for a, o in data):
            return mask
    return None


def candidate_mirrors(side: int) -> list[Mirror]:
    ks = range(0, 2 * side - 1)
    return ([("ud", k) for k in ks] + [("lr", k) for k in ks] + [("tr", 0)]
            + [("atr", k) for k in ks])


def overlap(shape: tuple[int, int], m: Mirror) -> float:
    """The share of a grid's cells whose mirrored cell lies on the grid."""
    return float((mirror_grid(np.zeros(shape, np.int64), m) != EMPTY).mean())


def fit_mirrors(data: list[tuple[np.ndarray, np.ndarray]], mask: int,
                side: int) -> tuple[list[Mirror], int] | None:
    """Every mirror all outputs obey (the widest first, at most MAX_MIRRORS: a picture's true
    symmetries, not only those the fit examples happen to need) and the rounds they need."""
    obeyed = [m for m in candidate_mirrors(side) if all(obeys(o, m) for _, o in data)]
    if not obeyed:
        return None
    shape = data[0][0].shape
    chosen = sorted(obeyed, key=lambda m: -overlap(shape, m))[:MAX_MIRRORS]
    for rounds in range(1, MAX_ROUNDS + 1):
        if all(np.array_equal(complete(a, chosen, mask, rounds), o) for a, o in data):
            return chosen, rounds
    return None


def anti_diagonal(side: int, k: int) -> np.ndarray:
    """J[r, i] = 1 when r + i == k: J @ y reflects rows (r -> k - r), y @ J reflects columns."""
    i = np.arange(side)
    return (i[:, None] + i[None, :] == k).astype(np.float32)


def mirror_value(b: Builder, y: Value, m: Mirror, consts: dict[Mirror, Value]) -> Value:
    kind, k = m
    side = y.type.shape[2]
    if kind == "tr":
        return b.op("transpose", y, perm=(0, 1, 3, 2))
    if m not in consts:
        consts[m] = b.const(anti_diagonal(side, k).astype(np.float16))
    j = consts[m]
    if kind == "ud":
        return b.op("matmul", j, y)
    if kind == "lr":
        return b.op("matmul", y, j)
    # (r, c) <- (k - c, k - r): reflect rows and columns of the transpose
    return b.op("matmul", b.op("matmul", j, b.op("transpose", y, perm=(0, 1, 3, 2))), j)


def symmetry_graph(mirrors: list[Mirror], rounds: int, mask: int, side: int) -> Graph:
    b = Builder()
    y = b.op("cast", crop_input(b, side), to="float16")  # 0/1 values: float16 halves the bytes
    # coloured(z) = 1 where z holds a colour other than the mask (off the grid: 0)
    w_coloured = np.ones((1, COLORS, 1, 1), np.float16)
    w_coloured[0, mask] = 0.0
    coloured = b.const(w_coloured)
    consts: dict[Mirror, Value] = {}
    for _ in range(rounds):
        for m in mirrors:
            seen = mirror_value(b, y, m, consts)
            masked = b.op("slice", y, starts=(mask,), ends=(mask + 1,), axes=(1,))
            fill = b.op("mul", masked, b.op("conv2d", seen, coloured))
            y = b.op("where", b.op("cast", fill, to="bool"), seen, y)
    y = b.op("cast", y, to="float32")
    if side < GRID:
        y = b.op("pad", y, pads=(0, 0, 0, 0, 0, 0, GRID - side, GRID - side))
    return b.finish(y)


@family("symmetry_complete", kind="solver", group="symmetry", tier=260, traits={Trait.SYMMETRY})
def symmetry_complete(examples: list[Example]) -> Graph | None:
    """Same-size tasks whose output restores the cells of one mask colour from mirrored copies
    of a symmetric picture (mirrors fixed on the canvas: flips about a line, transposes)."""
    if not examples or not same_shapes(examples):
        return None
    data = pairs(examples)
    mask = mask_colour(data)
    if mask is None:
        return None
    side = fit_side(examples)
    fitted = fit_mirrors(data, mask, side)
    if fitted is None:
        return None
    mirrors, rounds = fitted
    return checked(symmetry_graph(mirrors, rounds, mask, side), examples)
