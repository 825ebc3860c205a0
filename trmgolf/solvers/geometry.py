"""Whole-grid index maps: dihedral transforms, tiling, mirroring, scaling, crops, wrap shifts.

Every rule here moves cells without looking at them: ``out[r, c] = in'[R(r), C(c)]``
where ``in'`` is the input or its transpose and ``R``, ``C`` are axis maps from a
small family of formulas of the grid's extent ``n`` along that axis (tile k times
with some blocks reversed, scale by s, wrap-shift by d, crop a fixed window, take
one of p equal parts). The eight dihedral transforms are transpose x reverse x
reverse; mirror tilings are tiles with reversed blocks.

The network: an optional Transpose, then one Gather per axis that is not the
identity. ``geometry`` computes each Gather's index row from the grid's extent at
run time, so it holds for grids of any size: a reversal is ``n - 1 - ramp`` (int32;
the negative indices past the grid wrap round to its all-zero lines), any other map
a row of a [31,30] table indexed by ``n``. The extent ``n`` is the L2 norm of the
one-hot input when every fit grid is square (8 bytes), else a count of non-empty
lines (124 bytes). A map that transposes and moves an axis, or moves both, is
cheaper as one Einsum of the input with run-time 0/1 route matrices
(``routed_graph``) than as a [1,10,30,30] intermediate; the cheaper form is kept.
``geometry_fixed`` bakes the indices for the one input size of the fit examples
(30 params per axis, no size computation): cheaper, but only right for that size.
Output positions past the output grid read an all-zero line of the input (index
``n``), which keeps them <= 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from trmgolf.families.contract import Trait, estimated_cost
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import check, grid_extent, pairs, square_side
from trmgolf.tasks import GRID, Example

Formula = Callable[[int], list[int] | None]


@dataclass(frozen=True)
class AxisMap:
    """Output position r of an axis reads input position ``formula(n)[r]``."""

    name: str
    formula: Formula
    identity: bool = False
    _cache: dict[int, np.ndarray | None] = field(default_factory=dict, compare=False, repr=False)

    def indices(self, n: int) -> np.ndarray | None:
        if n not in self._cache:
            out = self.formula(n)
            ok = out is not None and 0 < len(out) <= GRID and all(0 <= i < n for i in out)
            self._cache[n] = np.asarray(out, np.int64) if ok else None
        return self._cache[n]

    def row(self, n: int) -> np.ndarray | None:
        """The Gather indices for extent n, padded to 30 with the all-zero line n."""
        idx = self.indices(n)
        if idx is None:
            return None
        if len(idx) < GRID and n >= GRID:
            return None  # no all-zero line to read for the positions past the output
        return np.concatenate([idx, np.full(GRID - len(idx), n, np.int64)])

    def table(self) -> np.ndarray:
        """Rows for n = 0..30 (n = 0 and unrepresentable n read line 0: never a real grid)."""
        t = np.zeros((GRID + 1, GRID), np.int64)
        for n in range(1, GRID + 1):
            row = self.row(n)
            t[n] = row if row is not None else np.minimum(n, GRID - 1)
        return t


def tile_formula(k: int, flips: tuple[bool, ...]) -> Formula:
    """The axis formula of ``k`` copies of a length-n axis, copy i reversed when ``flips[i]``."""

    def f(n: int) -> list[int]:
        return [(n - 1 - r % n) if flips[r // n] else r % n for r in range(k * n)]
    return f


def axis_candidates(sizes: set[tuple[int, int]]) -> Iterator[AxisMap]:
    """Axis maps consistent with every (input extent, output extent) pair, simplest first."""
    ns = {n for n, _ in sizes}
    ratios = {m / n for n, m in sizes}
    if len(ratios) == 1:
        ratio = ratios.pop()
        k = int(ratio)
        if k == ratio and 1 <= k <= 4:
            for bits in range(2**k):
                flips = tuple(bool(bits >> (k - 1 - i) & 1) for i in range(k))
                yield AxisMap(f"tile{k}:{''.join('r' if x else 'i' for x in flips)}", tile_formula(k, flips),
                              identity=k == 1 and not any(flips))
            if k >= 2:
                yield AxisMap(f"scale{k}", lambda n, k=k: [r // k for r in range(k * n)])
        if ratio == 1:
            for d in (1, -1, 2, -2, 3, -3, 4, -4):
                yield AxisMap(f"wrap{d}", lambda n, d=d: [(r - d) % n for r in range(n)])
    for parts in (2, 3, 4):
        for sep in (0, 1):
            if all((n - sep * (parts - 1)) % parts == 0 and m == (n - sep * (parts - 1)) // parts
                   for n, m in sizes):
                for j in range(parts):
                    yield AxisMap(f"part{parts}.{sep}:{j}",
                                  lambda n, p=parts, s=sep, j=j: [j * ((n - s * (p - 1)) // p + s) + r
                                                                  for r in range((n - s * (p - 1)) // p)])
    outs = {m for _, m in sizes}
    if len(outs) == 1:
        size = outs.pop()
        for d in range(max(0, min(ns) - size + 1)):
            for flip in (False, True):
                tag = "r" if flip else ""
                yield AxisMap(f"crop{d}{tag}", lambda n, d=d, f=flip, s=size: _window(d, s, f))
                yield AxisMap(f"cropend{d}{tag}",
                              lambda n, d=d, f=flip, s=size: _window(n - d - s, s, f))


def _window(start: int, size: int, flip: bool) -> list[int]:
    idx = list(range(start, start + size))
    return idx[::-1] if flip else idx


@dataclass(frozen=True)
class IndexMap:
    transpose: bool
    rows: AxisMap
    cols: AxisMap


def apply_map(a: np.ndarray, m: IndexMap) -> np.ndarray | None:
    """Grid ``a`` read through the index map ``m`` (numpy reference); None where undefined."""
    if m.transpose:
        a = a.T
    r, c = m.rows.indices(a.shape[0]), m.cols.indices(a.shape[1])
    if r is None or c is None:
        return None
    return a[np.ix_(r, c)]


def fit_index_map(examples: list[Example]) -> IndexMap | None:
    """The simplest index map that turns every input into its output, or None."""
    data = pairs(examples)
    if not data:
        return None
    for transpose in (False, True):
        ins = [a.T if transpose else a for a, _ in data]
        row_sizes = {(a.shape[0], b.shape[0]) for a, (_, b) in zip(ins, data, strict=True)}
        col_sizes = {(a.shape[1], b.shape[1]) for a, (_, b) in zip(ins, data, strict=True)}
        rows = list(axis_candidates(row_sizes))
        cols = list(axis_candidates(col_sizes))
        for r in rows:
            for c in cols:
                if r.identity and c.identity and not transpose:
                    continue
                m = IndexMap(transpose, r, c)
                if all(_same(apply_map(a, m), b) for a, b in data):
                    return m
    return None


def _same(x: np.ndarray | None, y: np.ndarray) -> bool:
    return x is not None and x.shape == y.shape and bool(np.array_equal(x, y))


def gather_index_map(b: Builder, m: IndexMap,
                     index_for: Callable[[AxisMap, int], Value | None]) -> Value | None:
    """Apply ``m`` to the input: an optional transpose, then one Gather per moved axis.

    ``index_for(axis map, source axis)`` gives that Gather's indices (None: no fit)."""
    x: Value = b.input
    if m.transpose:
        x = b.op("transpose", x, perm=(0, 1, 3, 2))
    for axis, amap in ((2, m.rows), (3, m.cols)):
        if amap.identity:
            continue
        idx = index_for(amap, axis if not m.transpose else 5 - axis)
        if idx is None:
            return None
        x = b.op("gather", x, idx, axis=axis)
    return x


