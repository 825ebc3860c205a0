"""Feature lookup: a small statistic of a fixed-size input picks one of a few fixed outputs.

Rules such as "1 if the pattern is mirror symmetric, else 7", "the number of colours picks
one of three glyphs", "each row that is one colour becomes 5, the others 0" measure one
feature of the input and draw the output seen with that value. ``feature_lookup`` tries the
features of :data:`FEATURES` (whole-grid counts, the one colour, symmetry tests; per-row and
per-column uniformity), keeps those under which no two fit examples share a value but differ
in output, and returns the cheapest network of them.

The network: the feature (a vocabulary primitive, [1,1,1,1] or one value per line), then a
``Where`` between two constant planes (a 0/1 feature) or a one-hot of the value over the
values seen (``Equal`` with a constant row of them) contracted with a constant table of
output planes; padded into ``output``.

**Unseen values.** A table knows only the values its examples showed. The fit refuses a
feature whose values seen leave a gap (seen 1 and 3, never 2: the rule for 2 is unknown),
and one with fewer than two values. A value outside the range seen (say 4 colours when the
examples had 1 to 3) gets the **default**: the output of the value seen most often (ties:
the smallest value), stored as the plane every table entry is added to. The held-out gate
checks that default on examples the fit never saw. A boolean feature (a symmetry test, a
uniform line) has both its values seen, so nothing is unseen; its default is 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import Trait, estimated_cost
from trmgolf.families.registry import family
from trmgolf.grid.vocab import (
    BACKGROUND,
    colour_counts_ir,
    coloured_cells,
    coloured_cells_ir,
    distinct_colours,
    distinct_colours_ir,
    line_uniform,
    line_uniform_ir,
    mirror_symmetric,
    mirror_symmetric_ir,
    onehot,
)
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import checked, pairs
from trmgolf.tasks import COLORS, GRID, Example

Shape = tuple[int, int]


def only_colour(a: np.ndarray) -> int | None:
    """The one colour besides the background the grid holds; None when it holds 0 or several."""
    colours = set(np.unique(a).tolist()) - {BACKGROUND}
    return colours.pop() if len(colours) == 1 else None


def only_colour_ir(b: Builder, x: Value) -> Value:
    """float32 [1,1,1,1]: the sum of the colours present besides 0 (the one colour when one is)."""
    counts = colour_counts_ir(b, x)
    present = b.op("cast", b.op("greater", counts, b.const(np.float32(0.0))), to="float32")
    ramp = np.arange(COLORS, dtype=np.float32).reshape(1, COLORS, 1, 1)  # colour 0 weighs 0
    return b.op("reduce_sum", b.op("mul", present, b.const(ramp)), axes=(1,), keepdims=1)


@dataclass(frozen=True)
class Feature:
    """``per``: "grid" (one value), "row" (one per row) or "col" (one per column); ``measure``:
    the numpy meaning (an int, a vector of ints, or None where undefined); ``build``: the IR on
    the grid cropped to its shape ([1,1,1,1], [1,1,h,1] or [1,1,1,w]); ``boolean``: 0/1 valued
    (the value itself is then the one-hot of 1); ``crop``: reads the grid cut to its shape, not
