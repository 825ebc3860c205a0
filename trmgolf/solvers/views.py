"""Local rules over several views of the input: index maps and bounding-box crops + one Conv.

A *view* re-arranges the input grid without looking at colours (a flip, rotation,
transpose, k-fold scaling or tiling, the equal parts of a split grid, its k x k
interleaved samples, its output-sized corner windows: index maps as in ``geometry``)
or crops it to the bounding box of some colours (optionally without its one-cell
frame, mirrored, or read from the input's mirror image). The rule: each output cell's
colour is a linear-threshold function of what a k x k Conv stencil (k = 1 or 3) sees
in each view at that cell. It covers

* symmetry completion (the input OR its mirror image: views id + fliplr ...),
* an index map combined with a colour map (one view, k = 1),
* up-scaling / tiling followed by a local rule (``007bbfb7``: scale AND tile),
* down-scaling: AND / OR of the parts of a split grid, a block's colour from its samples,
* a crop to an object's bounding box, then a colour map or a local rule; a hole in a
  symmetric picture filled from its mirror image (``9ecd008a``).

When no linear rule exists but the views the stencil sees are few (XOR of two halves),
a lookup table: one ReLU unit per distinct view, then a 1x1 Conv to the colours.

The network: each view (Gathers whose indices come from the grid's extent, or from the
bounding box found by ArgMax), a Concat over channels, and the Conv fitted by the
linear program of ``local_rule``. Views are tried small first (k = 1, fewer views), and
a rule must generalise from 3/4 of the fit examples to the last quarter (else the first
1x1 rule exact on all fit examples is returned, for the caller's held-out check).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import Budget, Trait
from trmgolf.families.registry import family
from trmgolf.grid.vocab import bbox, colour_masks_ir
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import checked, grid_extent, pairs
from trmgolf.solvers.geometry import (
    AxisMap,
    IndexMap,
    apply_map,
    estimated_cost,
    gather_index_map,
    reverses,
    tile_formula,
)
from trmgolf.solvers.local_rule import Stencil, dataset, features, fit_stencils, fit_weights
from trmgolf.solvers.view_routes import (
    Route,
    Shapes,
    routed_conv_graph,
    routed_pick_graph,
    routed_table_graph,
    runtime_routed_conv_graph,
    shapes_of,
)
from trmgolf.tasks import COLORS, GRID, Example

WORK = 12_000  # work units per task over every view set: the deterministic limit
BUDGET_SECONDS = 24.0  # CPU seconds per task: only a safety net, WORK stops first
MAX_SETS = 40  # view sets whose consistency is checked per task
MAX_TABLE = 48  # hidden units (distinct views with a colour) of a lookup-table rule


@dataclass(frozen=True)
class View:
    """A named re-arrangement: ``grid`` on numpy arrays (None: undefined for this grid) and
    ``build`` writing the same on the [1,10,30,30] one-hot tensor (cells past the view's
    grid all-zero)."""

    name: str
    grid: Callable[[np.ndarray], np.ndarray | None]
    build: Callable[[Builder, dict], Value]
    route: Callable[[tuple[int, int]], Route | None] | None = None  # constant indices for one input shape
    # run-time route matrices [L, 30] of rows and columns (``view_routes.routed_pick_graph``)
    pick: Callable[[Builder, Shapes], tuple[Value, Value]] | None = None
    index_map: IndexMap | None = None  # the view's formula, for routes built at run time


# -- index-map views ---------------------------------------------------------------------

def _rev() -> AxisMap:
    return AxisMap("rev", tile_formula(1, (True,)))


def _ident() -> AxisMap:
    return AxisMap("id", tile_formula(1, (False,)), identity=True)


def index_view(name: str, m: IndexMap) -> View:
    def build(b: Builder, cache: dict) -> Value:
        def index_for(amap: AxisMap, source_axis: int) -> Value:
            key = ("extent", source_axis)
            if key not in cache:
                cache[key] = grid_extent(b, source_axis)
            if reverses(amap):
                return b.op("sub", cache[key], b.const(np.arange(1, GRID + 1, dtype=np.int64)))
            return b.op("gather", b.const(amap.table()), cache[key], axis=0)

        x = gather_index_map(b, m, index_for)
        assert x is not None  # index_for always gives indices
        return x

    def route(shape: tuple[int, int]) -> Route | None:
        h, w = shape[::-1] if m.transpose else shape
        rows, cols = m.rows.indices(h), m.cols.indices(w)
        return None if rows is None or cols is None else Route(m.transpose, rows, cols)

    return View(name, lambda a: apply_map(a, m), build, route, index_map=m)


def _identity_route(shape: tuple[int, int]) -> Route:
    return Route(False, np.arange(shape[0]), np.arange(shape[1]))


def dihedral_views() -> list[View]:
    i, r = _ident(), _rev()
    return [
        View("id", lambda a: a, lambda b, cache: b.input, _identity_route, index_map=IndexMap(False, i, i)),
        index_view("lr", IndexMap(False, i, r)),
        index_view("ud", IndexMap(False, r, i)),
        index_view("r180", IndexMap(False, r, r)),
        index_view("T", IndexMap(True, i, i)),
        index_view("aT", IndexMap(True, r, r)),
        index_view("r90", IndexMap(True, r, i)),
        index_view("r270", IndexMap(True, i, r)),
    ]


def scale_views(ky: int, kx: int) -> list[View]:
    """Views of a grid scaled up by (ky, kx): each cell repeated, or the whole grid tiled."""
    def scale(k: int) -> AxisMap:
        return AxisMap(f"scale{k}", lambda n, k=k: [r // k for r in range(k * n)], identity=k == 1)

    def tile(k: int) -> AxisMap:
        return AxisMap(f"tile{k}", tile_formula(k, (False,) * k), identity=k == 1)

    return [index_view(f"scale{ky}x{kx}", IndexMap(False, scale(ky), scale(kx))),
            index_view(f"tile{ky}x{kx}", IndexMap(False, tile(ky), tile(kx)))]


def mirror_tile_views(ky: int, kx: int) -> list[View]:
    """Tilings by the grid's own size with some blocks mirrored (a block row / column read
    backwards), one view each: per axis every pattern of two blocks, for more blocks the
    alternating ones and all-mirrored; the plain tiling (``scale_views``) is left out."""
    def patterns(k: int) -> list[tuple[bool, ...]]:
        if k <= 2:
            return [tuple(bool(bits >> (k - 1 - i) & 1) for i in range(k)) for bits in range(2**k)]
        alternate = tuple(i % 2 == 1 for i in range(k))
        return [(False,) * k, alternate, tuple(not f for f in alternate), (True,) * k]

    def axis(k: int, flips: tuple[bool, ...]) -> AxisMap:
        name = "".join("r" if f else "i" for f in flips)
        return AxisMap(f"tile{k}:{name}", tile_formula(k, flips), identity=k == 1 and not any(flips))

    return [index_view(f"mirror{ky}x{kx}:{axis(ky, fr).name}/{axis(kx, fc).name}",
                       IndexMap(False, axis(ky, fr), axis(kx, fc)))
            for fr in patterns(ky) for fc in patterns(kx) if any(fr) or any(fc)]


# -- bounding-box crop views ---------------------------------------------------------------

def _inner_box(a: np.ndarray, colours: tuple[int, ...], margin: int) -> tuple[int, int, int, int] | None:
    """(r0, r1, c0, c1): the bounding box of ``colours`` shrunk by ``margin`` per side."""
    spans = bbox(a, colours)
    if spans is None:
        return None
    (rs, re), (cs, ce) = spans
    r0, r1, c0, c1 = rs + margin, re - margin, cs + margin, ce - margin
    return None if r1 < r0 or c1 < c0 else (r0, r1, c0, c1)


def crop_view(colours: tuple[int, ...], margin: int, flip: tuple[bool, bool] = (False, False),
              source_flip: tuple[bool, bool] = (False, False)) -> View:
    """The input cropped to the bounding box of ``colours`` (shrunk by ``margin`` per side).

    ``flip`` reverses the crop's rows / columns; ``source_flip`` takes the box's cells from
    the input's mirror image (a hole in a symmetric picture filled from its mirror cells).
    """

    def grid(a: np.ndarray) -> np.ndarray | None:
        box = _inner_box(a, colours, margin)
        if box is None:
            return None
        src = a[::-1 if source_flip[0] else 1, ::-1 if source_flip[1] else 1]
        out = src[box[0]:box[1] + 1, box[2]:box[3] + 1]
        return out[::-1 if flip[0] else 1, ::-1 if flip[1] else 1]

    def build(b: Builder, cache: dict) -> Value:
        mask = colour_masks_ir(b, b.input, (colours,))
        line = b.const(np.arange(GRID, dtype=np.int64))
        low = b.const(np.array([0], np.int64))
        high = b.const(np.array([GRID - 1], np.int64))
        valid = []
        x: Value = b.input
        for k, (axis, other) in enumerate(((2, 3), (3, 2))):
            occupied = b.op("reduce_max", mask, axes=(0, 1, other), keepdims=0)  # [30]
            first = b.op("argmax", occupied, axis=0, keepdims=1)  # [1]
            back = b.op("argmax", b.op("gather", occupied, b.const(np.arange(GRID - 1, -1, -1)), axis=0),
                        axis=0, keepdims=1)  # 29 - last
            start = b.op("add", first, b.const(np.array([margin], np.int64)))
            end = b.op("sub", b.const(np.array([GRID - 1 - margin], np.int64)), back)
            size = b.op("sub", end, start)  # crop cells r <= size are inside the box
            if flip[k]:
                idx = b.op("max", b.op("sub", end, line), low)
            else:
                idx = b.op("min", b.op("add", line, start), high)
            if source_flip[k]:
                key = ("extent", axis)
                if key not in cache:
                    cache[key] = grid_extent(b, axis)
                last = b.op("sub", b.op("reshape", cache[key], shape=(1,)), b.const(np.array([1], np.int64)))
                idx = b.op("max", b.op("sub", last, idx), low)
            x = b.op("gather", x, idx, axis=axis)
            keep = b.op("cast", b.op("less", b.op("sub", line, size), b.const(np.array([1], np.int64))),
                        to="float32")
            valid.append(keep)
        box = b.op("mul", b.op("reshape", valid[0], shape=(GRID, 1)), valid[1])  # [30,30]
        return b.op("mul", x, box)

    def pick(b: Builder, shapes: Shapes) -> tuple[Value, Value]:
        """Route matrices: line r of the crop reads source line s(r), an affine function of
        the box's first occupied line (and its last one, and the grid's extent, when the crop's
        size or the grid's differs between examples); lines past the crop match no line."""
        selected = np.zeros(COLORS, np.float32)
        selected[list(colours)] = 1.0
        line = b.const(np.arange(GRID, dtype=np.int64))
        routes = []
        for k, letter in enumerate("pq"):
            count = b.op("einsum", b.input, b.const(selected), equation=f"xipq,i->{letter}")
            occupied = b.op("sign", count)  # [30]: 1 where the line holds a selected colour
            first = b.op("argmax", occupied, axis=0, keepdims=1)  # [1]
            size = shapes.output[k]
            valid = None
            if size is not None:
                steps = np.arange(size)[::-1] if flip[k] else np.arange(size)
                s = b.op("add", first, b.const((margin + steps).reshape(size, 1).astype(np.int64)))
            else:
                back = b.op("argmax", b.op("gather", occupied, b.const(np.arange(GRID - 1, -1, -1)), axis=0),
                            axis=0, keepdims=1)  # 29 - last
                r = b.const(np.arange(GRID, dtype=np.int64).reshape(GRID, 1))
                if flip[k]:
                    s = b.op("sub", b.const(np.array([GRID - 1 - margin], np.int64)), b.op("add", back, r))
                else:
                    s = b.op("add", first, b.op("add", r, b.const(np.array([margin], np.int64))))
                # r <= last - first - 2 margin, i.e. r + back + first < 30 - 2 margin
                valid = b.op("less", b.op("add", r, b.op("add", back, first)),
                             b.const(np.array([GRID - 2 * margin], np.int64)))
            if source_flip[k]:
                extent = shapes.input[k]
                if extent is not None:
                    last = b.const(np.array([extent - 1], np.int64))
                else:
                    last = b.op("sub", b.op("reshape", grid_extent(b, 2 + k), shape=(1,)),
                                b.const(np.array([1], np.int64)))
                s = b.op("sub", last, s)
            if valid is not None:
                s = b.op("where", valid, s, b.const(np.array([-1], np.int64)))
            routes.append(b.op("cast", b.op("equal", s, line), to="float32"))
        return routes[0], routes[1]

    tag = "nz" if colours == tuple(range(1, COLORS)) else "".join(map(str, colours))
    flips = "".join("f" if f else "-" for f in flip) + "".join("s" if f else "-" for f in source_flip)
    return View(f"crop{tag}-{margin}{flips}", grid, build, pick=pick)


