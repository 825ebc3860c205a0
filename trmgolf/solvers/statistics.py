"""Whole-grid statistics: colours ranked by how often they occur, and counts drawn as cells.

Three families, each decided by per-colour cell counts of the whole input:

* ``colour_rank_map`` (same shape): every cell's new colour is a function of its colour's
  frequency rank: "the most frequent colour becomes the least frequent one", "the rarest
  colour is erased", "every colour but 5 becomes 0 and 5 becomes the other colour". Some
  colours (0, one fixed colour) may stay outside the ranking and map by a rule of their own.
* ``colour_list``: the output is one row or one column listing the colours by frequency,
  most frequent first (optionally after skipping the first few).
* ``count_fill``: a fixed-shape output whose cells light up one by one as a count grows:
  cell p has colour k when the count N reaches a threshold T[p] (1 x N bars, 3 x 3 grids
  filled in any fixed order). N is a colour's cell count, the number of colours present or
  a colour's number of objects (the Euler number of its cells: objects minus holes).

The networks are tiny: ``ReduceSum`` over the one-hot input gives the counts [1,10,1,1];
pairwise ``Greater`` of the counts gives every colour's rank; a rank map is a 10 x 10
matrix computed from the ranks and applied by one 1 x 1 ``Conv`` whose weight is that
matrix, writing ``output`` directly. Every value is a small integer, exact in float32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import Trait
from trmgolf.families.registry import family
from trmgolf.grid.vocab import colour_counts_ir, on_grid_ir
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.basic import fit_color_map
from trmgolf.solvers.common import checked, pairs
from trmgolf.solvers.planes import crop_input, fit_side
from trmgolf.tasks import COLORS, GRID, Example

# ---------------------------------------------------------------------------- ranks (numpy)

Key = tuple[str, int]  # ("t", i): i-th most frequent; ("b", i): i-th least; ("f", c): colour c; ("x", c)


def ranked_colours(a: np.ndarray, excluded: tuple[int, ...]) -> list[int] | None:
    """The colours of ``a`` outside ``excluded``, most frequent first; None when two tie."""
    counts = np.bincount(a.ravel(), minlength=COLORS)
    colours = [c for c in range(COLORS) if counts[c] and c not in excluded]
    if len({int(counts[c]) for c in colours}) != len(colours):
        return None
    return sorted(colours, key=lambda c: -counts[c])


def rank_keys(colour: int, ranked: list[int]) -> set[Key]:
    """Every way to name ``colour`` by its rank (from the top and from the bottom)."""
    if colour not in ranked:
        return set()
    i = ranked.index(colour)
    return {("t", i), ("b", len(ranked) - 1 - i)}


def resolve(key: Key, ranked: list[int]) -> int | None:
    """The colour a target key names in a grid whose ranked colours are ``ranked``."""
    kind, n = key
    if kind == "f":
        return n
    i = n if kind == "t" else len(ranked) - 1 - n
    return ranked[i] if 0 <= i < len(ranked) else None


def preferred(options: set[Key]) -> Key:
    """The target to keep when several explain the examples: erase, then ranks, then fixed."""
    order = {"f": 2, "t": 1, "b": 1}
    return min(options, key=lambda k: (k != ("f", 0), order[k[0]], k))


def exclusions(data: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[int, ...]]:
    """The colour sets a ranking may leave out: none, 0, and 0 with one colour every input has."""
    common = set(range(1, COLORS))
    for a, _ in data:
        common &= set(np.unique(a).tolist())
    return [(), (0,)] + [(0, c) for c in sorted(common)]


# ---------------------------------------------------------------------------- ranks (IR)


@dataclass(frozen=True)
class Ranks:
    """IR values of one ranking: ``present`` 0/1 and ``top`` (0 = most frequent), both
    float32 [1,10,1,1], and ``bottom`` (0 = least frequent) when asked for."""

    present: Value
    top: Value
    bottom: Value | None


def ranks_ir(b: Builder, counts: Value, excluded: tuple[int, ...], bottom: bool) -> Ranks:
    """Ranks by pairwise comparison: top[c] = how many ranked colours have more cells than c."""
    keep = np.ones((1, COLORS, 1, 1), np.float32)
    keep[0, list(excluded)] = 0.0
    score = b.op("mul", counts, b.const(keep)) if excluded else counts
    present = b.op("cast", b.op("greater", score, b.const(np.float32(0.0))), to="float32")
    others = b.op("transpose", score, perm=(0, 2, 1, 3))  # [1,1,10,1]
    more = b.op("cast", b.op("greater", others, score), to="float32")  # [0, c, d, 0] = n[d] > n[c]
    top = b.op("reduce_sum", more, axes=(2,), keepdims=1)
    low = None
    if bottom:
        n = b.op("reduce_sum", present, axes=(1,), keepdims=1)
        low = b.op("sub", b.op("sub", n, b.const(np.float32(1.0))), top)
    return Ranks(present, top, low)


def rank_onehot(b: Builder, ranks: Ranks, kind: str, slots: int, as_rows: bool) -> Value:
    """0/1 [1,1,slots,10] (rows: slot i, column d: d has rank i) or its transpose [1,1,10,slots]."""
    rank = ranks.top if kind == "t" else ranks.bottom
    assert rank is not None
    line = (1, 1, 1, COLORS) if as_rows else (1, 1, COLORS, 1)
    ramp = np.arange(slots, dtype=np.float32).reshape((1, 1, slots, 1) if as_rows else (1, 1, 1, slots))
    hit = b.op("equal", b.op("reshape", rank, shape=line), b.const(ramp))
    return b.op("mul", b.op("cast", hit, to="float32"), b.op("reshape", ranks.present, shape=line))


# ---------------------------------------------------------------------------- colour_rank_map


@dataclass(frozen=True)
class RankMap:
    excluded: tuple[int, ...]
    source: str  # "t" or "b": how a ranked colour is named as a source
    rules: dict[Key, Key]  # source key -> target key; an excluded colour c is ("x", c)

    def slots(self) -> int:
        ns = [n for (kind, n) in self.rules if kind != "x"]
        ns += [n for (kind, n) in self.rules.values() if kind in "tb"]
        return max(ns, default=0) + 1

    def apply(self, a: np.ndarray) -> np.ndarray | None:
        ranked = ranked_colours(a, self.excluded)
        if ranked is None:
            return None
        table = {}
        for c in np.unique(a).tolist():
            if c in self.excluded:
                key: Key = ("x", c)
            else:
                i = ranked.index(c)
                key = (self.source, i if self.source == "t" else len(ranked) - 1 - i)
            target = resolve(self.rules[key], ranked) if key in self.rules else None
            if target is None:
                return None
            table[c] = target
        return np.vectorize(table.__getitem__)(a)


def per_example_maps(data: list[tuple[np.ndarray, np.ndarray]]) -> list[dict[int, int]] | None:
    """Each example's own colour -> colour table (None when a colour goes to two colours)."""
    maps = []
    for a, o in data:
        table = {}
        for c in np.unique(a).tolist():
            outs = np.unique(o[a == c])
            if len(outs) != 1:
                return None
            table[c] = int(outs[0])
        maps.append(table)
    return maps


