"""Periodic repair: cells of a mask colour are restored from the grid's repeating pattern.

The pattern's period changes from example to example, so the network finds it itself. A
*lattice* splits the cells into classes that must share a colour: ``rect py px`` puts
(r, c) in class (r mod py, c mod px); ``anti p`` and ``diag p`` merge those p x p residues
further, by (r + c) mod p and (r - c) mod p (stripes along a diagonal). A lattice *fits* a
grid when every class holds exactly one colour other than the mask (no conflict, no class
only masked or off the grid); the answer is then each class's colour. Of the lattices that
fit, the one with the fewest classes wins (ties: a fixed order), as in ``first_fit``.

The network, on the crop of the largest fit grid, in float16 (counts stay below 2048):
per lattice, two MatMuls with 0/1 residue matrices count each colour per class
([1,10,py,px]; a third MatMul merges residues into diagonal classes), a Min makes the
counts 0/1, and the class is fine when exactly one colour is present; two more MatMuls
spread the class colours back over the canvas. A chain of Where nodes, from the last
lattice to the first, keeps the first lattice that fits. Only the lattices some fit example
chose are built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import checked, pairs, same_shapes
from trmgolf.solvers.planes import crop_input, fit_side
from trmgolf.tasks import COLORS, GRID, Example

KINDS = ("rect", "anti", "diag")
MAX_PERIOD = 15
MAX_LATTICES = 8  # distinct lattices in one network; each costs about 10 side^2 float16 cells


@dataclass(frozen=True, order=True)
class Lattice:
    classes: int  # first: fewer classes = the simpler explanation, tried first
    kind: str
    py: int
    px: int

    @staticmethod
    def of(kind: str, py: int, px: int) -> Lattice:
        return Lattice(py * px if kind == "rect" else py, kind, py, px)

    def merge(self) -> np.ndarray | None:
        """[py px, py px] 0/1: which residues share a class (None for ``rect``: none merge)."""
        if self.kind == "rect":
            return None
        a, b = np.divmod(np.arange(self.py * self.px), self.px)
        label = (a + b) % self.py if self.kind == "anti" else (a - b) % self.py
        return (label[:, None] == label[None, :]).astype(np.float32)


def all_lattices(max_period: int = MAX_PERIOD) -> list[Lattice]:
    """Every lattice up to ``max_period``, in the order they are tried."""
    found = [Lattice.of("rect", py, px) for py in range(1, max_period + 1) for px in range(1, max_period + 1)]
    found += [Lattice.of(kind, p, p) for kind in KINDS[1:] for p in range(2, max_period + 1)]
    return sorted(found, key=lambda lat: (lat.classes, KINDS.index(lat.kind), lat.py, lat.px))


def residues(n: int, period: int) -> np.ndarray:
    """[n, period] 0/1: row i is one-hot at i mod period."""
    return (np.arange(n)[:, None] % period == np.arange(period)[None, :]).astype(np.float32)


def class_colours(a: np.ndarray, mask: int, lat: Lattice) -> np.ndarray | None:
    """[10, py, px] 0/1: the colour of each class of ``a`` under ``lat``; None when it does not fit."""
    onehot = (a[None] == np.arange(COLORS)[:, None, None]).astype(np.float32)
    onehot[mask] = 0.0
    counts = residues(a.shape[0], lat.py).T @ onehot @ residues(a.shape[1], lat.px)
    merge = lat.merge()
    if merge is not None:
        counts = (counts.reshape(COLORS, -1) @ merge).reshape(counts.shape)
    present = np.minimum(counts, 1.0)
    if not np.array_equal(present.sum(axis=0), np.ones(present.shape[1:])):
        return None
    return present


def first_fit(a: np.ndarray, mask: int, lattices: list[Lattice]) -> tuple[Lattice, np.ndarray] | None:
    """The first lattice that fits ``a`` and the repaired grid."""
    for lat in lattices:
        present = class_colours(a, mask, lat)
        if present is not None:
            full = residues(a.shape[0], lat.py) @ present @ residues(a.shape[1], lat.px).T
            return lat, full.argmax(axis=0)
    return None


def mask_colour(examples: list[Example]) -> int | None:
    """The colour every changed cell had, present in some input and in no output."""
    data = pairs(examples)
    for c in range(COLORS):
        if (all(not (o == c).any() and (a[a != o] == c).all() for a, o in data)
                and any((a == c).any() for a, _ in data)):
            return c
    return None


def lattice_layer(b: Builder, x: Value, lat: Lattice) -> tuple[Value, Value]:
    """(fits: bool [1,1,1,1], the repaired canvas: float16 [1,10,s,s]) of one lattice."""
    side = x.type.shape[2]
    rows, cols = residues(side, lat.py), residues(side, lat.px)
    counts = b.op("matmul", b.op("matmul", b.const(rows.T, "float16"), x), b.const(cols, "float16"))
    merge = lat.merge()
    if merge is not None:
        flat = b.op("reshape", counts, shape=(1, COLORS, lat.py * lat.px))
        flat = b.op("matmul", flat, b.const(merge, "float16"))
        counts = b.op("reshape", flat, shape=(1, COLORS, lat.py, lat.px))
    present = b.op("min", counts, b.const(np.ones(1, np.float16)))
    colours = b.op("reduce_sum", present, axes=(1,), keepdims=1)
    wrong = b.op("reduce_max", b.op("abs", b.op("sub", colours, b.const(np.ones(1, np.float16)))),
                 axes=(0, 1, 2, 3), keepdims=1)
    fits = b.op("less", wrong, b.const(np.full(1, 0.5, np.float16)))
    spread = b.op("matmul", b.op("matmul", b.const(rows, "float16"), present), b.const(cols.T, "float16"))
    return fits, spread


def periodic_graph(lattices: list[Lattice], mask: int, side: int) -> Graph:
    b = Builder()
    x = b.op("cast", crop_input(b, side), to="float16")
    keep = np.ones((1, COLORS, 1, 1), np.float16)
    keep[0, mask] = 0.0
    known = b.op("mul", x, b.const(keep))
    inside = b.op("reduce_max", x, axes=(1,), keepdims=1)
    y = x  # no lattice fits: the input unchanged
    for lat in reversed(lattices):
        fits, spread = lattice_layer(b, known, lat)
        y = b.op("where", fits, spread, y)
    out = b.op("cast", b.op("mul", y, inside), to="float32")
    if side < GRID:
        out = b.op("pad", out, pads=(0, 0, 0, 0, 0, 0, GRID - side, GRID - side))
    return b.finish(out)


@family("periodic_repair", kind="solver", group="periodic", tier=200, traits={Trait.PERIODIC})
def periodic_repair(examples: list[Example]) -> Graph | None:
    """Same-size tasks whose output is the input's repeating pattern with the mask colour's
    cells restored; the period (rectangular or along a diagonal) may differ per example."""
    if not examples or not same_shapes(examples):
        return None
    mask = mask_colour(examples)
    if mask is None:
        return None
    side = fit_side(examples)
    candidates = all_lattices(min(MAX_PERIOD, side))
    chosen: set[Lattice] = set()
    for a, o in pairs(examples):
        found = first_fit(a, mask, candidates)
        if found is None or not np.array_equal(found[1], o):
            return None
        chosen.add(found[0])
    if len(chosen) > MAX_LATTICES:
        return None
    return checked(periodic_graph(sorted(chosen), mask, side), examples)