def crop_views() -> list[View]:
    """Crops to the box of the non-zero cells or of one colour, plain first, then mirrored."""
    sets = [tuple(range(1, COLORS))] + [(c,) for c in range(COLORS)]
    flips = [(False, True), (True, False), (True, True)]
    out = [crop_view(c, m) for c in sets for m in (0, 1)]
    out += [crop_view(c, m, source_flip=f) for f in flips for c in sets for m in (0, 1)]
    out += [crop_view(c, m, flip=f) for f in flips for c in sets for m in (0, 1)]
    return out


# -- the rule --------------------------------------------------------------------------------

def featurizer(views: tuple[View, ...]):
    def featurize(a: np.ndarray, st: Stencil) -> np.ndarray | None:
        parts = []
        for v in views:
            g = v.grid(a)
            if g is None or g.size == 0 or max(g.shape) > GRID:
                return None
            parts.append(features(g, st))
        return np.concatenate(parts, axis=1)
    return featurize


def routes_of(views: tuple[View, ...], shapes: Shapes) -> tuple[list[Route], tuple[int, int]] | None:
    """Each view's constant route on inputs of the one fit shape; None unless every view has one."""
    shape = shapes.fixed_input
    if shape is None or any(v.route is None for v in views):
        return None
    routes = [v.route(shape) for v in views if v.route is not None]
    if any(r is None for r in routes) or len({r.shape for r in routes if r is not None}) != 1:
        return None
    return [r for r in routes if r is not None], shape


