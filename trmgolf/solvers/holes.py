"""Holes by shape: enclosed regions coloured by their width and height (squares of side k -> colour).

On top of the enclosed plane of ``regions``, every enclosed cell learns the length of the
run of enclosed cells through it along its row (its hole's width, for rectangular holes)
and along its column (the height), as one-hot planes ``width == k`` and ``height == k``
for k = 1 .. K (K: the largest hole side of the fit examples, plus one). A further plane
marks every cell of a hole that is not a square (some cell's width differs from its
height), spread through the hole. A Conv over [one-hot input, enclosed, widths, heights,
not square] then colours holes by size (1 -> 6, 2 -> 7 ...), by parity, or fills only
the square ones.

Run lengths are unrolled: ``left = E * (1 + shift(left))``, K - 1 steps per direction
(a 1 x 3 or 3 x 1 Conv shifts by one cell), ``width = left + right - E``; the spread is
K + 2 steps of a 3 x 3 cross Conv, a Min with the hole and a Max with the seed cells.
Every tensor is 1 x 1 x side x side float16.
"""

from __future__ import annotations

import numpy as np

from trmgolf.families.contract import Budget, Trait
from trmgolf.families.registry import family
from trmgolf.grid.vocab import shift, shift_ir
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import pairs, same_shapes
from trmgolf.solvers.planes import Planes, fit_planes, register_planes
from trmgolf.solvers.regions import enclosed, enclosed_plane, propagation_steps
from trmgolf.tasks import Example

WORK = 20_000  # work units of the fit over the hole planes (many planes): twice ``planes.WORK``
BUDGET_SECONDS = 40.0  # CPU seconds: only a safety net, WORK stops first
MAX_SIDE = 10  # hole sides past this get no plane of their own (runs saturate at 2K - 1)

SHIFTS = {  # name: (rows, columns) moved; "left": cell j reads j - 1, its left neighbour
    "left": (0, 1),
    "right": (0, -1),
    "up": (1, 0),
    "down": (-1, 0),
}


def _shift(p: np.ndarray, name: str) -> np.ndarray:
    return shift(p, *SHIFTS[name])


def _run(e: np.ndarray, name: str, k: int) -> np.ndarray:
    count = e.copy()
    for _ in range(k - 1):
        count = e * (1 + _shift(count, name))
    return count


def _spread(seed: np.ndarray, e: np.ndarray, steps: int) -> np.ndarray:
    out = seed.copy()
    for _ in range(steps):
        grown = out + _shift(out, "left") + _shift(out, "right") + _shift(out, "up") + _shift(out, "down")
        out = np.maximum(np.minimum(grown, e), seed)
    return out


def hole_planes_grid(a: np.ndarray, steps: int, k: int) -> np.ndarray:
    """[2 + 2k, h, w] uint8: enclosed, width == 1..k, height == 1..k, not square (the reference)."""
    e = enclosed(a, steps).astype(np.int64)
    width = _run(e, "left", k) + _run(e, "right", k) - e
    height = _run(e, "up", k) + _run(e, "down", k) - e
    widths = [(width == i) & (e > 0) for i in range(1, k + 1)]
    heights = [(height == i) & (e > 0) for i in range(1, k + 1)]
    odd = _spread(((width != height) & (e > 0)).astype(np.int64), e, k + 2)
    return np.stack([e > 0, *widths, *heights, odd > 0]).astype(np.uint8)


def _shift_ir(b: Builder, p: Value, name: str) -> Value:
    return shift_ir(b, p, *SHIFTS[name])


def hole_planes_build(b: Builder, x: Value, steps: int, k: int) -> Value:
    e = b.op("cast", enclosed_plane(b, x, steps), to="float16")
    one = b.const(np.ones(1, np.float16))

    def run(name: str) -> Value:
        count = e
        for _ in range(k - 1):
            count = b.op("mul", e, b.op("add", _shift_ir(b, count, name), one))
        return count

    width = b.op("sub", b.op("add", run("left"), run("right")), e)
    height = b.op("sub", b.op("add", run("up"), run("down")), e)
    sizes = b.const(np.arange(1, k + 1, dtype=np.float16).reshape(1, k, 1, 1))
    widths = b.op("cast", b.op("equal", width, sizes), to="float16")  # [1, k, s, s]; 0 off holes
    heights = b.op("cast", b.op("equal", height, sizes), to="float16")
    seed = b.op("cast", b.op("not", b.op("equal", width, height)), to="float16")  # 0 == 0 off holes
    cross = np.zeros((1, 1, 3, 3), np.float16)
    cross[0, 0, 1, :] = 1.0
    cross[0, 0, :, 1] = 1.0
    kernel = b.const(cross)
    odd = seed
    for _ in range(k + 2):
        odd = b.op("max", b.op("min", b.op("conv2d", odd, kernel, pads=(1, 1, 1, 1)), e), seed)
    return b.op("cast", b.op("concat", e, widths, heights, odd, axis=1), to="float32")


def hole_planes(steps: int, k: int) -> Planes:
    return Planes(f"holes{steps}x{k}", 2 + 2 * k, lambda a: hole_planes_grid(a, steps, k),
                  lambda b, x: hole_planes_build(b, x, steps, k))


register_planes("holes", hole_planes,
                lambda rng, a, side: {"steps": int(rng.integers(0, 40)), "k": int(rng.integers(1, 5))})


def largest_hole_side(examples: list[Example], steps: int) -> int:
    """The longest run of enclosed cells along a row or column of any fit input."""
    best = 0
    for a, _ in pairs(examples):
        e = enclosed(a, steps).astype(np.int64)
        for name in SHIFTS:
            best = max(best, int(_run(e, name, MAX_SIDE).max()))
    return best


@family("fill_holes_by_shape", kind="solver", group="regions", tier=180, traits={Trait.BACKGROUND_FILL})
def fill_holes_by_shape(examples: list[Example]) -> Graph | None:
    """Same-size tasks that colour enclosed holes by their width and height (by size, by parity,
    only the square ones)."""
    if not examples or not same_shapes(examples):
        return None
    steps = propagation_steps(examples)
    if steps is None:
        return None
    k = largest_hole_side(examples, steps) + 1
    if k > MAX_SIDE:
        return None
    return fit_planes(examples, hole_planes(steps, k), budget=Budget(WORK, BUDGET_SECONDS))
