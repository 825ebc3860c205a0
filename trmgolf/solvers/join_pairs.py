"""Join pairs: background cells between two cells along a line are drawn, by their colours.

A class of ARC rules joins two cells that share a row, a column or a diagonal with a line:
two cells of one colour (in their colour, or in a colour fixed per colour), a marker and a
block of a fixed colour, a cell and the border (a ray), or nothing and nothing (an empty
line filled). The rule as fitted: along each line kind of an ordered tuple
(``grid.vocab.LINES``), a background cell whose nearest non-background cells at or before
and at or after it have colours p and q (0: none) becomes ``pairs[(p, q)]``; a later line
kind is drawn over an earlier one. Every line reads the input, so a drawn line neither
blocks nor joins another. Pairs of one colour are tried first, on every line order: where
both fit, that narrower rule is the one that holds on inputs the examples do not show.

The network is the vocabulary's ``nearest_slots_ir`` (one Einsum and one MaxPool a side
per line kind over a position-coded colour plane, float16) and one Where per line kind on
a colour-index plane, turned into one-hot channels by a single Equal at the end: every
intermediate is one plane of the task's cropped canvas, never ten.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.grid.vocab import (
    BACKGROUND,
    LINES,
    Pairs,
    colour_index_ir,
    nearest_colours,
    pair_colours_ir,
    pair_map_ir,
)
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.solvers.common import checked, pairs, same_shapes
from trmgolf.solvers.planes import crop_input, fit_side
from trmgolf.tasks import COLORS, GRID, Example

#: Every colour joined to its own pairs as itself (the rule "any colour joins its pairs").
ANY_COLOUR: Pairs = {(c, c): c for c in range(COLORS) if c != BACKGROUND}
#: More pairs than this read from the examples: not a rule of joins (and pruning them costs
#: a check of every example per pair).
MAX_PAIRS = 12
#: Below this canvas side, the ten one-hot channels are padded (cheaper than padding the
#: float32 index plane to 30 x 30).
PAD_CHANNELS_BELOW = 19


def joined(a: np.ndarray, lines: tuple[str, ...], pairs: Pairs,
           nearest: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """``a`` with, for each line kind in ``lines`` in turn, every background cell whose nearest
    non-background cells along it at or before and at or after it have colours p and q (0:
    none) drawn ``pairs[(p, q)]`` (``nearest``: the line kinds' ``nearest_colours`` planes,
    when known)."""
    out = a.copy()
    lut = np.zeros((COLORS, COLORS), np.int64)
    for (p, q), d in pairs.items():
        lut[p, q] = lut[q, p] = d
    for line in lines:
        before, after = nearest[line] if nearest else nearest_colours(a, line)
        drawn = lut[before, after]
        paint = (a == BACKGROUND) & (drawn != BACKGROUND)
        out[paint] = drawn[paint]
    return out


def join_pairs_graph(lines: tuple[str, ...], pairs: Pairs, side: int) -> Graph:
    """The network of ``joined`` on a canvas of ``side`` (the task's largest grid): float16
    planes (every code is an integer below 2048), one Where per line kind. Pairs of one colour
    need only the Equal of the two sides' slots; other pairs read a table (``pair_map_ir``)."""
    b = Builder()
    x = crop_input(b, side)
    index = colour_index_ir(b, x)  # -1 past the grid: never drawn on, no channel at the end
    blank = b.op("equal", index, b.const(np.float32(BACKGROUND)))
    out = b.op("cast", index, to="float16")
    same = all(p == q != BACKGROUND for p, q in pairs)
    keys = tuple(sorted(p for p, _ in pairs))
    drawn_as = set(pairs.values())
    single = drawn_as.pop() if len(drawn_as) == 1 else None  # every pair drawn in one colour
    table = np.zeros(COLORS + 6, np.float16)  # indexed by a key colour (garbage past the grid)
    for (c, _), d in pairs.items():
        table[c] = d
    for line in lines:
        if not same:
            drawn = pair_map_ir(b, x, line, pairs)
            joins = b.op("greater", drawn, b.const(np.float16(BACKGROUND)))
        else:
            joins, colour = pair_colours_ir(b, x, line, keys)
            if single is not None:
                drawn = b.const(np.float16(single))
            elif all(c == d for (c, _), d in pairs.items()):
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


def fit_pairs(data: list[tuple[np.ndarray, np.ndarray]], nearest: list[dict[str, np.ndarray]],
              lines: tuple[str, ...], seen: set[int], same: bool) -> Pairs | None:
    """The pairs of nearest colours that draw, and what each draws, read from the background
    cells of the inputs, the last line kind first (it is drawn over the others): a pair draws
    when all of its cells that no later line kind drew (two at least) take one colour but
    the background; the rule is then checked on every example. ``same``: only pairs of one
    colour. Every colour of the inputs joined as itself reads as every colour (``ANY_COLOUR``)."""
    free = [a == BACKGROUND for a, _ in data]  # background cells no later line kind drew
    found: Pairs = {}
    for line in reversed(lines):
        codes = []  # (smaller colour, larger colour, output) of each free cell, as one number
        for (_, o), planes, cells in zip(data, nearest, free, strict=True):
            low, high = np.minimum(*planes[line]), np.maximum(*planes[line])
            codes.append(((low * COLORS + high) * COLORS + o)[cells])
        outcomes: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for code, count in zip(*(v.tolist() for v in np.unique(np.concatenate(codes), return_counts=True)),
                               strict=True):
            pair, d = divmod(code, COLORS)
            outcomes.setdefault(divmod(pair, COLORS), []).append((d, count))
        drawn = {(p, q): seen_[0][0] for (p, q), seen_ in outcomes.items()
                 if len(seen_) == 1 and seen_[0][0] != BACKGROUND and seen_[0][1] >= 2
                 and (p == q != BACKGROUND or not same)}
        if any(found.get(key, d) != d for key, d in drawn.items()):
            return None  # two line kinds draw one pair in two colours
        found.update(drawn)
        lut = np.zeros((COLORS, COLORS), bool)
        for p, q in drawn:
            lut[p, q] = lut[q, p] = True
        free = [cells & ~lut[planes[line][0], planes[line][1]]
                for cells, planes in zip(free, nearest, strict=True)]
    if len(found) > MAX_PAIRS:
        return None
    found = prune(data, nearest, lines, found)
    if not found:
        return None
    if all(p == q == d for (p, q), d in found.items()) and {p for p, _ in found} == seen:
        return dict(ANY_COLOUR)
    return dict(sorted(found.items()))


def prune(data: list[tuple[np.ndarray, np.ndarray]], nearest: list[dict[str, np.ndarray]],
          lines: tuple[str, ...], pairs: Pairs) -> Pairs:
    """``pairs`` less every pair that draws a cell wrong on some example, until none does, then
    less every pair the rest already explains: a pair whose few cells all happened to be drawn
    by another line kind looks like a rule of its own, and would draw elsewhere."""
    pairs = dict(pairs)
    while pairs:
        wrong: set[tuple[int, int]] = set()
        for (a, o), planes in zip(data, nearest, strict=True):
            bad = joined(a, lines, pairs, planes) != o
            for line in lines:
                low, high = np.minimum(*planes[line])[bad], np.maximum(*planes[line])[bad]
                wrong |= {k for k in zip(low.tolist(), high.tolist(), strict=True) if k in pairs}
        if not wrong:
            break
        for key in wrong:
            del pairs[key]
    # then every pair the others already explain (its cells all drawn anyway), last first
    for key in sorted(pairs, reverse=True):
        rest = {k: d for k, d in pairs.items() if k != key}
        if rest and all(np.array_equal(joined(a, lines, rest, planes), o)
                        for (a, o), planes in zip(data, nearest, strict=True)):
            pairs = rest
    return pairs


@family("join_pairs", kind="solver", group="lines", tier=135, traits={Trait.BACKGROUND_FILL})
def join_pairs(examples: list[Example]) -> Graph | None:
    """Same-size tasks that draw lines between two cells of one colour (or of a fitted pair of
    colours, or between a cell and the border) along rows, columns or diagonals (only
    background cells change; a fitted line kind is drawn over another)."""
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
    seen = set().union(*(np.unique(a).tolist() for a, _ in data)) - {BACKGROUND}
    # cells between two cells of one colour, per line kind: pairs of one colour draw no others
    joinable = {line: [(a == BACKGROUND) & (p[line][0] == p[line][1]) & (p[line][0] != BACKGROUND)
                       for (a, _), p in zip(data, nearest, strict=True)] for line in LINES}
    # pairs of one colour first, on every line order: the narrower rule where both fit
    for same, lines in [(same, order) for same in (True, False) for order in line_orders()]:
        if same and any((c & ~np.logical_or.reduce([joinable[line][i] for line in lines])).any()
                        for i, c in enumerate(changed)):
            continue
        found = fit_pairs(data, nearest, lines, seen, same)
        if found is not None and all(np.array_equal(joined(a, lines, found, p), o)
                                     for (a, o), p in zip(data, nearest, strict=True)):
            return checked(join_pairs_graph(lines, found, fit_side(examples)), examples)
    return None
