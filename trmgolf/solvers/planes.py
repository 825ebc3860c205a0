"""Derived planes + a fitted Conv: the shared machinery of the region and ray families.

A *plane* is a 0/1 map of the grid that a local stencil cannot see by itself (cells
enclosed by walls, cells with a colour somewhere to their left, ...). Each family
computes its planes twice: in numpy (``grid``, to fit the rule) and as IR on the
task's cropped canvas (``build``, the network); ``register_planes`` enters the pair in
the grid vocabulary, whose property test (``tests/grid``) holds the two sides equal. The
rule is then the linear-threshold Conv of ``local_rule``, fitted by its linear program
over the one-hot input plus the planes, so one family covers every rule of the form "a
local function of the cell, its neighbours and their planes" (fill the holes with 4,
colour a hole by its size seen through a 3 x 3 stencil, paint cells between two cells of one colour ...).

The network crops the input to the largest fit grid (``side``): every tensor is
side x side, not 30 x 30, and the answer is padded back into ``output`` at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from trmgolf.families.contract import Budget
from trmgolf.grid.vocab import Sampler, register
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import pairs
from trmgolf.solvers.local_rule import Stencil, features, fit_stencils
from trmgolf.tasks import COLORS, GRID, Example

WORK = 10_000  # work units per fit over [input, planes]: the deterministic limit
BUDGET_SECONDS = 20.0  # CPU seconds per fit: only a safety net, WORK stops first


@dataclass(frozen=True)
class Planes:
    """``grid(a)`` -> [P, h, w] uint8 planes of the int grid ``a`` (None: undefined for it);
    ``build(b, x)`` -> float32 [1, P, side, side] from the cropped one-hot input ``x``."""

    name: str
    count: int
    grid: Callable[[np.ndarray], np.ndarray | None]
    build: Callable[[Builder, Value], Value]


def register_planes(name: str, factory: Callable[..., Planes], sample: Sampler) -> None:
    """Enter a family's ``Planes`` (built by ``factory(**args)``) in the grid vocabulary, so the
    property test in ``tests/grid`` holds its numpy and IR sides equal on random grids (and
    the IR 0 past the grid, where the fitted Conv reads it)."""
    register(name, lambda a, **args: factory(**args).grid(a),
             lambda b, x, **args: factory(**args).build(b, x), sample, clean=True)


def object_colours(rng: np.random.Generator, a: np.ndarray, side: int) -> dict[str, Any]:
    """1 .. 3 distinct colours but the background, in order (a test sampler)."""
    picked = rng.choice(np.arange(1, COLORS), int(rng.integers(1, 4)), replace=False)
    return {"colours": tuple(sorted(int(c) for c in picked))}


def fit_side(examples: list[Example]) -> int:
    """The crop: the largest side of any fit input or output."""
    return max(max(a.shape + o.shape) for a, o in pairs(examples))


def crop_input(b: Builder, side: int) -> Value:
    if side >= GRID:
        return b.input
    return b.op("slice", b.input, starts=(0, 0), ends=(side, side), axes=(2, 3))


def planes_graph(planes: Planes, side: int):
    """The network of a fitted rule: crop, planes, Concat, the Conv, Pad into ``output``."""

    def make(weights: np.ndarray, bias: np.ndarray, st: Stencil) -> Graph:
        b = Builder()
        x = crop_input(b, side)
        stacked = b.op("concat", x, planes.build(b, x), axis=1)
        out = b.op("conv2d", stacked, b.const(weights), b.const(bias), pads=st.pads)
        if side < GRID:
            out = b.op("pad", out, pads=(0, 0, 0, 0, 0, 0, GRID - side, GRID - side))
        return b.finish(out)

    return make


def fit_planes(examples: list[Example], planes: Planes, kernels: tuple[int, ...] = (1, 3),
               budget: Budget | None = None, kept: tuple[int, ...] = ()) -> Graph | None:
    """The first k x k Conv over [input, planes] that fits (and generalises from 3/4 of the
    examples to the last quarter, else is exact on all of them); cells of a ``kept`` colour
    keep it (see ``local_rule.keep_colours``). ``budget``: by default ``WORK`` units, the
    seconds only a safety net."""
    side = fit_side(examples)
    cache: dict[tuple, np.ndarray | None] = {}

    def featurize(a: np.ndarray, st: Stencil) -> np.ndarray | None:
        key = (a.shape, a.tobytes())
        if key not in cache:
            cache[key] = planes.grid(a)
        p = cache[key]
        return None if p is None else features(a, st, p)

    return fit_stencils(examples, [Stencil.square(k) for k in kernels], featurize,
                        planes_graph(planes, side),
                        budget=Budget(WORK, BUDGET_SECONDS) if budget is None else budget, kept=kept)