def fit_rank_map(data: list[tuple[np.ndarray, np.ndarray]]) -> RankMap | None:
    """The first exclusion and source naming whose rank -> target rules explain every example."""
    maps = per_example_maps(data)
    if maps is None:
        return None
    for excluded in exclusions(data):
        for source in ("t", "b"):
            options: dict[Key, set[Key]] = {}
            ok = True
            for (a, _), table in zip(data, maps, strict=True):
                ranked = ranked_colours(a, excluded)
                if ranked is None:
                    ok = False
                    break
                for c, target in table.items():
                    if c in excluded:
                        key: Key = ("x", c)
                    else:
                        i = ranked.index(c)
                        key = (source, i if source == "t" else len(ranked) - 1 - i)
                    now = {("f", target)} | rank_keys(target, ranked)
                    options[key] = options.get(key, now) & now
                    if not options[key]:
                        ok = False
                        break
                if not ok:
                    break
            if ok:
                return RankMap(excluded, source, {k: preferred(v) for k, v in sorted(options.items())})
    return None


def rank_map_graph(rule: RankMap) -> Graph:
    """The 10 x 10 colour matrix M[c, o] from the ranks, then one 1 x 1 Conv with weight M^T."""
    b = Builder()
    x = b.input
    slots = rule.slots()
    kinds = {rule.source} | {t[0] for t in rule.rules.values() if t[0] in "tb"}
    ranks = ranks_ir(b, colour_counts_ir(b, x), rule.excluded, "b" in kinds)
    by_rank = {k: rank_onehot(b, ranks, k, slots, as_rows=True) for k in sorted(kinds)}  # [1,1,S,10]

    def targets(keys: list[Key], rows: int) -> Value:
        """[1,1,rows,10]: row r one-hot on the colour that target keys[r] names."""
        fixed = np.zeros((1, 1, rows, COLORS), np.float32)
        picks = {k: np.zeros((1, 1, rows, slots), np.float32) for k in by_rank}
        for r, key in enumerate(keys):
            if key is None:
                continue
            kind, n = rule.rules[key]
            if kind == "f":
                fixed[0, 0, r, n] = 1.0
            else:
                picks[kind][0, 0, r, n] = 1.0
        total: Value = b.const(fixed)
        for kind, pick in picks.items():
            if pick.any():
                total = b.op("add", total, b.op("matmul", b.const(pick), by_rank[kind]))
        return total

    sources = [(rule.source, n) if (rule.source, n) in rule.rules else None for n in range(slots)]
    source_of = rank_onehot(b, ranks, rule.source, slots, as_rows=False)  # [1,1,10,S]
    matrix = b.op("matmul", source_of, targets(sources, slots))  # [1,1,10(c),10(o)]
    if rule.excluded:
        own = [("x", c) if ("x", c) in rule.rules else None for c in range(COLORS)]
        matrix = b.op("add", matrix, targets(own, COLORS))
    weight = b.op("transpose", matrix, perm=(3, 2, 0, 1))
    return b.finish(b.op("conv2d", x, weight))