the whole canvas (counts need no crop: cells past the grid hold no colour; a mirror test cuts
its own halves)."""

    name: str
    per: str
    measure: Callable[[np.ndarray], int | np.ndarray | None]
    build: Callable[[Builder, Value, Shape], Value]
    boolean: bool = False
    crop: bool = True  # reads the grid cut to its shape (a count reads the whole canvas as well)


def _scalar(v: np.ndarray) -> int:
    return int(v.reshape(-1)[0])


FEATURES: tuple[Feature, ...] = (
    Feature("mirror_lr", "grid", lambda a: _scalar(mirror_symmetric(a, "lr")),
            lambda b, x, s: mirror_symmetric_ir(b, x, "lr", s), boolean=True, crop=False),
    Feature("mirror_ud", "grid", lambda a: _scalar(mirror_symmetric(a, "ud")),
            lambda b, x, s: mirror_symmetric_ir(b, x, "ud", s), boolean=True, crop=False),
    Feature("mirror_diag", "grid", lambda a: _scalar(mirror_symmetric(a, "diag")),
            lambda b, x, s: mirror_symmetric_ir(b, x, "diag", s), boolean=True, crop=False),
    Feature("colours", "grid", lambda a: _scalar(distinct_colours(a, True)),
            lambda b, x, s: distinct_colours_ir(b, x, True), crop=False),
    Feature("nonzero_colours", "grid", lambda a: _scalar(distinct_colours(a, False)),
            lambda b, x, s: distinct_colours_ir(b, x, False), crop=False),
    Feature("cells", "grid", lambda a: _scalar(coloured_cells(a)), lambda b, x, s: coloured_cells_ir(b, x),
            crop=False),
    Feature("only_colour", "grid", only_colour, lambda b, x, s: only_colour_ir(b, x), crop=False),
    Feature("row_uniform", "row", lambda a: line_uniform(a, 1).reshape(-1).astype(int),
            lambda b, x, s: line_uniform_ir(b, x, 1), boolean=True),
    Feature("col_uniform", "col", lambda a: line_uniform(a, 0).reshape(-1).astype(int),
            lambda b, x, s: line_uniform_ir(b, x, 0), boolean=True),
)


@dataclass(frozen=True)
class Lookup:
    """A fitted lookup: ``table`` maps each value seen to its output (the whole grid, or for a
    per-line feature one line's colours); ``default`` is the value whose output unseen values get."""

    feature: Feature
    table: dict[int, np.ndarray]
    default: int

    def output_for(self, value: int) -> np.ndarray:
        return self.table.get(value, self.table[self.default])

    def apply(self, a: np.ndarray) -> np.ndarray | None:
        measured = self.feature.measure(a)
        if measured is None:
            return None
        if self.feature.per == "grid":
            return self.output_for(int(measured))
        lines = np.stack([self.output_for(int(v)) for v in np.asarray(measured)])
        return lines if self.feature.per == "row" else lines.T


def covered(values: set[int]) -> bool:
    """Whether a table of ``values`` leaves no gap: at least two values and every integer
    between the least and the largest (a gap is a value whose output the rule leaves unknown)."""
    return len(values) >= 2 and len(values) == max(values) - min(values) + 1


def fit_lookup(feature: Feature, data: list[tuple[np.ndarray, np.ndarray]]) -> Lookup | None:
    """The feature's table when every value seen has one output, the values cover their range
    and at least two outputs differ; None otherwise."""
    table: dict[int, np.ndarray] = {}
    seen: Counter[int] = Counter()
    for a, o in data:
        measured = feature.measure(a)
        if measured is None:
            return None
        if feature.per == "grid":
            items = [(int(measured), o)]
        else:
            if a.shape != o.shape:
                return None
            lines = o if feature.per == "row" else o.T
            items = [(int(v), line) for v, line in zip(np.asarray(measured), lines, strict=True)]
        for value, out in items:
            seen[value] += 1
            if value in table and not np.array_equal(table[value], out):
                return None
            table.setdefault(value, out)
    if not covered(set(table)):
        return None
    outputs = list(table.values())
    if all(np.array_equal(outputs[0], out) for out in outputs[1:]):
        return None
    # a boolean feature has no unseen value: 0 is the default, so 1 is its own one-hot
    default = 0 if feature.boolean else min(seen, key=lambda v: (-seen[v], v))
    return Lookup(feature, table, default)


def planes(grid: np.ndarray, shape: Shape) -> np.ndarray:
    """float32 [10, H, W]: the one-hot of ``grid`` in the corner of an H x W block."""
    out = np.zeros((COLORS, *shape), np.float32)
    out[:, :grid.shape[0], :grid.shape[1]] = onehot(grid)
    return out


def lookup_graph(rule: Lookup, shape: Shape, chain: bool = False) -> Graph:
    """The table read by the feature, padded into ``output``. ``shape``: the input grid's, the
    features that need it reading the grid cut to it. A boolean feature picks between two bool
    planes by ``Where``; a grid feature's value picks its planes by a chain of ``Where`` over
    bool planes (``chain``: one bool block per value) or by its one-hot over the values seen,
    with a first slot for "none of them" (the default), meeting the table in one ``Einsum``
    (one float block however many values)."""
    b = Builder()
    x = b.op("slice", b.input, starts=(0, 0), ends=shape, axes=(2, 3)) if rule.feature.crop else b.input
    value = rule.feature.build(b, x, shape)
    others = sorted(v for v in rule.table if v != rule.default)
    per = rule.feature.per
    if per == "grid":
        block = (max(o.shape[0] for o in rule.table.values()), max(o.shape[1] for o in rule.table.values()))

        def entry(v: int) -> np.ndarray:
            return planes(rule.table[v], block)
    else:  # a line's planes as [10, 1, w] (rows) or [10, h, 1] (columns)
        def entry(v: int) -> np.ndarray:
            out = planes(rule.table[v][None], (1, len(rule.table[v])))
            return out if per == "row" else out.transpose(0, 2, 1)

    def bits(v: int) -> Value:  # uint8, a quarter of float32 (onnxruntime has no bool Where)
        return b.const(entry(v)[None].astype(np.uint8))

    if rule.feature.boolean:  # both values seen: others == [1], the default 0
        out = b.op("where", b.op("greater", value, b.const(np.float32(0.5))), bits(1), bits(0))
    elif per == "grid" and chain:  # the default, then each value seen overrides it where it holds
        out = bits(rule.default)
        for v in others:
            out = b.op("where", b.op("equal", value, b.const(np.float32(v))), bits(v), out)
    elif per == "grid":
        hot = b.op("cast", b.op("equal", value, b.const(np.asarray(others, np.float32).reshape(1, 1, 1, -1))),
                   to="float32")  # [1,1,1,m]
        rest = b.op("sub", b.const(np.float32(1.0)), b.op("reduce_sum", hot, axes=(3,), keepdims=1))
        slots = b.op("concat", rest, hot, axis=3)  # [1,1,1,m+1]: slot 0 is the default
        table = np.stack([entry(rule.default)] + [entry(v) for v in others])
        out = b.op("einsum", slots, b.const(table), equation="abcv,vdhw->adhw")
    else:
        default = entry(rule.default)[None]
        deltas = np.stack([entry(v) for v in others]) - default
        lines = value if per == "row" else b.op("transpose", value, perm=(0, 1, 3, 2))  # [1,1,n,1]
        hot = b.op("cast", b.op("equal", lines, b.const(np.asarray(others, np.float32).reshape(1, 1, 1, -1))),
                   to="float32")  # [1,1,n,m]
        n = shape[0] if per == "row" else shape[1]
        width = deltas.shape[3] if per == "row" else deltas.shape[2]
        flat = b.op("matmul", hot, b.const(deltas.reshape(len(others), COLORS * width)))  # [1,1,n,10*width]
        grid = b.op("transpose", b.op("reshape", flat, shape=(1, n, COLORS, width)), perm=(0, 2, 1, 3))
        picked = grid if per == "row" else b.op("transpose", grid, perm=(0, 1, 3, 2))
        out = b.op("add", picked, b.const(default))
    h, w = out.type.shape[2], out.type.shape[3]
    return b.finish(b.op("pad", out, pads=(0, 0, 0, 0, 0, 0, GRID - h, GRID - w)))


@family("feature_lookup", kind="solver", group="statistics", tier=255,
        traits={Trait.STATISTICS, Trait.FIXED_INPUT_SIZE})
def feature_lookup(examples: list[Example]) -> Graph | None:
    """A feature of a fixed-size input (colour counts, the one colour, a mirror symmetry, which
    rows or columns are one colour) picks a fixed output from a table of the examples' outputs;
    the cheapest feature that explains every example."""
    data = pairs(examples)
    shapes = {a.shape for a, _ in data}
    if len(shapes) != 1:
        return None
    shape = shapes.pop()
    best: tuple[int, Graph] | None = None
    for feature in FEATURES:
        rule = fit_lookup(feature, data)
        if rule is None or not all(np.array_equal(rule.apply(a), o) for a, o in data):
            continue
        lowerings = (False, True) if feature.per == "grid" and not feature.boolean else (False,)
        for graph in sorted((lookup_graph(rule, shape, chain) for chain in lowerings), key=estimated_cost):
            if best is not None and estimated_cost(graph) >= best[0]:
                break
            if checked(graph, examples) is not None:
                best = (estimated_cost(graph), graph)
                break
    return None if best is None else best[1]
