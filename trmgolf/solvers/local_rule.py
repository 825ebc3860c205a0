"""The fitted local rule: one Conv over the one-hot input whose thresholded output is the answer.

Each output cell's colour must be a function of what a Conv stencil sees around
the same canvas cell: the k x k one-hot neighbourhood (``local_rule``, k = 1, 3, 5,
7 in turn), or the same cell of each equal part of a fixed-size input
(``part_rule``: a dilated Conv overlays the parts, e.g. the AND of two halves).
Outside the grid every channel is zero, so the grid's border is visible. We collect
the distinct (view -> answer) pairs of the fit examples, where the answer of a cell
outside the output grid is "no colour"; when no view has two answers, each output
channel gets an L1-minimal linear separator with a free bias (``families.separator``):
score >= 1 for its colour, <= -1 for every other answer. Sparse weights generalise
best to the examples the rule was not fitted on.

The network is a single Conv (with bias: bias + the same weight on the ten centre
channels is how a linear rule tells a cell inside the grid from one just outside)
that writes ``output`` directly: no intermediate tensor, 100 kh kw + 10 params.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from trmgolf.families.contract import Budget, Trait
from trmgolf.families.registry import family
from trmgolf.families.separator import Bias, l1_separator
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.solvers.common import checked, pairs, same_shapes
from trmgolf.tasks import COLORS, GRID, Example

KERNELS = (1, 3, 5, 7)
MAX_ROWS = 60_000  # distinct views above which a stencil is not tried
OUTSIDE = -1
WORK_ROWS = 1500  # rows added to the working set of the LP per round
MAX_ROUNDS = 12
FULL_LP_ROWS = 8000  # below this one LP over every row is faster than constraint generation
WORK = 30_000  # work units per task over all kernel sizes: the deterministic limit
BUDGET_SECONDS = 60.0  # CPU seconds over all kernel sizes: only a safety net, WORK stops first
# One work unit is about a millisecond of this project's reference machine: an LP's units are
# counted by ``families.separator.lp_units``, numpy over feature entries by ``scan_units``.
SCAN_CELLS = 1_000_000
LP_WORK = 5_000  # work units per LP; a rule that needs more is rarely a real one
LP_SECONDS = 10.0  # HiGHS's clock per LP: only a safety net, LP_WORK stops first


@dataclass(frozen=True)
class Stencil:
    """The geometry of the Conv: kernel size, dilation and top/left padding.

    Output cell (r, c) reads input cell (r - top + i*dh, c - left + j*dw) for kernel
    position (i, j); bottom/right padding keep the output 30 x 30.
    """

    kh: int
    kw: int
    dh: int = 1
    dw: int = 1
    top: int = 0
    left: int = 0

    @staticmethod
    def square(k: int) -> Stencil:
        return Stencil(k, k, 1, 1, k // 2, k // 2)

    @property
    def pads(self) -> tuple[int, int, int, int]:
        return (self.top, self.left, (self.kh - 1) * self.dh - self.top, (self.kw - 1) * self.dw - self.left)


def features(grid: np.ndarray, st: Stencil, planes: np.ndarray | None = None) -> np.ndarray:
    """[900, (10 + P)*kh*kw] uint8: what the Conv sees at each canvas cell, in weight order
    (c, i, j), over the one-hot grid and, when given, P extra 0/1 ``planes`` of the grid's size."""
    h, w = grid.shape
    channels = COLORS + (0 if planes is None else planes.shape[0])
    reach = max(st.kh * st.dh, st.kw * st.dw, GRID)
    canvas = np.zeros((channels, GRID + 2 * reach, GRID + 2 * reach), np.uint8)
    rows, cols = np.indices(grid.shape)
    canvas[grid, rows + reach, cols + reach] = 1
    if planes is not None:
        canvas[COLORS:, reach:reach + h, reach:reach + w] = planes
    out = np.empty((GRID, GRID, channels, st.kh, st.kw), np.uint8)
    for i in range(st.kh):
        for j in range(st.kw):
            r0 = reach - st.top + i * st.dh
            c0 = reach - st.left + j * st.dw
            out[:, :, :, i, j] = canvas[:, r0:r0 + GRID, c0:c0 + GRID].transpose(1, 2, 0)
    return out.reshape(GRID * GRID, -1)


Featurize = Callable[[np.ndarray, Stencil], np.ndarray | None]  # grid -> [900, F] (None: no view)


def scan_units(cells: int) -> int:
    """Work units (``families.contract.Budget``) of building or checking ``cells`` feature
    entries with numpy: counted from sizes, never from a clock."""
    return 1 + cells // SCAN_CELLS