def reverses(amap: AxisMap) -> bool:
    """Whether the map reads line n - 1 - r at output line r < n for every extent n (and no
    more lines): then ``n - 1 - ramp`` is its Gather row, because the negative indices past
    the output count from the end and read the all-zero lines n..29."""
    return all((idx := amap.indices(n)) is not None and np.array_equal(idx, np.arange(n)[::-1])
               for n in range(1, GRID + 1))


def all_square(examples: list[Example]) -> bool:
    """Every input grid is square: one extent serves both axes (see ``square_side``)."""
    return bool(examples) and all(len(e.input) == len(e.input[0]) for e in examples)


class RuntimeIndices:
    """Index rows of axis maps computed from the grid's extent at run time, in int32.

    The extent is measured once per source axis (once in all for a square grid, by
    ``square_side``); a reversal reads ``n - 1 - ramp`` (no table), any other map the row
    ``n`` of its [31, 30] table. ``column`` rows are [30, 1], for route matrices. A row asked
    twice (both axes of a square grid reversed) is built once."""

    def __init__(self, b: Builder, square: bool) -> None:
        self.b, self.square = b, square
        self._extents: dict[int, Value] = {}
        self._rows: dict[tuple[str, int, bool], Value] = {}

    def extent(self, source_axis: int) -> Value:
        key = 0 if self.square else source_axis
        if key not in self._extents:
            self._extents[key] = (square_side(self.b, "int32") if self.square
                                  else grid_extent(self.b, source_axis, "int32"))
        return self._extents[key]

    def row(self, amap: AxisMap, source_axis: int, column: bool = False) -> Value:
        key = (amap.name, 0 if self.square else source_axis, column)
        if key not in self._rows:
            shape = (GRID, 1) if column else (GRID,)
            n = self.extent(source_axis)
            if reverses(amap):
                ramp = self.b.const(np.arange(1, GRID + 1, dtype=np.int32).reshape(shape))
                self._rows[key] = self.b.op("sub", n, ramp)
            else:
                table = self.b.const(amap.table().astype(np.int32).reshape((GRID + 1, *shape)))
                self._rows[key] = self.b.op("gather", table, n, axis=0)
        return self._rows[key]


