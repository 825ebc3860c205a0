"""Block tilings whose blocks are different dihedral transforms of the input.

The output is a kh x kw arrangement of input-sized blocks, block (i, j) being one of
the eight rotations / reflections of the input (``46442a0e``: the grid, then rotated by
90, 180 and 270 degrees around the centre). Not a product of row and column maps, so
``geometry`` cannot express it; here the whole map is one flat index per output cell.

The network: the input reshaped to [1,10,900], one Gather with 900 flat source indices,
reshaped back. The indices depend on the input's size: a constant row when every fit
input has one shape, else a [31, 900] table indexed by the (square) grid's extent. Output
cells past the output grid read canvas cell (29, 29), outside every input (the output is
at least twice the input, so the input is at most 15 wide): all-zero, as required.
"""

from __future__ import annotations

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Value
from trmgolf.solvers.common import checked, grid_extent, pairs
from trmgolf.tasks import COLORS, GRID, Example

DIHEDRAL = {
    "id": lambda a: a, "lr": np.fliplr, "ud": np.flipud, "r180": lambda a: np.rot90(a, 2),
    "T": lambda a: a.T, "aT": lambda a: np.rot90(a, 2).T, "r90": np.rot90, "r270": lambda a: np.rot90(a, 3),
}


def fit_blocks(examples: list[Example]) -> tuple[int, int, list[list[str]]] | None:
    data = pairs(examples)
    if not data:
        return None
    ratios = {(o.shape[0] / a.shape[0], o.shape[1] / a.shape[1]) for a, o in data}
    if len(ratios) != 1:
        return None
    ry, rx = ratios.pop()
    if ry != int(ry) or rx != int(rx) or ry * rx < 2 or ry > 4 or rx > 4:
        return None
    kh, kw = int(ry), int(rx)
    plan = []
    for i in range(kh):
        row = []
        for j in range(kw):
            for name, t in DIHEDRAL.items():
                ok = True
                for a, o in data:
                    h, w = a.shape
                    ta = t(a)
                    if ta.shape != (h, w) or not np.array_equal(ta, o[i * h:(i + 1) * h, j * w:(j + 1) * w]):
                        ok = False
                        break
                if ok:
                    row.append(name)
                    break
            else:
                return None
        plan.append(row)
    return kh, kw, plan


def flat_indices(h: int, w: int, kh: int, kw: int, plan: list[list[str]]) -> np.ndarray | None:
    """Source canvas cell (r * 30 + c) of each output canvas cell, for an h x w input."""
    if kh * h > GRID or kw * w > GRID or h >= GRID or w >= GRID:
        return None
    src = np.arange(GRID * GRID).reshape(GRID, GRID)[:h, :w]
    idx = np.full((GRID, GRID), GRID * GRID - 1, np.int64)
    for i in range(kh):
        for j in range(kw):
            block = DIHEDRAL[plan[i][j]](src)
            if block.shape != (h, w):
                return None
            idx[i * h:(i + 1) * h, j * w:(j + 1) * w] = block
    return idx.ravel()


@family("block_map", kind="solver", group="geometry", tier=100, traits={Trait.INDEX_MAP})
def block_map(examples: list[Example]):
    """Tilings of rotated / reflected copies of the input (square inputs of any size, or one shape)."""
    fitted = fit_blocks(examples)
    if fitted is None:
        return None
    kh, kw, plan = fitted
    shapes = {(len(e.input), len(e.input[0])) for e in examples}
    b = Builder()
    if len(shapes) == 1:
        row = flat_indices(*shapes.pop(), kh, kw, plan)
        if row is None:
            return None
        idx: Value = b.const(row)
    else:
        if any(h != w for h, w in shapes):
            return None
        table = np.full((GRID + 1, GRID * GRID), GRID * GRID - 1, np.int64)
        for n in range(1, GRID + 1):
            row = flat_indices(n, n, kh, kw, plan)
            if row is not None:
                table[n] = row
        idx = b.op("gather", b.const(table), grid_extent(b, 2), axis=0)
    flat = b.op("reshape", b.input, shape=(1, COLORS, GRID * GRID))
    out = b.op("reshape", b.op("gather", flat, idx, axis=2), shape=(1, COLORS, GRID, GRID))
    return checked(b.finish(out), examples)