@family("colour_rank_map", kind="solver", group="statistics", tier=220, traits={Trait.STATISTICS})
def colour_rank_map(examples: list[Example]) -> Graph | None:
    """Each colour becomes a colour named by frequency rank (the most frequent one, the rarest,
    the i-th) or a fixed colour, by its own frequency rank (a per-input colour swap)."""
    data = pairs(examples)
    if not data or not all(a.shape == o.shape for a, o in data) or fit_color_map(examples) is not None:
        return None
    rule = fit_rank_map(data)
    if rule is None or not all(np.array_equal(rule.apply(a), o) for a, o in data):
        return None
    return checked(rank_map_graph(rule), examples)


# ---------------------------------------------------------------------------- colour_list


@dataclass(frozen=True)
class ColourList:
    excluded: tuple[int, ...]
    skip: int  # ranks left out before the list starts
    length: int
    column: bool  # a length x 1 column, else a 1 x length row

    def apply(self, a: np.ndarray) -> np.ndarray | None:
        ranked = ranked_colours(a, self.excluded)
        if ranked is None or len(ranked) < self.skip + self.length:
            return None
        seq = np.asarray(ranked[self.skip:self.skip + self.length])
        return seq.reshape(-1, 1) if self.column else seq.reshape(1, -1)


def fit_colour_list(data: list[tuple[np.ndarray, np.ndarray]]) -> ColourList | None:
    shapes = {o.shape for _, o in data}
    if len(shapes) != 1:
        return None
    h, w = shapes.pop()
    if min(h, w) != 1:
        return None
    for excluded in exclusions(data)[:2]:
        for skip in range(3):
            rule = ColourList(excluded, skip, max(h, w), h > 1)
            if all(np.array_equal(rule.apply(a), o) for a, o in data):
                return rule
    return None