def index_map_graph(m: IndexMap, fixed_shape: tuple[int, int] | None, square: bool = False) -> Graph | None:
    """The network of an index map; with ``fixed_shape`` (input h, w) its indices are constants,
    else they come from the grid's extent at run time (``RuntimeIndices``; ``square``: every
    grid is square, measure one side for both axes)."""
    b = Builder()
    runtime = RuntimeIndices(b, square)

    def index_for(amap: AxisMap, source_axis: int) -> Value | None:
        if fixed_shape is None:
            return runtime.row(amap, source_axis)
        row = amap.row(fixed_shape[source_axis - 2])
        return None if row is None else b.const(row)

    x = gather_index_map(b, m, index_for)
    return None if x is None else b.finish(x)


def routed_graph(m: IndexMap, square: bool = False) -> Graph | None:
    """The run-time index map as one Einsum of the input with a 0/1 route matrix per moved
    axis: ``route[r, p] = (p == index[r])``, a [30, 30] float32 built from the run-time
    index column by Equal + Cast. The Einsum writes ``output`` and takes the transpose in
    its equation, so nothing [1, 10, 30, 30] is materialised: a rotation (transpose + one
    flip) or a double flip costs about 4.6 KB per route instead of a 36 KB Transpose or
    Gather. Rows past the output (negative or all-zero-line indices) route nothing or a
    zero line. None when the map moves no axis (a lone Transpose is free)."""
    if m.rows.identity and m.cols.identity:
        return None
    b = Builder()
    runtime = RuntimeIndices(b, square)
    ramp = b.const(np.arange(GRID, dtype=np.int32))
    letters = {2: "p", 3: "q"}
    sources = (3, 2) if m.transpose else (2, 3)
    routes: dict[Value, Value] = {}
    out_letters: list[str] = []
    terms, operands = ["ncpq"], [b.input]
    for out_letter, amap, source in zip("ij", (m.rows, m.cols), sources, strict=True):
        if amap.identity:
            out_letters.append(letters[source])
            continue
        index = runtime.row(amap, source, column=True)
        if index not in routes:
            routes[index] = b.op("cast", b.op("equal", index, ramp), to="float32")
        operands.append(routes[index])
        terms.append(out_letter + letters[source])
        out_letters.append(out_letter)
    equation = ",".join(terms) + "->nc" + "".join(out_letters)
    return b.finish(b.op("einsum", *operands, equation=equation))


def cropped_graph(m: IndexMap, shape: tuple[int, int]) -> Graph | None:
    """The fixed-size index map on cropped tensors: Gather exactly the output's lines on each
    source axis, transpose if needed, then Pad into ``output``. Cheaper than the 30 x 30
    form when the output is small (every intermediate is only as big as the output)."""
    b = Builder()
    x: Value = b.input
    src_rows, src_cols = (3, 2) if m.transpose else (2, 3)
    for axis, amap in ((src_rows, m.rows), (src_cols, m.cols)):
        idx = amap.indices(shape[axis - 2])
        if idx is None:
            return None
        x = b.op("gather", x, b.const(idx), axis=axis)
    if m.transpose:
        x = b.op("transpose", x, perm=(0, 1, 3, 2))
    oh, ow = x.type.shape[2:]
    out = b.op("pad", x, pads=(0, 0, 0, 0, 0, 0, GRID - oh, GRID - ow))
    return b.finish(out)


@family("geometry_fixed", kind="solver", group="geometry", tier=40,
        traits={Trait.INDEX_MAP, Trait.FIXED_INPUT_SIZE})
def geometry_fixed(examples: list[Example]) -> Graph | None:
    """Index maps of tasks whose fit inputs all have one shape: constant Gather indices."""
    shapes = {(len(e.input), len(e.input[0])) for e in examples}
    if len(shapes) != 1:
        return None
    m = fit_index_map(examples)
    if m is None:
        return None
    shape = shapes.pop()
    return _cheapest_exact([index_map_graph(m, shape), cropped_graph(m, shape)], examples)


@family("geometry", kind="solver", group="geometry", tier=50, traits={Trait.INDEX_MAP})
def geometry(examples: list[Example]) -> Graph | None:
    """Index maps (flips, rotations, transposes, tilings, mirrors, scaling, crops) of any size:
    Gathers or one routed Einsum, with indices from the run-time extent, the cheaper first."""
    m = fit_index_map(examples)
    if m is None:
        return None
    square = all_square(examples)
    return _cheapest_exact([index_map_graph(m, None, square), routed_graph(m, square)], examples)


def _cheapest_exact(graphs: list[Graph | None], examples: list[Example]) -> Graph | None:
    """The cheapest of the built graphs that is exact on every example, or None."""
    if not examples:
        return None
    built = sorted((g for g in graphs if g is not None), key=estimated_cost)
    return next((g for g in built if check(g, examples)), None)
