"""Two parts of a fixed-size input overlaid cell by cell into a two-colour output.

Many tasks split the input into two panels and colour each output cell by a boolean of the
two panels' cells (both set, neither, exactly one...). With one colour channel read from each
panel (the background channel 0 reads "empty"), ``Equal`` and ``Less`` of the two slices give
every such boolean up to swapping the two colours: ``Equal`` is XNOR, ``Less(a, b)`` is
``not a and b``, and reading channel 0 for ``a`` turns it into AND; NOR and OR come the
same way. The network:

    Where(Equal|Less(Slice(input, a), Slice(input, b)), colour_true, colour_false) -> Pad

(two one-channel float slices, a bool mask, a uint8 block of the colours used: about 10 bytes
per output cell). Fitted by trying every ordered pair of panel positions and every channel
pair at once; only fit examples of one input and one output size, and few positions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import Budget, Candidate, FitData, Level, Step, Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.search.sizeclass import grid_sizes

GRID = 30
COLORS = 10
#: Panel positions at most (the fit tries every ordered pair of them), and pairs x output
#: cells at most (a large output leaves room for fewer positions).
MAX_POSITIONS = 64
MAX_PAIR_CELLS = 200_000
OPS = ("equal", "less")
#: Examples a pair is tried on before all of them.
PRECHECK_EXAMPLES = 8
#: Cell comparisons per work unit.
COMPARES_PER_UNIT = 200_000


@dataclass(frozen=True)
class Mix:
    op: str
    a: tuple[int, int, int]  # channel, row, col of panel a's top-left cell
    b: tuple[int, int, int]
    out: tuple[int, int]
    colours: tuple[int, int]  # where the op holds, where it does not

    def label(self) -> str:
        return f"part_mix/{self.op}/{self.out[0]}x{self.out[1]}"


def cost(out: tuple[int, int], channels: int) -> int:
    """Two float slices, the bool mask, the uint8 block; the colour vectors and slice/pad constants."""
    q = out[0] * out[1]
    return 4 * q * 2 + q + channels * q + 2 * channels + 26


def fixed_sizes(data: FitData) -> tuple[tuple[int, int], tuple[int, int]] | None:
    in_rows, in_cols = grid_sizes(data.x)
    out_rows, out_cols = grid_sizes(data.y)
    sizes = [in_rows, in_cols, out_rows, out_cols]
    if any(s.min() != s.max() for s in sizes):
        return None
    hi, wi, ho, wo = (int(s[0]) for s in sizes)
    return (hi, wi), (ho, wo)


def _consistent(cond: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """cond: [A, B, cells] bool; colour: [cells]. Per (a, b), the (true, false) colours when
    each side holds one colour only, else -1: [A, B, 2]."""
    out = np.full(cond.shape[:2] + (2,), -1, np.int64)
    ok = np.ones(cond.shape[:2], bool)
    for side, mask in enumerate((cond, ~cond)):
        hi = np.where(mask, colour, -1).max(axis=2)
        lo = np.where(mask, colour, COLORS).min(axis=2)
        empty = ~mask.any(axis=2)
        ok &= empty | (hi == lo)
        out[..., side] = np.where(empty, 0, hi)
    out[~ok] = -1
    return out


def fit(data: FitData, budget: Budget) -> Mix | None:
    sizes = fixed_sizes(data)
    if sizes is None:
        return None
    (hi, wi), (ho, wo) = sizes
    positions = [(r, c) for r in range(hi - ho + 1) for c in range(wi - wo + 1)]
    if not 2 <= len(positions) <= MAX_POSITIONS or len(positions) ** 2 * ho * wo > MAX_PAIR_CELLS:
        return None
    y = data.y[:, :, :ho, :wo]
    if not np.array_equal(y.sum(axis=1), np.ones((data.count, ho, wo))):
        return None
    colour = y.argmax(axis=1)  # [N, ho, wo]
    head = min(data.count, PRECHECK_EXAMPLES)

    def panels(count: int) -> dict[tuple[int, int], np.ndarray]:
        cells = {p: data.x[:count, :, p[0]:p[0] + ho, p[1]:p[1] + wo] for p in positions}
        return {p: c.transpose(1, 0, 2, 3).reshape(COLORS, -1) > 0 for p, c in cells.items()}

    few, every = panels(head), None
    units = 1 + head * ho * wo * COLORS * COLORS * len(OPS) // COMPARES_PER_UNIT
    for pa in positions:
        for pb in positions:
            if pa == pb:
                continue
            budget.spend(units)
            if budget():
                return None
            for op in OPS:
                mix = _first_mix(op, few[pa], few[pb], colour[:head].ravel())
                if mix is None:
                    continue
                every = every if every is not None else panels(data.count)
                budget.spend(units * data.count // head)
                mix = _first_mix(op, every[pa], every[pb], colour.ravel())
                if mix is not None:
                    (ca, cb), colours = mix
                    return Mix(op, (ca, *pa), (cb, *pb), (ho, wo), colours)
    return None


def _first_mix(op: str, a: np.ndarray, b: np.ndarray, colour: np.ndarray
               ) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The first channel pair (and its two colours) whose ``op`` colours every cell right."""
    a, b = a[:, None, :], b[None, :, :]
    found = _consistent(a == b if op == "equal" else a < b, colour)
    hits = np.argwhere(found[..., 0] >= 0)
    if not len(hits):
        return None
    ca, cb = (int(v) for v in hits[0])
    t, f = (int(v) for v in found[ca, cb])
    return (ca, cb), (t, f)


def mix_graph(mix: Mix) -> Graph:
    ho, wo = mix.out
    channels = max(mix.colours) + 1
    b = Builder()

    def panel(at: tuple[int, int, int]):
        c, r, col = at
        return b.op("slice", b.input, starts=(c, r, col), ends=(c + 1, r + ho, col + wo), axes=(1, 2, 3))

    cond = b.op(mix.op, panel(mix.a), panel(mix.b))
    vectors = [np.eye(COLORS, dtype=np.uint8)[c, :channels].reshape(1, channels, 1, 1) for c in mix.colours]
    block = b.op("where", cond, b.const(vectors[0]), b.const(vectors[1]))
    if (channels, ho, wo) != (COLORS, GRID, GRID):
        block = b.op("pad", block, pads=(0, 0, 0, 0, 0, COLORS - channels, GRID - ho, GRID - wo))
    return b.finish(block)


@family("partmix", tier=40, traits={Trait.PARTS})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """The first panel mix exact on the fit examples (cost bounded by ten colour channels)."""
    yield Level(0)
    sizes = fixed_sizes(data)
    if sizes is None:
        return
    yield Level(cost(sizes[1], 1))
    mix = fit(data, budget)
    if mix is not None:
        yield Candidate(cost(mix.out, max(mix.colours) + 1), mix.label(), mix_graph(mix))
