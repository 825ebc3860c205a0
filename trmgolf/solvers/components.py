"""Per-object property planes over connected components (``trmgolf.grid.labels``).

From the labels, ``E[i, j] = (label_i == label_j)`` ([N, N] with N = side^2 cells) turns
any per-cell quantity into a per-object one by one MatMul: the object's size (E @ mask),
whether it touches the grid's border (E @ border > 0) or has a hole (E @ cells next to an
enclosed background cell > 0), whether it holds or touches a marker colour (E @ the colour's
cells, or @ cells next to one, > 0), which object holds the most cells of a colour (E @ the
colour's cells == its ReduceMax), and the number of larger (smaller) objects by comparing
sizes against each object's representative cell (the one whose id is its label). The
largest and smallest objects need no [N, N] comparison: size == its ReduceMax / ReduceMin.

Everything runs on the crop of the largest fit grid in float16 (labels <= 900 and counts
are exact small integers). The numpy side simulates the same steps (``propagate``) to size
the network; the planes the rule is fitted on take their labels from scipy's labelling,
which equals the converged propagation. ``object_planes`` / ``object_planes_ir`` are one
vocabulary primitive, held equal by the property test in ``tests/grid``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.grid.depth import path_steps, ring_steps
from trmgolf.grid.labels import MAX_STEPS, NOT_BACKGROUND, Grouping, label_steps, labels_ir, labels_of
from trmgolf.grid.vocab import (
    BACKGROUND,
    border,
    border_ir,
    colour_plane_ir,
    f16,
    near8,
    near8_ir,
    next_to,
    next_to_ir,
    register,
)
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import pairs
from trmgolf.solvers.planes import Planes, fit_planes, fit_side
from trmgolf.solvers.regions import enclosed, enclosed_plane, steps_needed
from trmgolf.tasks import COLORS, Example

MAX_SIZE = 12  # size planes: size == 1 .. MAX_SIZE, and one plane for anything larger
MAX_RANK = 5  # rank planes: 0 .. MAX_RANK - 1 larger objects


def groupings(examples: list[Example]) -> list[Grouping]:
    """Non-background objects, then same-colour objects (when inputs hold several colours),
    each 4- then 8-connected."""
    colours = sorted({int(c) for a, _ in pairs(examples) for c in np.unique(a)} - {BACKGROUND})
    if not colours:
        return []
    found = [(NOT_BACKGROUND,)]
    if len(colours) > 1:
        found.append(tuple((c,) for c in colours))
    return [Grouping(k, groups) for groups in found for k in (4, 8)]


def with_margin(needed: int) -> int:
    return needed + math.ceil(needed / 4) + 2


@dataclass(frozen=True)
class Objects:
    """What the planes of one task need: grouping, crop side, propagation steps (labels and,
    for holes, the enclosed background), and which property planes to build."""

    grouping: Grouping
    side: int
    steps: int
    hole_steps: int
    kinds: tuple[str, ...]  # of "size", "extremes", "rank", "border", "hole", or a marker kind

    @property
    def count(self) -> int:
        return sum(PLANE_COUNTS.get(k, 1) for k in self.kinds)


PLANE_COUNTS = {"size": MAX_SIZE + 1, "extremes": 2, "rank": MAX_RANK + 1, "border": 1, "hole": 1}
# marker kinds, one plane each, for a colour c: "touch{c}" (some cell of the object, not itself of
# colour c, has colour c among its 8 neighbours), "contains{c}" (a cell of the object has colour c),
# "most{c}" (the object holds the most cells of colour c of all objects)
MARKER_KINDS = ("touch", "contains", "most")


def marker_kind(kind: str) -> tuple[str, int] | None:
    """("touch" | "contains" | "most", colour) of a marker kind; None for the other kinds."""
    for prefix in MARKER_KINDS:
        if kind.startswith(prefix) and kind[len(prefix):].isdigit():
            return prefix, int(kind[len(prefix):])
    return None


def plan(grouping: Grouping, side: int) -> tuple[int, int]:
    """(label steps, enclosed steps) that converge on every grid of the side x side canvas."""
    return path_steps(side, grouping.connectivity), ring_steps(side)


def _marker_plane(a: np.ndarray, labels: np.ndarray, kind: str, colour: int) -> np.ndarray:
    on = labels > 0
    if kind == "most":
        ids, inverse = np.unique(labels, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=(a == colour).ravel())
        held = np.where(on, counts[inverse.reshape(a.shape)], -1)
        return on & (held == held.max())
    seed = (a == colour) if kind == "contains" else (near8(a == colour) & (a != colour))
    return on & np.isin(labels, np.unique(labels[on & seed]))


def object_planes(a: np.ndarray, objects: Objects) -> np.ndarray:
    """[P, h, w] uint8 property planes of grid ``a`` (0 off objects), in ``objects.kinds`` order."""
    labels = labels_of(a, objects.grouping, objects.side)
    on = labels > 0
    ids, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    size = np.where(on, counts[inverse.reshape(a.shape)], 0)
    out: list[np.ndarray] = []
    for kind in objects.kinds:
        marker = marker_kind(kind)
        if marker is not None:
            out.append(_marker_plane(a, labels, *marker))
        elif kind == "size":
            out += [size == k for k in range(1, MAX_SIZE + 1)] + [size > MAX_SIZE]
        elif kind == "extremes":
            out += [on & (size == size.max()), on & (size == size[on].min())] if on.any() else [on, on]
        elif kind == "rank":
            sizes = counts[ids > 0]
            larger = np.array([(sizes > s).sum() for s in range(int(size.max()) + 1)])[size]
            smaller = np.array([((sizes < s) & (sizes > 0)).sum() for s in range(int(size.max()) + 1)])[size]
            out += [on & (larger == k) for k in range(MAX_RANK)] + [on & (smaller == 0)]
        else:
            seed = border(a) if kind == "border" else next_to(enclosed(a, objects.hole_steps))
            hit = np.unique(labels[on & seed])
            out.append(on & np.isin(labels, hit))
    return np.stack(out).astype(np.uint8)


# ---- the network -------------------------------------------------------------------------------

def _column(b: Builder, v: Value, n: int) -> Value:
    return b.op("reshape", v, shape=(1, 1, n, 1))


def _row(b: Builder, v: Value, n: int) -> Value:
    return b.op("reshape", v, shape=(1, 1, 1, n))


def _grid(b: Builder, v: Value, side: int) -> Value:
    return b.op("reshape", v, shape=(1, 1, side, side))


def _per_object(b: Builder, same: Value, cells: Value, n: int, side: int) -> Value:
    """float16 [1,1,s,s]: per cell, the sum of ``cells`` over its object."""
    return _grid(b, b.op("matmul", same, _column(b, cells, n)), side)


def _marker_plane_ir(b: Builder, x: Value, same: Value, mask: Value, size_n: tuple[int, int],
                     kind: str, colour: int) -> Value:
    """bool [1,1,s,s]: the plane of ``_marker_plane``."""
    n, side = size_n
    cells = colour_plane_ir(b, x, colour)
    on = b.op("greater", mask, b.const(np.float16(0.0)))
    if kind == "most":
        held = b.op("mul", _per_object(b, same, b.op("mul", f16(b, cells), mask), n, side), mask)
        # off objects the count is lowered below every object's (which is >= 0)
        held = b.op("sub", held, b.op("sub", b.const(np.float16(1.0)), mask))
        return b.op("and", b.op("equal", held, b.op("reduce_max", held, axes=(2, 3), keepdims=1)), on)
    if kind == "contains":
        seed = f16(b, cells)
    else:
        seed = f16(b, b.op("mul", near8_ir(b, cells), b.op("sub", b.const(np.float32(1.0)), cells)))
    hit = _per_object(b, same, b.op("mul", seed, mask), n, side)
    return b.op("and", b.op("greater", hit, b.const(np.float16(0.0))), on)


def object_planes_ir(b: Builder, x: Value, objects: Objects) -> Value:
    """float32 [1,P,s,s]: the planes of ``object_planes`` from the cropped one-hot ``x``."""
    side = x.type.shape[2]
    n = side * side
    labels, mask = labels_ir(b, x, objects.grouping, objects.steps)
    same = f16(b, b.op("equal", _column(b, labels, n), _row(b, labels, n)))
    size = b.op("mul", _per_object(b, same, mask, n, side), mask)
    zero = b.const(np.float16(0.0))
    out: list[Value] = []
    for kind in objects.kinds:
        marker = marker_kind(kind)
        if marker is not None:
            out.append(b.op("cast", _marker_plane_ir(b, x, same, mask, (n, side), *marker), to="float32"))
        elif kind == "size":
            ks = np.arange(1, MAX_SIZE + 1, dtype=np.float16).reshape(1, MAX_SIZE, 1, 1)
            out.append(b.op("cast", b.op("equal", size, b.const(ks)), to="float32"))
            out.append(b.op("cast", b.op("greater", size, b.const(np.float16(MAX_SIZE))), to="float32"))
        elif kind == "extremes":
            # the largest: size == its maximum; the smallest: off-object cells lifted past every size
            largest = b.op("equal", size, b.op("reduce_max", size, axes=(2, 3), keepdims=1))
            lifted = b.op("add", size, b.op("mul", b.op("sub", b.const(np.float16(1.0)), mask),
                                            b.const(np.float16(1000.0))))
            smallest = b.op("equal", lifted, b.op("reduce_min", lifted, axes=(2, 3), keepdims=1))
            on = b.op("greater", mask, zero)
            out.append(b.op("cast", b.op("and", largest, on), to="float32"))
            out.append(b.op("cast", b.op("and", smallest, on), to="float32"))
        elif kind == "rank":
            rows, cols = np.indices((side, side))
            ids = b.const((rows * side + cols + 1).astype(np.float16).reshape(1, 1, side, side))
            rep = f16(b, b.op("equal", labels, ids))  # one cell per object
            size_col, size_row = _column(b, size, n), _row(b, size, n)
            larger = _grid(b, b.op("matmul", f16(b, b.op("greater", size_row, size_col)),
                                   _column(b, rep, n)), side)
            smaller = _grid(b, b.op("matmul", f16(b, b.op("less", size_row, size_col)),
                                    _column(b, rep, n)), side)
            # off objects the counts are shifted past every rank plane
            off = b.op("mul", b.op("sub", b.const(np.float16(1.0)), mask), b.const(np.float16(100.0)))
            larger, smaller = b.op("add", larger, off), b.op("add", smaller, off)
            ks = np.arange(MAX_RANK, dtype=np.float16).reshape(1, MAX_RANK, 1, 1)
            out.append(b.op("cast", b.op("equal", larger, b.const(ks)), to="float32"))
            out.append(b.op("cast", b.op("equal", smaller, zero), to="float32"))
        else:
            if kind == "border":
                seed = border_ir(b, x)
            else:
                seed = next_to_ir(b, enclosed_plane(b, x, objects.hole_steps, BACKGROUND))
            hit = _per_object(b, same, b.op("mul", seed, mask), n, side)
            out.append(b.op("cast", b.op("and", b.op("greater", hit, zero),
                                         b.op("greater", mask, zero)), to="float32"))
    return out[0] if len(out) == 1 else b.op("concat", *out, axis=1)


def _some_objects(rng: np.random.Generator, a: np.ndarray, side: int) -> dict[str, Objects] | None:
    """Objects of a random grouping and kind set whose propagation converges on ``a`` (the
    property test's arguments for the ``object_planes`` primitive)."""
    colours = sorted(int(c) for c in np.unique(a) if c != BACKGROUND) or [1]
    groups = (NOT_BACKGROUND,) if rng.random() < 0.5 else tuple((c,) for c in colours)
    grouping = Grouping(int(rng.choice((4, 8))), groups)
    steps, hole_steps = with_margin(label_steps(a, grouping)), with_margin(steps_needed(a))
    if steps > MAX_STEPS or hole_steps > MAX_STEPS:
        return None
    markers = [f"{kind}{int(rng.integers(COLORS))}" for kind in MARKER_KINDS]
    pool = [*PLANE_COUNTS, *markers]
    kinds = tuple(str(k) for k in rng.choice(pool, int(rng.integers(1, 4)), replace=False))
    return {"objects": Objects(grouping, side, steps, hole_steps, kinds)}


register("object_planes", object_planes, object_planes_ir, _some_objects, clean=True)


# ---- the solver --------------------------------------------------------------------------------

# An object's own properties (border, hole, size) come before those relative to the other
# objects (extremes, rank). Where both fit, the relative one holds only while every example
# has an object at the threshold ("the smallest" = "size 1" while every grid has a single
# cell): a generator that draws objects independently breaks it on a grid with few objects
# (task097: one three-cell object alone on a 9 x 5 grid is the smallest, yet it stays).
KIND_SETS: tuple[tuple[str, ...], ...] = (("border",), ("hole",), ("size",), ("extremes",), ("rank",),
                                          ("size", "rank", "border", "hole"))


def objects_change_only(examples: list[Example]) -> bool:
    """Same-size examples where some cell changes and every changed cell was an object cell."""
    data = pairs(examples)
    if not data or any(a.shape != o.shape for a, o in data):
        return False
    changed = [(a, a != o) for a, o in data]
    return any(c.any() for _, c in changed) and all((a[c] != BACKGROUND).all() for a, c in changed)


def uniform_per_object(data: list[tuple[np.ndarray, np.ndarray]], grouping: Grouping) -> bool:
    """Whether, inside every object, cells of one input colour get one output colour (else no
    property of the object can explain the change)."""
    for a, o in data:
        labels = labels_of(a, grouping, max(a.shape))
        on = labels > 0
        keys = (labels[on] * COLORS + a[on]) * COLORS + o[on]
        pairs_ = np.unique(keys) // COLORS
        if len(np.unique(pairs_)) != len(pairs_):
            return False
    return True


def coarsest_first(uniform: list[Grouping]) -> list[Grouping]:
    """8-connected objects before 4-connected ones of the same colour sets when the output is
    uniform on both: each 8-connected object is a union of 4-connected ones, so a rule fitted on
    the parts can hold on the fit examples by chance (two diagonal halves of one shape happen to
    get one colour) and fail where a shape's halves differ. 8-connected labels also cost less:
    one 3 x 3 MaxPool per step instead of two."""
    order = {(g.groups, g.connectivity): i for i, g in enumerate(uniform)}
    return sorted(uniform, key=lambda g: (order.get((g.groups, 8), order[(g.groups, g.connectivity)]),
                                          -g.connectivity))


def object_planes_def(objects: Objects) -> Planes:
    name = f"objects_{objects.grouping.name}_{'_'.join(objects.kinds)}"
    return Planes(name, objects.count, lambda a: object_planes(a, objects),
                  lambda b, x: object_planes_ir(b, x, objects))


@family("recolour_objects", kind="solver", group="objects", tier=270, traits={Trait.COLOR_MAP, Trait.OBJECTS})
def recolour_objects(examples: list[Example]) -> Graph | None:
    """Same-size tasks that recolour whole objects (connected components) by a property: their
    size, their size rank (largest, smallest ...), touching the border, having a hole."""
    if not objects_change_only(examples):
        return None
    side = fit_side(examples)
    data = pairs(examples)
    for grouping in coarsest_first([g for g in groupings(examples) if uniform_per_object(data, g)]):
        steps = plan(grouping, side)
        for kinds in KIND_SETS:
            objects = Objects(grouping, side, steps[0], steps[1], kinds)
            graph = fit_planes(examples, object_planes_def(objects), kernels=(1,))
            if graph is not None:
                return graph
    return None
