"""Regions touching a colour: background cells connected (through background) to a cell of colour c.

``reach[c]`` grows from the cells of colour c through 4-neighbour steps over background
cells, one plane per seed colour of the fit inputs. A Conv over [one-hot input, reach]
fitted by the linear program of ``local_rule`` then covers: flood the background region
around a seed with its colour, fill the rooms that hold a marker, clear the regions no
seed touches ... (``regions`` is the same idea seeded from outside the grid.)

The network runs every colour's flood at once: a grouped 3 x 3 cross Conv (one group per
colour) then a Min with the cells each flood may enter (background, or that colour), in
float16, for as many steps as the longest flood on the canvas (``trmgolf.grid.depth``).
"""

from __future__ import annotations

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.grid.depth import path_steps
from trmgolf.grid.vocab import BACKGROUND
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import pairs, same_shapes
from trmgolf.solvers.planes import Planes, fit_planes, fit_side, object_colours, register_planes
from trmgolf.solvers.rays import seed_colours
from trmgolf.solvers.regions import grow
from trmgolf.tasks import Example

MAX_COLOURS = 4


def flood(a: np.ndarray, colour: int, steps: int | None = None) -> tuple[np.ndarray, int]:
    """(background cells reached from ``colour`` within ``steps`` steps (None: until stable),
    the steps taken)."""
    seed = a == colour
    allowed = seed | (a == BACKGROUND)
    reached, taken = seed, 0
    while steps is None or taken < steps:
        grown = grow(reached, allowed)
        if steps is None and np.array_equal(grown, reached):
            break
        reached, taken = grown, taken + 1
    return reached & (a == BACKGROUND), taken


def flood_planes_build(b: Builder, x: Value, colours: tuple[int, ...], steps: int) -> Value:
    k = len(colours)
    seeds = b.op("cast", b.op("gather", x, b.const(np.asarray(colours, np.int64)), axis=1), to="float16")
    background = b.op("cast", b.op("gather", x, b.const(np.asarray([BACKGROUND], np.int64)), axis=1),
                      to="float16")
    allowed = b.op("add", seeds, background)  # [1, k, s, s]: disjoint, so 0/1
    cross = np.zeros((k, 1, 3, 3), np.float16)
    cross[:, 0, 1, :] = 1.0
    cross[:, 0, :, 1] = 1.0
    kernel = b.const(cross)
    reached = seeds
    for _ in range(steps):
        reached = b.op("min", b.op("conv2d", reached, kernel, pads=(1, 1, 1, 1), group=k), allowed)
    return b.op("cast", b.op("mul", reached, background), to="float32")


def flood_planes(colours: tuple[int, ...], steps: int) -> Planes:
    def grid(a: np.ndarray) -> np.ndarray:
        return np.stack([flood(a, c, steps)[0] for c in colours]).astype(np.uint8)

    return Planes(f"flood{''.join(map(str, colours))}x{steps}", len(colours), grid,
                  lambda b, x: flood_planes_build(b, x, colours, steps))


register_planes("flood", flood_planes,
                lambda rng, a, side: {**object_colours(rng, a, side), "steps": int(rng.integers(0, 30))})


def flood_steps(examples: list[Example]) -> int:
    """Steps after which a flood has stopped on every grid of the fit examples' canvas."""
    return path_steps(fit_side(examples), 4)


@family("flood_from_colour", kind="solver", group="regions", tier=170, traits={Trait.BACKGROUND_FILL})
def flood_from_colour(examples: list[Example]) -> Graph | None:
    """Same-size tasks whose changes depend on which colours a cell's background region touches."""
    if not examples or not same_shapes(examples):
        return None
    data = pairs(examples)
    if all(np.array_equal(a, o) for a, o in data):
        return None
    colours = seed_colours(examples)
    if len(colours) > MAX_COLOURS or colours == (0,):
        return None
    return fit_planes(examples, flood_planes(colours, flood_steps(examples)))