def dataset(examples: list[Example], st: Stencil, featurize: Featurize = features,
            kept: tuple[int, ...] = (), budget: Budget | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Distinct (what the Conv sees, answer) rows; None when one view has two answers.

    The answer of a cell outside the output grid is OUTSIDE (every channel <= 0).
    Cells of a ``kept`` colour are left out: ``keep_colours`` pins them afterwards.
    Featurizing spends ``budget`` (when given) by the size of each example's views.
    """
    xs, ys = [], []
    for a, b in pairs(examples):
        feats = featurize(a, st)
        if feats is None:
            return None
        if budget is not None:
            budget.spend(scan_units(feats.size))
        y = np.full((GRID, GRID), OUTSIDE, np.int64)
        y[: b.shape[0], : b.shape[1]] = b
        y = y.ravel()
        keep = feats.any(axis=1)
        if (~keep & (y != OUTSIDE)).any():
            return None
        if kept:
            colour = np.full((GRID, GRID), OUTSIDE, np.int64)
            colour[: a.shape[0], : a.shape[1]] = a
            keep &= ~np.isin(colour.ravel(), kept)
        xs.append(feats[keep])
        ys.append(y[keep])
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    packed = np.ascontiguousarray(np.packbits(x, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    labels = np.full(len(first), -2, np.int64)
    labels[inverse] = y
    if not np.array_equal(labels[inverse], y):
        return None
    return x[first], labels


def separator(x: np.ndarray, positive: np.ndarray,
              budget: Budget | None = None) -> tuple[np.ndarray, float] | None:
    """An L1-minimal (w, bias) with x@w+bias >= 1 on positive rows and <= -1 on the others;
    None when there is none, or when ``budget`` runs out first (each round spends its LP's
    work and its check over every row).

    Solved by constraint generation: an LP over a working set of rows, growing it with
    the rows the last solution violates. Few rows are ever active, so this is much
    faster than one LP over tens of thousands of rows; an infeasible subset proves the
    whole set infeasible.
    """
    d = x.shape[1]
    used = x.any(axis=0)
    xu = x[:, used].astype(np.float64)
    sign = np.where(positive, 1.0, -1.0)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))
    work = np.zeros(len(x), bool)
    if len(x) <= FULL_LP_ROWS:
        work[:] = True
    work[np.flatnonzero(positive)[:WORK_ROWS]] = True
    work[order[:WORK_ROWS]] = True
    for _ in range(MAX_ROUNDS):
        if budget is not None:
            if budget():
                return None
            budget.spend(scan_units(xu.size))
        fitted = l1_separator(xu[work], positive[work], Bias.FREE, time_limit=LP_SECONDS,
                              budget=budget, max_units=LP_WORK)
        if fitted is None:
            return None
        w, bias = fitted
        margins = (xu @ w + bias) * sign
        bad = np.flatnonzero(margins < 0.999)
        if len(bad) == 0:
            full = np.zeros(d)
            full[used] = w
            full[np.abs(full) < 1e-9] = 0.0
            return full, bias
        worst = bad[np.argsort(margins[bad])[:WORK_ROWS]]
        work[worst] = True
    return None


def stable_colours(examples: list[Example]) -> tuple[int, ...]:
    """The input colours whose every cell keeps its colour in every example (seeds, walls ...)."""
    seen: set[int] = set()
    changed: set[int] = set()
    for a, b in pairs(examples):
        if a.shape != b.shape:
            return ()
        seen |= set(np.unique(a).tolist())
        changed |= set(np.unique(a[a != b]).tolist())
    return tuple(sorted(seen - changed))


def centre_tap(st: Stencil) -> tuple[int, int] | None:
    """The kernel position that reads the output cell's own input cell, if there is one."""
    if st.top % st.dh or st.left % st.dw or st.top // st.dh >= st.kh or st.left // st.dw >= st.kw:
        return None
    return st.top // st.dh, st.left // st.dw


def keep_colours(weights: np.ndarray, bias: np.ndarray, st: Stencil,
                 kept: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Pin the cells of the ``kept`` colours to their colour, in the same Conv.

    Every feature is 0/1, so no channel's score exceeds ``big`` = sum |w| + |bias| + 1 in
    size; adding +big to channel c and -big to the other channels at a kept colour c's
    centre tap makes that cell come out c whatever the rest of the rule says, and changes
    nothing at cells of other colours. The rule is then fitted only where it matters,
    so a rare mix of neighbours cannot repaint a seed or a wall.
    """
    tap = centre_tap(st)
    if tap is None or not kept:
        return weights, bias
    w = weights.astype(np.float64)
    big = np.abs(w).reshape(len(w), -1).sum(axis=1) + np.abs(bias) + 1.0
    i, j = tap
    for c in kept:
        w[:, c, i, j] -= big
        w[c, c, i, j] += 2 * big[c]
    return w.astype(np.float32), bias


def fit_weights(examples: list[Example], st: Stencil, budget: Budget | None = None,
                featurize: Featurize = features,
                kept: tuple[int, ...] = ()) -> tuple[np.ndarray, np.ndarray] | None:
    """Conv weights [10,C,kh,kw] and bias [10] of the rule seen through ``st``, or None
    (C = 10 for the one-hot input; 10 per view for ``featurize`` over several views), or
    None once ``budget`` (unlimited when None) is spent. Cells of a ``kept`` colour keep it
    (see ``keep_colours``)."""
    if kept and centre_tap(st) is None:
        kept = ()
    data = dataset(examples, st, featurize, kept, budget)
    if data is None:
        return None
    x, y = data
    if len(x) > MAX_ROWS:
        return None
    # the view of a cell far from the grid (all zero) must come out "no colour" too
    x = np.concatenate([x, np.zeros((1, x.shape[1]), x.dtype)])
    y = np.concatenate([y, [OUTSIDE]])
    weights = np.zeros((COLORS, x.shape[1]), np.float64)
    bias = np.zeros(COLORS, np.float64)
    for colour in np.unique(y[y != OUTSIDE]):
        if budget is not None and budget():
            return None
        fitted = separator(x, y == colour, budget)
        if fitted is None:
            return None
        weights[colour], bias[colour] = fitted
    # channels never seen as an answer keep w = 0 and get a negative bias: always "no"
    bias[~np.isin(np.arange(COLORS), np.concatenate([y, kept]))] = -1.0
    return keep_colours(weights.reshape(COLORS, -1, st.kh, st.kw).astype(np.float32),
                        bias.astype(np.float32), st, kept)


def conv_graph(weights: np.ndarray, bias: np.ndarray, st: Stencil) -> Graph:
    b = Builder()
    out = b.op("conv2d", b.input, b.const(weights), b.const(bias), pads=st.pads,
               dilations=(st.dh, st.dw))
    return b.finish(out)


MakeGraph = Callable[[np.ndarray, np.ndarray, Stencil], Graph]


def fit_stencils(examples: list[Example], stencils: list[Stencil], featurize: Featurize = features,
                 make_graph: MakeGraph = conv_graph, budget: Budget | None = None,
                 fallback_ok: bool = True, kept: tuple[int, ...] = ()) -> Graph | None:
    """The first stencil whose Conv, fitted on 3/4 of the examples, is exact on the last
    quarter too (a rule that only memorises is passed over for a larger stencil), refitted
    on every example; failing that (and with ``fallback_ok``), the first stencil whose Conv
    fits every example. ``kept``: colours whose cells keep their colour (``keep_colours``).
    Stops once ``budget`` is spent (by default ``WORK`` units, ``BUDGET_SECONDS`` as the net)."""
    budget = Budget(WORK, BUDGET_SECONDS) if budget is None else budget
    cut = len(examples) - len(examples) // 4
    fallback: Graph | None = None
    for st in stencils:
        if budget():
            break
        if cut < len(examples):
            part = fit_weights(examples[:cut], st, budget, featurize, kept)
            if part is None or not checked(make_graph(*part, st), examples[cut:]):
                if fallback is None and fallback_ok:
                    full = fit_weights(examples, st, budget, featurize, kept)
                    fallback = checked(make_graph(*full, st), examples) if full is not None else None
                continue
        fitted = fit_weights(examples, st, budget, featurize, kept)
        if fitted is not None:
            graph = checked(make_graph(*fitted, st), examples)
            if graph is not None:
                return graph
    return fallback


@family("local_rule", kind="solver", group="local_rule", tier=60, traits={Trait.LOCAL_RULE})
def build(examples: list[Example]) -> Graph | None:
    """Same-size tasks whose output cell is a function of the input's k x k neighbourhood."""
    if not examples or not same_shapes(examples):
        return None
    return fit_stencils(examples, [Stencil.square(k) for k in KERNELS])


def part_stencils(examples: list[Example]) -> list[Stencil]:
    """Stencils that overlay the p equal parts of a fixed-size input (split by 0/1-wide lines)."""
    shapes = {(len(e.input), len(e.input[0]), len(e.output), len(e.output[0])) for e in examples}
    if len(shapes) != 1:
        return []
    h, w, oh, ow = shapes.pop()
    if (oh, ow) == (h, w):
        return []

    def axis(n: int, m: int) -> tuple[int, int] | None:
        for parts in (1, 2, 3, 4):
            for sep in (0, 1):
                if parts * m + (parts - 1) * sep == n and (parts > 1 or sep == 0):
                    return parts, m + sep
        return None

    ah, aw = axis(h, oh), axis(w, ow)
    if ah is None or aw is None:
        return []
    return [Stencil(ah[0], aw[0], ah[1], aw[1], 0, 0)]


@family("part_rule", kind="solver", group="local_rule", tier=70, traits={Trait.PARTS, Trait.LOCAL_RULE})
def build_parts(examples: list[Example]) -> Graph | None:
    """Fixed-size tasks whose output overlays the input's equal parts cell by cell (AND/OR/XOR
    of two halves ...): a dilated Conv reads the same cell of every part."""
    stencils = part_stencils(examples)
    return fit_stencils(examples, stencils) if stencils else None