def colour_list_graph(rule: ColourList) -> Graph:
    """out[c, i] = c is present and ranked skip + i: Equal(rank, ramp) on a [1,10,length,1] strip."""
    b = Builder()
    ranks = ranks_ir(b, colour_counts_ir(b, b.input), rule.excluded, False)
    shape = (1, 1, rule.length, 1) if rule.column else (1, 1, 1, rule.length)
    ramp = b.const(np.arange(rule.skip, rule.skip + rule.length, dtype=np.float32).reshape(shape))
    strip = b.op("mul", b.op("cast", b.op("equal", ranks.top, ramp), to="float32"), ranks.present)
    h, w = shape[2:]
    return b.finish(b.op("pad", strip, pads=(0, 0, 0, 0, 0, 0, GRID - h, GRID - w)))


@family("colour_list", kind="solver", group="statistics", tier=230, traits={Trait.STATISTICS})
def colour_list(examples: list[Example]) -> Graph | None:
    """The output is a row or column of the input's colours sorted by cell count, most first."""
    data = pairs(examples)
    if not data:
        return None
    rule = fit_colour_list(data)
    return None if rule is None else checked(colour_list_graph(rule), examples)


# ---------------------------------------------------------------------------- count_fill

NEVER = 10_000.0  # the threshold of a cell that is never lit
MOST = -1  # a lit colour that is the input's most frequent colour other than 0


def euler_number(a: np.ndarray, colour: int) -> int:
    """Objects minus holes of ``colour``'s cells (4-connected): cells - adjacent pairs + 2x2 squares."""
    m = np.pad((a == colour).astype(np.int64), ((0, 1), (0, 1)))
    pairs_ = (m[:, :-1] & m[:, 1:]).sum() + (m[:-1, :] & m[1:, :]).sum()
    squares = (m[:-1, :-1] & m[:-1, 1:] & m[1:, :-1] & m[1:, 1:]).sum()
    return int(m.sum() - pairs_ + squares)


# what is counted: cells / objects of one colour, cells of every colour but 0, colours but 0
COUNTS = ("cells", "objects", "nonzero", "colours")


def count_of(a: np.ndarray, what: str, colour: int) -> int:
    if what == "cells":
        return int((a == colour).sum())
    if what == "objects":
        return euler_number(a, colour)
    if what == "nonzero":
        return int((a != 0).sum())
    return len(set(np.unique(a).tolist()) - {0})


def most_frequent(a: np.ndarray) -> int | None:
    """The most frequent colour other than 0; None when absent or tied."""
    counts = np.bincount(a.ravel(), minlength=COLORS)[1:]
    best = counts.max()
    return int(np.argmax(counts)) + 1 if best and (counts == best).sum() == 1 else None


@dataclass(frozen=True)
class CountFill:
    what: str
    colour: int  # the counted colour (for "cells" and "objects")
    thresholds: np.ndarray  # [H, W] float over the largest output: cell lit when count >= threshold
    lit: int  # colour of a lit cell, or MOST
    dark: int  # colour of the other cells inside the output
    rows: int | None  # the output's height; None: the count
    cols: int | None

    def apply(self, a: np.ndarray) -> np.ndarray | None:
        n = count_of(a, self.what, self.colour)
        h, w = self.rows or n, self.cols or n
        lit = most_frequent(a) if self.lit == MOST else self.lit
        if lit is None or not (0 < h <= self.thresholds.shape[0] and 0 < w <= self.thresholds.shape[1]):
            return None
        return np.where(n >= self.thresholds[:h, :w], lit, self.dark)


