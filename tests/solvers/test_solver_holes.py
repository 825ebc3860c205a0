"""fill_holes_by_shape: holes coloured by size, by parity, or only when square; synthetic tasks."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import assert_solves_real_task, make_examples, ort_exact

from trmgolf.solvers import SOLVERS, check

WALL = 5


def boxed(n: int, seed: int, sides: tuple[int, ...] = (1, 2, 3), squares: bool = True,
          lo: int = 9, hi: int = 13) -> list[tuple[np.ndarray, list[tuple[int, int, int, int]]]]:
    """Grids with up to four walled boxes that do not touch: (grid, [(r, c, height, width) of holes])."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = (int(v) for v in rng.integers(lo, hi + 1, 2))
        g = np.zeros((h, w), np.int64)
        taken = np.zeros((h, w), bool)
        holes = []
        for _ in range(12):
            hh = int(rng.choice(sides))
            ww = hh if squares else int(rng.choice(sides))
            r, c = int(rng.integers(0, h - hh - 1)), int(rng.integers(0, w - ww - 1))
            if taken[max(r - 1, 0):r + hh + 3, max(c - 1, 0):c + ww + 3].any():  # boxes must not touch
                continue
            taken[r:r + hh + 2, c:c + ww + 2] = True
            g[r:r + hh + 2, c:c + ww + 2] = WALL
            g[r + 1:r + hh + 1, c + 1:c + ww + 1] = 0
            holes.append((r + 1, c + 1, hh, ww))
            if len(holes) == 4:
                break
        out.append((g, holes))
    return out


def painted(data, colour_of) -> list:
    """Examples whose holes take ``colour_of(height, width)`` (0: left empty)."""
    grids, outs = [], []
    for g, holes in data:
        o = g.copy()
        for r, c, hh, ww in holes:
            o[r:r + hh, c:c + ww] = colour_of(hh, ww)
        grids.append(g)
        outs.append(o)
    lookup = {g.tobytes() + bytes(g.shape): o for g, o in zip(grids, outs, strict=True)}
    return make_examples(grids, lambda g: lookup[g.tobytes() + bytes(g.shape)])


@pytest.mark.parametrize("colour_of, sides, squares", [
    (lambda hh, ww: {1: 6, 2: 7, 3: 8}[hh], (1, 2, 3), True),  # by size
    (lambda hh, ww: 2 if hh % 2 == 0 else 7, (1, 2, 3, 4, 5), True),  # by parity
    (lambda hh, ww: 2 if hh == ww else 0, (1, 2, 3), False),  # only the square holes
])
def test_holes_generalise(colour_of, sides, squares):
    fit = painted(boxed(16, 1, sides, squares) + boxed(1, 3, sides, squares, lo=14, hi=14), colour_of)
    held = painted(boxed(10, 2, sides, squares), colour_of)
    g = SOLVERS["fill_holes_by_shape"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:4] + held)


def test_not_by_shape():
    data = boxed(4, 3)
    assert SOLVERS["fill_holes_by_shape"].build(painted(data, lambda hh, ww: 0)) is None  # nothing changes
    flipped = make_examples([g for g, _ in data], np.fliplr)
    assert SOLVERS["fill_holes_by_shape"].build(flipped) is None


@pytest.mark.slow
@pytest.mark.parametrize("num", [204, 302])
def test_real_tasks(num):
    assert_solves_real_task("fill_holes_by_shape", num)
