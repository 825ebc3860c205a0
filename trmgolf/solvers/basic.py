"""The cheapest families: identity, constant output and colour maps.

* ``identity``: the output is the input; the network is no node at all (the emitter
  copies ``input`` to ``output``): 0 memory, 0 params.
* ``constant``: every output is one fixed grid; the grid is a constant scaled by a
  value computed from the input (so constant folding cannot turn the padded grid
  into a 9,000-element initializer).
* ``color_map``: each cell's output colour is a fixed function of its input colour.
  A one-to-one map is one Gather over the channel axis (10 params, no
  intermediate); a many-to-one map is a 1x1 Conv (100 params).
"""

from __future__ import annotations

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.solvers.common import checked, pairs, same_shapes
from trmgolf.tasks import COLORS, GRID, Example, grid_to_onehot


@family("identity", kind="solver", group="identity", tier=10, traits={Trait.IDENTITY})
def identity(examples: list[Example]) -> Graph | None:
    """The output equals the input."""
    if not examples or not all(e.input == e.output for e in examples):
        return None
    b = Builder()
    return b.finish(b.input)


@family("constant", kind="solver", group="constant", tier=20, traits={Trait.CONSTANT_OUTPUT})
def constant(examples: list[Example]) -> Graph | None:
    """Every output is the same grid, whatever the input."""
    if not examples or any(e.output != examples[0].output for e in examples):
        return None
    grid = examples[0].output
    h, w = len(grid), len(grid[0])
    onehot = grid_to_onehot(grid)
    b = Builder()
    one = b.op("reduce_max", b.input, axes=(0, 1, 2, 3), keepdims=1)  # 1 for any non-empty grid
    if 50 * h * w + 10 < onehot.size:
        tile = b.op("mul", one, b.const(onehot[:, :, :h, :w]))
        out = b.op("pad", tile, pads=(0, 0, 0, 0, 0, 0, GRID - h, GRID - w))
    else:
        out = b.op("mul", one, b.const(onehot))
    return checked(b.finish(out), examples)


def fit_color_map(examples: list[Example]) -> dict[int, int] | None:
    """The input colour -> output colour map of a same-shape task, or None."""
    if not examples or not same_shapes(examples):
        return None
    mapping: dict[int, int] = {}
    for a, b in pairs(examples):
        for c in np.unique(a):
            outs = np.unique(b[a == c])
            if len(outs) != 1 or mapping.setdefault(int(c), int(outs[0])) != int(outs[0]):
                return None
    return mapping


def permutation(mapping: dict[int, int]) -> list[int] | None:
    """Gather indices idx (output channel o reads input channel idx[o]); None if not injective.

    Unseen colours keep their own channel where it is free.
    """
    if len(set(mapping.values())) != len(mapping):
        return None
    idx: dict[int, int] = {o: c for c, o in mapping.items()}
    free_in = [c for c in range(COLORS) if c not in mapping]
    for c in list(free_in):
        if c not in idx:
            idx[c] = c
            free_in.remove(c)
    for o in range(COLORS):
        if o not in idx:
            idx[o] = free_in.pop(0)
    return [idx[o] for o in range(COLORS)]


@family("color_map", kind="solver", group="color_map", tier=30, traits={Trait.COLOR_MAP})
def color_map(examples: list[Example]) -> Graph | None:
    """Each cell's colour is replaced by a fixed function of itself."""
    mapping = fit_color_map(examples)
    if mapping is None or all(c == o for c, o in mapping.items()):
        return None
    b = Builder()
    idx = permutation(mapping)
    if idx is not None:
        out = b.op("gather", b.input, b.const(np.asarray(idx, np.int64)), axis=1)
    else:
        weights = np.zeros((COLORS, COLORS, 1, 1), np.float32)
        for c in range(COLORS):
            weights[mapping.get(c, c), c] = 1.0
        out = b.op("conv2d", b.input, b.const(weights))
    return checked(b.finish(out), examples)