def output_side(counts: list[int], sizes: list[int]) -> tuple[bool, int | None]:
    """(fits, side): one fixed side for every output (side), or each output's count (None)."""
    if len(set(sizes)) == 1:
        return True, sizes[0]
    return counts == sizes, None


def fit_thresholds(counts: list[int], lit: list[np.ndarray], canvas: tuple[int, int]) -> np.ndarray | None:
    """T[p] = the least count at which p is lit, if every output is exactly {p: count >= T[p]}."""
    thresholds = np.full(canvas, NEVER)
    for n, on in zip(counts, lit, strict=True):
        h, w = on.shape
        thresholds[:h, :w] = np.where(on, np.minimum(thresholds[:h, :w], n), thresholds[:h, :w])
    ok = all(np.array_equal(on, n >= thresholds[:on.shape[0], :on.shape[1]])
             for n, on in zip(counts, lit, strict=True))
    return thresholds if ok else None


def lit_colours(data: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[int, int, list[np.ndarray]]]:
    """(lit, dark, lit planes) for every reading of the outputs as two colours: a fixed lit colour
    on a fixed dark one, or the input's most frequent colour on a fixed dark one."""
    outputs = [o for _, o in data]
    colours = set().union(*(np.unique(o).tolist() for o in outputs))
    found = []
    if len(colours) == 2:
        for lit, dark in (sorted(colours, reverse=True), sorted(colours)):
            found.append((lit, dark, [o == lit for o in outputs]))
    darks = {int(o.flat[0]) for _, o in data if most_frequent(o) is None}
    dark = darks.pop() if len(darks) == 1 else 0
    mosts = [most_frequent(a) for a, _ in data]
    if len(colours) > 2 and None not in mosts and all(
            set(np.unique(o).tolist()) <= {dark, m} for (_, o), m in zip(data, mosts, strict=True)):
        found.append((MOST, dark, [o != dark for o in outputs]))
    return found


def fit_count_fill(data: list[tuple[np.ndarray, np.ndarray]]) -> CountFill | None:
    outputs = [o for _, o in data]
    canvas = (max(o.shape[0] for o in outputs), max(o.shape[1] for o in outputs))
    readings = lit_colours(data)
    if not readings:
        return None
    seen = sorted(set().union(*(np.unique(a).tolist() for a, _ in data)))
    for what in COUNTS:
        for colour in (seen if what in ("cells", "objects") else [0]):
            counts = [count_of(a, what, colour) for a, _ in data]
            if len(set(counts)) < 2:
                continue
            fits_h, rows = output_side(counts, [o.shape[0] for o in outputs])
            fits_w, cols = output_side(counts, [o.shape[1] for o in outputs])
            if not (fits_h and fits_w):
                continue
            for lit, dark, planes in readings:
                thresholds = fit_thresholds(counts, planes, canvas)
                if thresholds is not None:
                    return CountFill(what, colour, thresholds, lit, dark, rows, cols)
    return None


