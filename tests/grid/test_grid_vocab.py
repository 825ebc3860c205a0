"""Every vocabulary primitive's IR, run by the reference interpreter, equals its numpy meaning
on random one-hot grids (sizes up to 30 x 30, canvases cropped or whole, few or many colours),
and a ``clean`` primitive's IR is 0 past the grid.

The test iterates over the registry, so a primitive registered anywhere in the package (the
vocabulary, or a family's own, such as ``object_planes``) is covered without editing it."""

from __future__ import annotations

import numpy as np
import pytest

import trmgolf.grid  # noqa: F401  (registers the vocabulary)
import trmgolf.search  # noqa: F401  (registers the families' own primitives)
import trmgolf.solvers  # noqa: F401
from trmgolf.grid.vocab import PRIMITIVES, Primitive, register
from trmgolf.ir.builder import Builder
from trmgolf.ir.interp import run
from trmgolf.ir.verify import verify
from trmgolf.tasks import GRID, grid_to_onehot

CASES = 24  # random grids per primitive


def random_grid(rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """A grid of 1 .. 30 rows and columns with 1 .. 10 colours, mostly background, and the
    canvas side the IR runs on (the grid's own, a larger crop, or the whole 30 x 30)."""
    h, w = (int(v) for v in rng.integers(1, GRID + 1, 2))
    colours = rng.choice(10, int(rng.integers(1, 11)), replace=False)
    density = rng.uniform(0.05, 0.9)
    a = np.where(rng.random((h, w)) < density, rng.choice(colours, (h, w)), 0).astype(np.int64)
    side = int(rng.choice([max(h, w), int(rng.integers(max(h, w), GRID + 1)), GRID]))
    return a, side


def ir_answer(primitive: Primitive, a: np.ndarray, side: int, args: dict) -> np.ndarray:
    b = Builder()
    x = b.input if side == GRID else b.op("slice", b.input, starts=(0, 0), ends=(side, side), axes=(2, 3))
    b.graph.output = primitive.build(b, x, **args)
    verify(b.graph, grid_output=False)
    return run(b.graph, grid_to_onehot(a.tolist()))


def test_every_primitive_has_both_sides():
    assert {"border", "labels", "object_planes", "box_plane", "crop", "colour_counts",
            "enclosed", "holes", "rays", "sight", "flood", "pair_colours", "pair_map",
            "distinct_colours", "coloured_cells", "mirror_symmetric", "line_uniform",
            "scaled"} <= set(PRIMITIVES)
    for p in PRIMITIVES.values():
        assert callable(p.meaning) and callable(p.build) and callable(p.sample), p.name
    with pytest.raises(TypeError):
        register("no_ir", lambda a: a[None], None, lambda rng, a, side: {})  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        register("border", *(lambda *_: None,) * 3)
    assert "no_ir" not in PRIMITIVES


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_ir_equals_numpy_meaning(name: str):
    primitive = PRIMITIVES[name]
    rng = np.random.default_rng(sorted(PRIMITIVES).index(name))
    checked = 0
    for _ in range(CASES):
        a, side = random_grid(rng)
        args = primitive.sample(rng, a, side)
        if args is None:
            continue
        meaning = primitive.meaning(a, **args)
        if meaning is None:  # undefined on this grid (a family's planes may be)
            continue
        want = np.asarray(meaning)
        got = ir_answer(primitive, a, side, args)
        p, h, w = want.shape
        assert got.shape[1] == p, (name, args)
        assert np.array_equal(got[0, :, :h, :w].astype(np.int64), want.astype(np.int64)), (name, args, a)
        if primitive.clean:
            assert not got[0, :, h:].any() and not got[0, :, :, w:].any(), (name, args, a)
        checked += 1
    assert checked >= CASES // 2, f"{name}: its sampler declined most random grids"
