"""Regions: background cells enclosed by walls (not 4-connected to the border), then a local rule.

The enclosed plane is found by unrolled propagation: ``reached`` starts as every cell
outside the grid (a one-cell ring around the crop, and the crop's cells past the grid)
and grows by one 4-neighbour step per layer through "open" cells (background or
outside); what is open and never reached is enclosed. One step is a 3 x 3 cross Conv
then a Min with the open plane: two float16 side x side tensors. The number of steps
is the longest propagation any fit example needs, plus a quarter and 2 for margin (the
held-out gate checks that the margin was enough).

``fill_enclosed`` fits a 1 x 1 or 3 x 3 Conv over [one-hot input, enclosed plane]
(``planes``): fill every hole with one colour, colour a hole by what a 3 x 3 stencil
sees of it, keep some holes and fill others ...
"""

from __future__ import annotations

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.grid.depth import ring_steps
from trmgolf.grid.vocab import BACKGROUND
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import pairs, same_shapes
from trmgolf.solvers.planes import Planes, fit_planes, fit_side, register_planes
from trmgolf.tasks import COLORS, Example


def grow(reached: np.ndarray, open_: np.ndarray) -> np.ndarray:
    """One propagation step on padded 0/1 planes: a cell is reached when it is open and it or a
    4-neighbour was reached."""
    grown = reached.copy()
    grown[1:] |= reached[:-1]
    grown[:-1] |= reached[1:]
    grown[:, 1:] |= reached[:, :-1]
    grown[:, :-1] |= reached[:, 1:]
    return grown & open_


def _padded_open(a: np.ndarray, background: int) -> tuple[np.ndarray, np.ndarray]:
    """(open, outside) on the grid padded by a one-cell ring of outside cells."""
    outside = np.ones((a.shape[0] + 2, a.shape[1] + 2), bool)
    outside[1:-1, 1:-1] = False
    open_ = outside.copy()
    open_[1:-1, 1:-1] = a == background
    return open_, outside


def steps_needed(a: np.ndarray, background: int = BACKGROUND) -> int:
    """Propagation steps after which ``reached`` stops growing on grid ``a``."""
    open_, reached = _padded_open(a, background)
    steps = 0
    while True:
        grown = grow(reached, open_)
        if np.array_equal(grown, reached):
            return steps
        reached, steps = grown, steps + 1


def enclosed(a: np.ndarray, steps: int, background: int = BACKGROUND) -> np.ndarray:
    """Background cells not reached from outside the grid within ``steps`` steps (the network's
    answer; the true enclosed cells once ``steps >= steps_needed(a)``)."""
    open_, reached = _padded_open(a, background)
    for _ in range(steps):
        reached = grow(reached, open_)
    return (open_ & ~reached)[1:-1, 1:-1]


def enclosed_plane(b: Builder, x: Value, steps: int, background: int = BACKGROUND) -> Value:
    """float32 [1,1,s,s]: 1 on enclosed background cells of the cropped one-hot ``x``."""
    side = x.type.shape[2]
    # open = 1 - (any colour other than the background); the Conv's zero padding + bias 1
    # puts the ring of outside cells around the crop in the same node
    w_open = np.full((1, COLORS, 1, 1), -1.0, np.float32)
    w_open[0, background] = 0.0
    one = b.const(np.ones(1, np.float32))
    open_ = b.op("cast", b.op("conv2d", x, b.const(w_open), one, pads=(1, 1, 1, 1)), to="float16")
    outside = b.op("conv2d", x, b.const(np.full((1, COLORS, 1, 1), -1.0, np.float32)), one,
                   pads=(1, 1, 1, 1))
    reached = b.op("cast", outside, to="float16")
    cross = np.zeros((1, 1, 3, 3), np.float16)
    cross[0, 0, 1, :] = 1.0
    cross[0, 0, :, 1] = 1.0
    kernel = b.const(cross)
    for _ in range(steps):
        reached = b.op("min", b.op("conv2d", reached, kernel, pads=(1, 1, 1, 1)), open_)
    holes = b.op("sub", open_, reached)
    holes = b.op("slice", holes, starts=(1, 1), ends=(side + 1, side + 1), axes=(2, 3))
    return b.op("cast", holes, to="float32")


def enclosed_planes(steps: int) -> Planes:
    def grid(a: np.ndarray) -> np.ndarray:
        return enclosed(a, steps)[None].astype(np.uint8)

    return Planes(f"enclosed{steps}", 1, grid, lambda b, x: enclosed_plane(b, x, steps))


register_planes("enclosed", enclosed_planes, lambda rng, a, side: {"steps": int(rng.integers(0, 40))})


def propagation_steps(examples: list[Example]) -> int | None:
    """Steps for the network: enough for every grid on the canvas of the fit examples (their
    largest side); None when no example has an enclosed cell that changes."""
    data = pairs(examples)
    steps = ring_steps(fit_side(examples))
    if not any((enclosed(a, steps) & (a != o)).any() for a, o in data):
        return None
    return steps


@family("fill_enclosed", kind="solver", group="regions", tier=160, traits={Trait.BACKGROUND_FILL})
def fill_enclosed(examples: list[Example]) -> Graph | None:
    """Same-size tasks that change enclosed background cells (holes) by a local rule that also
    sees which cells are enclosed."""
    if not examples or not same_shapes(examples):
        return None
    steps = propagation_steps(examples)
    if steps is None:
        return None
    return fit_planes(examples, enclosed_planes(steps))