def count_ir(b: Builder, rule: CountFill, side: int) -> Value:
    """float32 [1,1,1,1]: the count the rule compares with its thresholds (sums read the free
    input; the Euler number's Conv runs on the crop of the largest fit grid)."""
    x = crop_input(b, side) if rule.what == "objects" else b.input
    if rule.what in ("colours", "nonzero"):
        keep = np.ones((1, COLORS, 1, 1), np.float32)
        keep[0, 0] = 0.0
        counts = b.op("mul", colour_counts_ir(b, x), b.const(keep))
        if rule.what == "colours":
            counts = b.op("cast", b.op("greater", counts, b.const(np.float32(0.0))), to="float32")
        return b.op("reduce_sum", counts, axes=(1,), keepdims=1)
    if rule.what == "cells":  # count first, then pick the channel: no [1,1,30,30] plane
        counts = colour_counts_ir(b, x)
        return b.op("slice", counts, starts=(rule.colour,), ends=(rule.colour + 1,), axes=(1,))
    plane = b.op("slice", x, starts=(rule.colour,), ends=(rule.colour + 1,), axes=(1,))
    # Euler number: cells - horizontal pairs - vertical pairs + full 2x2 squares; a 2x2 Conv counts
    # each window's pattern, minus (its full value - 1) and a Relu leaves 1 exactly where it is full
    weights = np.zeros((3, 1, 2, 2), np.float32)
    weights[0, 0, 0, :] = 1.0  # horizontal pair
    weights[1, 0, :, 0] = 1.0  # vertical pair
    weights[2, 0] = 1.0  # square
    bias = np.asarray([-1.0, -1.0, -3.0], np.float32)
    full = b.op("relu", b.op("conv2d", plane, b.const(weights), b.const(bias), pads=(0, 0, 1, 1)))
    signs = np.asarray([-1.0, -1.0, 1.0], np.float32).reshape(1, 3, 1, 1)
    patterns = b.op("reduce_sum", b.op("mul", full, b.const(signs)), axes=(1, 2, 3), keepdims=1)
    return b.op("add", b.op("reduce_sum", plane, axes=(1, 2, 3), keepdims=1), patterns)


def most_frequent_ir(b: Builder) -> Value:
    """float32 [1,10,1,1]: 1 on the most frequent colour other than 0 (on every tied one)."""
    keep = np.ones((1, COLORS, 1, 1), np.float32)
    keep[0, 0] = 0.0
    score = b.op("mul", colour_counts_ir(b, b.input), b.const(keep))
    best = b.op("reduce_max", score, axes=(1,), keepdims=1)
    return b.op("cast", b.op("equal", score, best), to="float32")


def inside_ir(b: Builder, n: Value, rule: CountFill) -> Value | None:
    """bool [1,1,H,W]: the cells inside a count-sized output (None when its shape is fixed)."""
    h, w = rule.thresholds.shape
    inside = None
    ramps = (np.arange(h).reshape(1, 1, h, 1), np.arange(w).reshape(1, 1, 1, w))
    for size, ramp in zip((rule.rows, rule.cols), ramps, strict=True):
        if size is None:
            below = b.op("less", b.const(ramp.astype(np.float32)), n)
            inside = below if inside is None else b.op("and", inside, below)
    return inside


def count_fill_graph(rule: CountFill, side: int) -> Graph:
    """lit = count >= T (a [1,1,H,W] comparison), coloured by Where, padded into ``output``."""
    b = Builder()
    h, w = rule.thresholds.shape
    n = count_ir(b, rule, side)
    lit = b.op("greater_or_equal", n, b.const(rule.thresholds.astype(np.float32).reshape(1, 1, h, w)))
    dark = np.zeros((1, COLORS, 1, 1), np.float32)
    dark[0, rule.dark] = 1.0
    if rule.lit == MOST:
        lit_colour = most_frequent_ir(b)
    else:
        onehot = np.zeros((1, COLORS, 1, 1), np.float32)
        onehot[0, rule.lit] = 1.0
        lit_colour = b.const(onehot)
    grid = b.op("where", lit, lit_colour, b.const(dark))  # [1,10,H,W]
    inside = inside_ir(b, n, rule)
    if inside is not None:
        grid = b.op("where", inside, grid, b.const(np.float32(0.0)))
    return b.finish(b.op("pad", grid, pads=(0, 0, 0, 0, 0, 0, GRID - h, GRID - w)))


@family("count_fill", kind="solver", group="statistics", tier=240,
        traits={Trait.BACKGROUND_FILL, Trait.OBJECTS, Trait.STATISTICS})
def count_fill(examples: list[Example]) -> Graph | None:
    """An output whose cells light up in a fixed order as a count grows (a colour's cells or
    objects, the non-0 cells, the colours), of a fixed shape or as long as the count."""
    data = pairs(examples)
    if not data:
        return None
    rule = fit_count_fill(data)
    if rule is None or not all(np.array_equal(rule.apply(a), o) for a, o in data):
        return None
    return checked(count_fill_graph(rule, fit_side(examples)), examples)


