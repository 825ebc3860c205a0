"""A cell map: every output cell copies one fixed input cell (per size class), on small grids.

For inputs within a small corner crop, any rearrangement of cells (mirror tilings, rotations
of parts, nearest-neighbour resizes, depth-to-space shuffles, fixed tilings) is one Gather of
the flattened crop:

    Slice(input, crop) -> Cast(bool) -> Reshape [1,10,P] -> Gather(index [H,W]) -> Pad to 30x30

The index is fitted cell by cell: output cell q reads the crop cell p whose colour equals q's in
every fit example (an output cell empty in every example reads a cell empty in every input).
Where the map depends on the grid's size, a ``sizeclass.Probe`` picks the index's row in a
table of one map per class. Costs about 60 bytes per crop cell and 10 per output cell: only
small crops and outputs are tried.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import Budget, Candidate, FitData, Level, Step, Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.search import sizeclass
from trmgolf.search.sizeclass import Probe, grid_sizes

GRID = 30
COLORS = 10
#: Crop and output cells at most (a 12x12 corner): the fit compares every pair of them.
MAX_CELLS = 144
#: Element comparisons per work unit.
COMPARES_PER_UNIT = 200_000


@dataclass(frozen=True)
class CellMapShape:
    crop: tuple[int, int]  # rows, cols of the input corner read
    out: tuple[int, int]  # rows, cols of the output corner written
    probe: Probe | None

    @property
    def cost(self) -> int:
        """Estimated memory + params: float crop, its bool copy and reshape, the gathered bool
        block (the output itself when it covers the grid), the index table and probe."""
        p = self.crop[0] * self.crop[1]
        q = self.out[0] * self.out[1]
        gathered = 0 if self.out == (GRID, GRID) else COLORS * q
        classes = 1 if self.probe is None else self.probe.classes
        probe = 0 if self.probe is None else self.probe.cost + 4 * q
        return 6 * COLORS * p + gathered + classes * q + probe + 12

    def label(self) -> str:
        (cr, cc), (orows, ocols) = self.crop, self.out
        by = "" if self.probe is None else "/" + self.probe.label()
        return f"cell_map/{cr}x{cc}->{orows}x{ocols}{by}"


def cell_codes(cells: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """[N, rows*cols] int: each corner cell's 10 channels as one bit pattern."""
    bits = cells[:, :, :rows, :cols].reshape(len(cells), COLORS, rows * cols).astype(np.int64)
    return np.tensordot(1 << np.arange(COLORS, dtype=np.int64), bits, axes=([0], [1]))


def fit_map(x_codes: np.ndarray, y_codes: np.ndarray) -> np.ndarray | None:
    """For each output cell the crop cell equal to it in every example, or None.

    A non-empty output cell takes the first matching crop cell; one empty in every example
    the last always-empty crop cell (the far corner: also empty in smaller held-out grids)."""
    match = (x_codes[:, None, :] == y_codes[:, :, None]).all(axis=0)  # [Q, P]
    empty_out = ~y_codes.any(axis=0)
    index = np.empty(y_codes.shape[1], np.int64)
    for q in range(y_codes.shape[1]):
        hits = np.flatnonzero(match[q])
        if hits.size == 0:
            return None
        index[q] = hits[-1] if empty_out[q] else hits[0]
    return index


def fit_shape(data: FitData, shape: CellMapShape, budget: Budget) -> Graph | None:
    x_codes = cell_codes(data.x, *shape.crop)
    y_codes = cell_codes(data.y, *shape.out)
    classes = sizeclass.class_of(data, shape.probe)
    count = 1 if shape.probe is None else shape.probe.classes
    table: list[np.ndarray | None] = []
    for k in range(count):
        members = classes == k
        if not members.any():
            table.append(None)
            continue
        budget.spend(1 + int(members.sum()) * x_codes.shape[1] * y_codes.shape[1] // COMPARES_PER_UNIT)
        index = fit_map(x_codes[members], y_codes[members])
        if index is None:
            return None
        table.append(index.reshape(shape.out))
    return cell_map_graph(shape, sizeclass.fill_missing(table))


def cell_map_graph(shape: CellMapShape, table: np.ndarray) -> Graph:
    """``table``: [classes, out rows, out cols] indices into the flattened crop."""
    (cr, cc), (orows, ocols) = shape.crop, shape.out
    b = Builder()
    crop = b.op("slice", b.input, starts=(0, 0), ends=(cr, cc), axes=(2, 3))
    flat = b.op("reshape", b.op("cast", crop, to="bool"), shape=(1, COLORS, cr * cc))
    block = b.op("gather", flat, sizeclass.lookup(b, table, shape.probe), axis=2)
    if (orows, ocols) != (GRID, GRID):
        block = b.op("pad", block, pads=(0, 0, 0, 0, 0, 0, GRID - orows, GRID - ocols))
    return b.finish(block)


def shapes(data: FitData) -> list[CellMapShape]:
    """The fit's crop (its largest input) and output corner (its largest output), once per
    size probe, cheapest first; none when either is over ``MAX_CELLS``."""
    in_rows, in_cols = grid_sizes(data.x)
    out_rows, out_cols = grid_sizes(data.y)
    crop = (int(in_rows.max()), int(in_cols.max()))
    out = (int(out_rows.max()), int(out_cols.max()))
    if crop[0] * crop[1] > MAX_CELLS or out[0] * out[1] > MAX_CELLS or min(crop + out) == 0:
        return []
    found = [CellMapShape(crop, out, probe) for probe in sizeclass.probes(data)]
    return sorted(found, key=lambda s: s.cost)


@family("cellmap", tier=30, traits={Trait.INDEX_MAP, Trait.TILES_INPUT})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """Each cell map exact on the fit examples, cheapest first, with a ``Level``
    marker before each fit (see ``families.contract.Step``)."""
    yield Level(0)
    for shape in shapes(data):
        yield Level(shape.cost)
        if budget():
            return
        graph = fit_shape(data, shape, budget)
        if graph is not None:
            yield Candidate(shape.cost, shape.label(), graph)