def views_graph(views: tuple[View, ...], shapes: Shapes | None = None):
    """The fitted Conv over the views; where ``view_routes`` has a form for these views and
    ``shapes`` (constant routes on one input shape, or a 1x1 rule over one crop), that too,
    and the cheaper of the two is kept."""
    def make(weights: np.ndarray, bias: np.ndarray, st: Stencil) -> Graph:
        b = Builder()
        cache: dict = {}
        xs = [v.build(b, cache) for v in views]
        x = xs[0] if len(xs) == 1 else b.op("concat", *xs, axis=1)
        out = b.op("conv2d", x, b.const(weights), b.const(bias), pads=st.pads)
        graphs = [b.finish(out)]
        if shapes is not None:
            routed = routes_of(views, shapes)
            if routed is not None:
                graphs.append(routed_conv_graph(*routed, weights, bias, st))
            maps = [v.index_map for v in views if v.index_map is not None]
            if len(maps) == len(views):
                runtime = runtime_routed_conv_graph(maps, shapes, weights, bias, st)
                if runtime is not None:
                    graphs.append(runtime)
            pick = views[0].pick
            if len(views) == 1 and pick is not None and (st.kh, st.kw) == (1, 1):
                b = Builder()
                graphs.append(routed_pick_graph(b, *pick(b, shapes), weights, bias))
        return min(graphs, key=estimated_cost)
    return make


