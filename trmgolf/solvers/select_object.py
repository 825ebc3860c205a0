"""Select one object by a property and output it: in place (the rest cleared) or cut out.

The object is a connected component (``components``): the largest, the smallest, the one
touching / not touching the border, the one with / without a hole, or one picked by a marker
colour c present in every input: the object holding the most cells of c (the pattern with the
most dots), the one containing c, the one touching a cell of c. The output is the
input with every other cell cleared to the background (``in_place``), or the selected
object's bounding box moved to the top-left, either with everything inside the box
(``box``) or with only the object's own cells (``object``).

The network reuses the property planes of ``components`` (one selected plane S), and for
the crops the shift matrices of ``objects.crop_colour``: ``rows @ content @ cols^T``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.grid.labels import NOT_BACKGROUND, Grouping, labels_of
from trmgolf.grid.vocab import BACKGROUND, colour_masks_ir, on_grid_ir
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import checked, pairs
from trmgolf.solvers.components import (
    MARKER_KINDS,
    Objects,
    groupings,
    object_planes,
    object_planes_ir,
    plan,
)
from trmgolf.solvers.objects import shift_matrix
from trmgolf.solvers.planes import crop_input, fit_side
from trmgolf.tasks import COLORS, GRID, Example


@dataclass(frozen=True)
class Selection:
    name: str
    kind: str  # the property plane set of ``components``
    plane: int  # which plane of it
    negate: bool = False


SELECTIONS = (
    Selection("largest", "extremes", 0),
    Selection("smallest", "extremes", 1),
    Selection("touching_border", "border", 0),
    Selection("inside", "border", 0, True),
    Selection("with_hole", "hole", 0),
    Selection("without_hole", "hole", 0, True),
)
OUTPUTS = ("in_place", "box", "object")


def marker_selections(data: list[tuple[np.ndarray, np.ndarray]]) -> list[Selection]:
    """The marker selections of the colours (other than the background) in every input."""
    common = set.intersection(*({int(c) for c in np.unique(a)} for a, _ in data)) - {BACKGROUND}
    return [Selection(f"{kind}{c}", f"{kind}{c}", 0) for kind in MARKER_KINDS for c in sorted(common)]


def selected(a: np.ndarray, objects: Objects, sel: Selection) -> np.ndarray:
    """bool [h, w]: the cells of the selected object(s)."""
    plane = object_planes(a, objects)[sel.plane].astype(bool)
    return ((a != BACKGROUND) & ~plane) if sel.negate else plane


def answer(a: np.ndarray, chosen: np.ndarray, output: str) -> np.ndarray | None:
    """What ``output`` makes of grid ``a`` and the chosen cells; None when nothing is chosen."""
    if not chosen.any():
        return None
    only = np.where(chosen, a, BACKGROUND)
    if output == "in_place":
        return only
    rows = np.flatnonzero(chosen.any(axis=1))
    cols = np.flatnonzero(chosen.any(axis=0))
    source = a if output == "box" else only
    return source[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def selection_graph(objects: Objects, sel: Selection, output: str) -> Graph:
    b = Builder()
    x = crop_input(b, objects.side)
    side = objects.side
    plane = b.op("slice", object_planes_ir(b, x, objects), starts=(sel.plane,), ends=(sel.plane + 1,),
                 axes=(1,))
    inside = on_grid_ir(b, x)
    if sel.negate:
        on = colour_masks_ir(b, x, (NOT_BACKGROUND,))
        plane = b.op("sub", on, plane)
    background = np.zeros((1, COLORS, 1, 1), np.float32)
    background[0, BACKGROUND] = 1.0
    content: Value = b.op("add", b.op("mul", x, plane),
                          b.op("mul", b.op("sub", inside, plane), b.const(background)))
    if output != "in_place":
        rows = shift_matrix(b, b.op("reduce_max", plane, axes=(3,), keepdims=1), 2, side)
        cols = shift_matrix(b, b.op("reduce_max", plane, axes=(2,), keepdims=1), 3, side)
        source = x if output == "box" else content
        content = b.op("matmul", b.op("matmul", rows, source), b.op("transpose", cols, perm=(0, 1, 3, 2)))
    if side < GRID:
        content = b.op("pad", content, pads=(0, 0, 0, 0, 0, 0, GRID - side, GRID - side))
    return b.finish(content)


def some_object_fits(data: list[tuple[np.ndarray, np.ndarray]], grouping: Grouping, output: str) -> bool:
    """Whether every output is ``output`` of one of its input's objects (a cheap test before the
    property planes are computed)."""
    for a, o in data:
        labels = labels_of(a, grouping, max(a.shape))
        if not any(np.array_equal(answer(a, labels == k, output), o) for k in np.unique(labels[labels > 0])):
            return False
    return True


@family("select_object", kind="solver", group="objects", tier=280,
        traits={Trait.OUT_IS_SUBGRID, Trait.OBJECTS})
def select_object(examples: list[Example]) -> Graph | None:
    """The output is one object of the input, picked by size, border contact, a hole or a marker
    colour (most cells of it, containing it, touching it): kept in place with the rest cleared,
    or its box cut out to the top-left."""
    data = pairs(examples)
    if not data:
        return None
    same = all(a.shape == o.shape for a, o in data)
    outputs = ("in_place",) if same else OUTPUTS[1:]
    side = fit_side(examples)
    for grouping in groupings(examples):
        fitting = [out for out in outputs if some_object_fits(data, grouping, out)]
        steps = plan(grouping, side) if fitting else None
        if steps is None:
            continue
        for sel in SELECTIONS + tuple(marker_selections(data)):
            objects = Objects(grouping, side, steps[0], steps[1], (sel.kind,))
            for output in fitting_outputs(data, objects, sel, fitting):
                graph = checked(selection_graph(objects, sel, output), examples)
                if graph is not None:
                    return graph
    return None


def fitting_outputs(data: list[tuple[np.ndarray, np.ndarray]], objects: Objects, sel: Selection,
                    outputs: list[str]) -> list[str]:
    """The outputs that ``sel`` explains on every example (stops at the first example that
    none of them explains: most selections fail on the first few)."""
    left = list(outputs)
    for a, o in data:
        chosen = selected(a, objects, sel)
        left = [out for out in left if np.array_equal(answer(a, chosen, out), o)]
        if not left:
            break
    return left
