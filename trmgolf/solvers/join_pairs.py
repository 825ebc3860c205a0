"""Join pairs: background cells between two cells of one colour along a line are drawn.

A class of ARC rules joins two cells of the same colour that share a row, a column or a
diagonal with a line (of their colour, or of a colour fixed per colour), and says which
line wins where two cross. The rule as fitted: along each line kind of an ordered tuple
(``grid.vocab.LINES``), a background cell whose nearest non-background cells on both sides
are of one key colour c becomes ``colours[c]``; a later line kind is drawn over an earlier
one. Every line reads the input, so a drawn line neither blocks nor joins another.

The network is the vocabulary's ``nearest_colours_ir`` (two MaxPools per line kind over a
position-coded colour plane) and one Where per line kind on a colour-index plane, turned
into one-hot channels by a single Equal at the end: every intermediate is one plane of the
task's cropped canvas, never ten.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.grid.vocab import BACKGROUND, LINES, colour_index_ir, nearest_colours, pair_colours_ir
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.solvers.common import checked, pairs, same_shapes
from trmgolf.solvers.planes import crop_input, fit_side
from trmgolf.tasks import COLORS, GRID, Example

#: Every colour but the background: the key set of "any colour joins its own pairs".
ANY_COLOUR = {c: c for c in range(COLORS) if c != BACKGROUND}
#: Below this canvas side, the ten one-hot channels are padded (cheaper than padding the
#: float32 index plane to 30 x 30).
PAD_CHANNELS_BELOW = 19


def joined(a: np.ndarray, lines: tuple[str, ...], colours: dict[int, int],
           nearest: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """``a`` with, for each line kind in ``lines`` in turn, every background cell whose nearest
    non-background cells along it on both sides have one colour c in ``colours`` drawn
    ``colours[c]`` (``nearest``: the line kinds' ``nearest_colours`` planes, when known)."""
    out = a.copy()
    lut = np.zeros(COLORS, np.int64)
    for c, d in colours.items():
        lut[c] = d
    for line in lines:
        before, after = nearest[line] if nearest else nearest_colours(a, line)
        drawn = lut[before]
        paint = (a == BACKGROUND) & (before == after) & (drawn != BACKGROUND)
        out[paint] = drawn[paint]
    return out


def join_pairs_graph(lines: tuple[str, ...], colours: dict[int, int], side: int) -> Graph:
    """The network of ``joined`` on a canvas of ``side`` (the task's largest grid): float16
    planes (every code is an integer below 2048), one Where per line kind."""
    b = Builder()
    x = crop_input(b, side)
    index = colour_index_ir(b, x)  # -1 past the grid: never drawn on, no channel at the end
    blank = b.op("equal", index, b.const(np.float32(BACKGROUND)))
    out = b.op("cast", index, to="float16")
    keys = tuple(sorted(colours))
    drawn_as = set(colours.values())
    single = drawn_as.pop() if len(drawn_as) == 1 else None  # every key drawn in one colour
    table = np.zeros(COLORS + 6, np.float16)  # indexed by a key colour (garbage past the grid)
    for c, d in colours.items():
        table[c] = d
    for line in lines:
        joins, colour = pair_colours_ir(b, x, line, keys)
        if single is not None:
            drawn = b.const(np.float16(single))
        elif all(c == d for c, d in colours.items()):
            drawn = colour
        else:
            drawn = b.op("gather", b.const(table), b.op("cast", colour, to="int32"), axis=0)
        out = b.op("where", b.op("and", blank, joins), drawn, out)
    codes = np.arange(COLORS, dtype=np.float16).reshape(1, COLORS, 1, 1)
    if side >= GRID:
        return b.finish(b.op("equal", out, b.const(codes)))
    grow = (0, 0, 0, 0, 0, 0, GRID - side, GRID - side)
    if side < PAD_CHANNELS_BELOW:
        return b.finish(b.op("pad", b.op("equal", out, b.const(codes)), pads=grow))
    padded = b.op("pad", out, pads=grow, value=-1.0)
    return b.finish(b.op("equal", padded, b.const(codes)))


def line_orders() -> list[tuple[str, ...]]:
    """Every ordered tuple of distinct line kinds, fewest first (a rule with fewer kinds
    explains the examples with less)."""
    return [order for k in range(1, len(LINES) + 1) for order in permutations(LINES, k)]


def fit_colours(data: list[tuple[np.ndarray, np.ndarray]], nearest: list[dict[str, np.ndarray]],
                lines: tuple[str, ...], seen: set[int]) -> dict[int, int] | None:
    """The key colours and what each is drawn as, read from the cells the lines would draw
    (the most common drawn colour per key; the rule is then checked on every example).
    Every colour of the inputs joined as itself reads as every colour (``ANY_COLOUR``)."""
    votes: dict[int, dict[int, int]] = {}
    for (a, o), planes in zip(data, nearest, strict=True):
        for line in lines:
            before, after = planes[line]
            cells = (a == BACKGROUND) & (before == after) & (before != BACKGROUND) & (o != BACKGROUND)
            for c, d in zip(before[cells].tolist(), o[cells].tolist(), strict=True):
                tally = votes.setdefault(c, {})
                tally[d] = tally.get(d, 0) + 1
    if not votes:
        return None
    colours = {c: max(sorted(t), key=lambda d: t[d]) for c, t in sorted(votes.items())}
    if all(c == d for c, d in colours.items()) and set(colours) == seen:
        return dict(ANY_COLOUR)
    return colours


@family("join_pairs", kind="solver", group="lines", tier=135, traits={Trait.BACKGROUND_FILL})
def join_pairs(examples: list[Example]) -> Graph | None:
    """Same-size tasks that draw lines between two cells of one colour along rows, columns or
    diagonals (only background cells change; a fitted line kind is drawn over another)."""
    if not examples or not same_shapes(examples):
        return None
    data = pairs(examples)
    changed = [(a != o) for a, o in data]
    if not any(c.any() for c in changed):
        return None
    if any(((a != BACKGROUND) & c).any() or ((o == BACKGROUND) & c).any()
           for (a, o), c in zip(data, changed, strict=True)):
        return None  # only background cells become non-background
    nearest = [{line: nearest_colours(a, line) for line in LINES} for a, _ in data]
    joinable = {line: [(a == BACKGROUND) & (p[line][0] == p[line][1]) & (p[line][0] != BACKGROUND)
                       for (a, _), p in zip(data, nearest, strict=True)] for line in LINES}
    seen = set().union(*(np.unique(a).tolist() for a, _ in data)) - {BACKGROUND}
    for lines in line_orders():
        covered = all((c & ~np.logical_or.reduce([joinable[line][i] for line in lines])).sum() == 0
                      for i, c in enumerate(changed))
        if not covered:
            continue
        colours = fit_colours(data, nearest, lines, seen)
        if colours is None:
            continue
        if all(np.array_equal(joined(a, lines, colours, p), o)
               for (a, o), p in zip(data, nearest, strict=True)):
            return checked(join_pairs_graph(lines, colours, fit_side(examples)), examples)
    return None