def _shapes_fit(views: tuple[View, ...], data: list[tuple[np.ndarray, np.ndarray]]) -> bool:
    for a, out in data:
        for v in views:
            g = v.grid(a)
            if g is None or g.shape != out.shape:
                return False
    return True


def view_sets(examples: list[Example]) -> list[tuple[View, ...]]:
    """Candidate view sets whose every view has each output's shape, simplest first."""
    data = pairs(examples)
    if not data:
        return []
    if all(a.shape == o.shape for a, o in data):
        dih = dihedral_views()
        ident, others = dih[0], [v for v in dih[1:] if _shapes_fit((v,), data)]
        sets: list[tuple[View, ...]] = [(v,) for v in others]
        sets += [(ident, v) for v in others]
        sets += [(ident, *pair) for pair in itertools.combinations(others, 2)]
        return sets
    ratios = {(o.shape[0] / a.shape[0], o.shape[1] / a.shape[1]) for a, o in data}
    if len(ratios) == 1:
        ry, rx = ratios.pop()
        if ry == int(ry) and rx == int(rx) and ry * rx > 1 and ry <= 5 and rx <= 5:
            scale, tile = scale_views(int(ry), int(rx))
            mirrored = [(v,) for v in mirror_tile_views(int(ry), int(rx))]
            return [s for s in [(scale,), (tile,), (scale, tile), *mirrored] if _shapes_fit(s, data)]
    sets = [s for s in (part_views(data), sample_views(data), corner_views(data))
            if s and _shapes_fit(s, data)]
    crops = [v for v in crop_views() if _shapes_fit((v,), data)]
    return sets + [(v,) for v in crops]