# ---------------------------------------------------------------------------- stat_fill

# over the colours other than 0; a "box" is the number of rows times the number of columns a colour
# touches (its bounding box's area when its cells leave no empty row or column inside it)
STATISTICS = ("most", "least", "largest_box", "smallest_box")


def colour_scores(a: np.ndarray, statistic: str) -> dict[int, int]:
    """Each present colour but 0 -> its score (the chosen colour has the highest)."""
    scores = {}
    for c in range(1, COLORS):
        m = a == c
        if not m.any():
            continue
        size = int(m.sum()) if statistic in ("most", "least") else int(m.any(1).sum() * m.any(0).sum())
        scores[c] = size if statistic in ("most", "largest_box") else -size
    return scores


def chosen_colour(a: np.ndarray, statistic: str) -> int | None:
    """The colour ``statistic`` picks in ``a``; None when absent or tied."""
    scores = colour_scores(a, statistic)
    if not scores:
        return None
    best = max(scores.values())
    winners = [c for c, s in scores.items() if s == best]
    return winners[0] if len(winners) == 1 else None


def stat_fill_graph(statistic: str, shape: tuple[int, int] | None) -> Graph:
    """The chosen colour's one-hot [1,10,1,1] (Equal of the scores with their ReduceMax), spread
    over a fixed h x w block or, by a Mul, over the input's own cells."""
    b = Builder()
    x = b.input
    if statistic in ("most", "least"):
        size = colour_counts_ir(b, x)
    else:
        rows = b.op("reduce_sum", b.op("reduce_max", x, axes=(3,), keepdims=1), axes=(2,), keepdims=1)
        cols = b.op("reduce_sum", b.op("reduce_max", x, axes=(2,), keepdims=1), axes=(3,), keepdims=1)
        size = b.op("mul", rows, cols)
    keep = np.ones((1, COLORS, 1, 1), np.float32)
    keep[0, 0] = 0.0
    if statistic in ("most", "largest_box"):
        score = b.op("mul", size, b.const(keep))
    else:  # absent colours and 0 score -BIG, below every present colour's -size
        absent = b.op("cast", b.op("equal", size, b.const(np.float32(0.0))), to="float32")
        score = b.op("sub", b.op("neg", size),
                     b.op("mul", b.op("max", absent, b.const(1.0 - keep)), b.const(np.float32(NEVER))))
    best = b.op("reduce_max", score, axes=(1,), keepdims=1)
    colour = b.op("cast", b.op("equal", score, best), to="float32")
    if shape is None:
        inside = on_grid_ir(b, x)
        return b.finish(b.op("mul", inside, colour))
    h, w = shape
    block = b.op("expand", colour, shape=(1, COLORS, h, w))
    return b.finish(b.op("pad", block, pads=(0, 0, 0, 0, 0, 0, GRID - h, GRID - w)))


@family("stat_fill", kind="solver", group="statistics", tier=250,
        traits={Trait.BACKGROUND_FILL, Trait.STATISTICS})
def stat_fill(examples: list[Example]) -> Graph | None:
    """The output is filled with one colour picked by a statistic of the input: the most or least
    frequent colour, or the colour whose bounding box is largest or smallest; a fixed-shape block
    or the input's own shape."""
    data = pairs(examples)
    if not data or not all(len(np.unique(o)) == 1 for _, o in data):
        return None
    if all(a.shape == o.shape for a, o in data):
        shape = None
    elif len({o.shape for _, o in data}) == 1:
        shape = data[0][1].shape
    else:
        return None
    for statistic in STATISTICS:
        if all(chosen_colour(a, statistic) == int(o.flat[0]) for a, o in data):
            return checked(stat_fill_graph(statistic, shape), examples)
    return None