def _product(rows: list[AxisMap], cols: list[AxisMap]) -> tuple[View, ...]:
    if len(rows) * len(cols) < 2:
        return ()
    return tuple(index_view(f"{r.name}/{c.name}", IndexMap(False, r, c)) for r in rows for c in cols)


def sample_views(data: list[tuple[np.ndarray, np.ndarray]]) -> tuple[View, ...]:
    """A grid shrunk k-fold, seen as its k x k interleaved samples (cell (r, c) of view (i, j)
    is input cell (k r + i, k c + j)): a block-wise rule such as "the block's colour"."""
    axes = []
    for axis in (0, 1):
        ks = {a.shape[axis] // o.shape[axis] if a.shape[axis] % o.shape[axis] == 0 else 0 for a, o in data}
        if len(ks) != 1 or not 1 <= (k := ks.pop()) <= 4:
            return ()
        axes.append([AxisMap(f"sample{k}:{j}", lambda n, k=k, j=j: [k * r + j for r in range(n // k)],
                             identity=k == 1) for j in range(k)])
    return _product(*axes)


def corner_views(data: list[tuple[np.ndarray, np.ndarray]]) -> tuple[View, ...]:
    """The output-sized windows at the input's four corners (overlapping or not)."""
    axes = []
    for axis in (0, 1):
        outs = {o.shape[axis] for _, o in data}
        if len(outs) != 1:
            return ()
        m = outs.pop()
        if all(a.shape[axis] == m for a, _ in data):
            axes.append([AxisMap("all", lambda n: list(range(n)), identity=True)])
        else:
            axes.append([AxisMap(f"first{m}", lambda n, m=m: list(range(m))),
                         AxisMap(f"last{m}", lambda n, m=m: list(range(n - m, n)))])
    return _product(*axes)


def part_views(data: list[tuple[np.ndarray, np.ndarray]]) -> tuple[View, ...]:
    """The p x q equal parts of the input (split by 0- or 1-wide lines), one view each."""
    axes = []
    for axis in (0, 1):
        sizes = {(a.shape[axis], o.shape[axis]) for a, o in data}
        found = None
        for parts in (1, 2, 3, 4):
            for sep in (0, 1):
                if parts == 1 and sep:
                    continue
                if all(n == parts * m + (parts - 1) * sep for n, m in sizes):
                    found = [AxisMap(f"part{parts}.{sep}:{j}",
                                     lambda n, p=parts, s=sep, j=j: [j * ((n - s * (p - 1)) // p + s) + r
                                                                     for r in range((n - s * (p - 1)) // p)],
                                     identity=parts == 1)
                             for j in range(parts)]
                    break
            if found:
                break
        if not found:
            return ()
        axes.append(found)
    return _product(*axes)


def table_graph(views: tuple[View, ...], patterns: np.ndarray, labels: np.ndarray, st: Stencil,
                shapes: Shapes | None = None) -> Graph:
    """One hidden unit per pattern p (a 0/1 view): relu(x.(2p - 1) + 1 - |p|) is 1 exactly when
    the stencil sees p (a one-hot view differs from p by at least one cell, which costs 1 or 2),
    else 0; the output channel of p's colour adds it, minus 1/2. On inputs of one ``shape``
    the routed form of ``view_routes`` is built too, and the cheaper kept."""
    n, feats = patterns.shape
    w1 = (2.0 * patterns - 1.0).astype(np.float32).reshape(n, feats // (st.kh * st.kw), st.kh, st.kw)
    b1 = (1.0 - patterns.sum(axis=1)).astype(np.float32)
    w2 = np.zeros((COLORS, n, 1, 1), np.float32)
    w2[labels, np.arange(n)] = 1.0
    b = Builder()
    cache: dict = {}
    xs = [v.build(b, cache) for v in views]
    x = xs[0] if len(xs) == 1 else b.op("concat", *xs, axis=1)
    hidden = b.op("relu", b.op("conv2d", x, b.const(w1), b.const(b1), pads=st.pads))
    out = b.op("conv2d", hidden, b.const(w2), b.const(np.full(COLORS, -0.5, np.float32)))
    graphs = [b.finish(out)]
    routed = routes_of(views, shapes) if shapes is not None else None
    if routed is not None:
        graphs.append(routed_table_graph(*routed, w1, b1, labels, st))
    return min(graphs, key=estimated_cost)


def fit_table(examples: list[Example], views: tuple[View, ...], st: Stencil) -> Graph | None:
    """The lookup-table rule: every view the last quarter of the examples shows was seen,
    with the same answer, in the first 3/4 (so the table generalises), and it is small."""
    featurize = featurizer(views)
    full = dataset(examples, st, featurize)
    if full is None:
        return None
    x, y = full
    keep = y != -1
    if keep.sum() > MAX_TABLE:
        return None
    cut = len(examples) - len(examples) // 4
    if cut < len(examples):
        seen = dataset(examples[:cut], st, featurize)
        if seen is None:
            return None
        known = {row.tobytes() for row in seen[0]}
        if any(row.tobytes() not in known for row in x):
            return None
    graph = table_graph(views, x[keep].astype(np.float32), y[keep], st, shapes_of(examples))
    return checked(graph, examples)


@family("view_rule", kind="solver", group="view_rule", tier=130, traits={Trait.LOCAL_RULE})
def view_rule(examples: list[Example]) -> Graph | None:
    """Output cells as a linear-threshold function of a 1x1 / 3x3 stencil over several views
    of the input (mirror images, rotations, scalings, tilings, bounding-box crops)."""
    budget = Budget(WORK, BUDGET_SECONDS)
    sets = view_sets(examples)[:MAX_SETS]
    if not sets:
        return None
    probe = examples[: min(len(examples), 6)]
    shapes = shapes_of(examples)
    fallback: Graph | None = None  # a 1x1 rule exact on every fit example that failed the 3/4 test
    for k in (1, 3):
        st = Stencil.square(k)
        for views in sets:
            if budget():
                return fallback
            featurize = featurizer(views)
            if (dataset(probe, st, featurize, budget=budget) is None
                    or dataset(examples, st, featurize, budget=budget) is None):
                continue
            graph = fit_stencils(examples, [st], featurize, views_graph(views, shapes),
                                 budget=budget, fallback_ok=False)
            if graph is None:
                graph = fit_table(examples, views, st)
            if graph is not None:
                return graph
            if fallback is None and k == 1:
                full = fit_weights(examples, st, budget, featurize)
                if full is not None:
                    fallback = checked(views_graph(views, shapes)(*full, st), examples)
    return fallback
