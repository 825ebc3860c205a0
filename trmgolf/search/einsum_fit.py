"""Separable linear maps writing ``output``: one Einsum (or MatMul) with 0/1 route matrices.

``out[o,i,j] = sum_{c,h,w} x[c,h,w] C[c,o] R[h,i] W[w,j]``: each output row reads one input
line (a row, or a column when the map transposes), each output column one input line, and
each colour becomes one colour, the same everywhere. The fit works per cell: an output cell
can read input cell p only if the input colour at p determines the output colour there in
every fit example (a functional dependency) and an empty input gives an empty output; a
row's route is the input line every sampled cell of the row agrees on (same for columns),
and the colour map is read off the routed cells.

A fitted rule is then written in every form it allows, priced (params + bytes of the one
possible intermediate, a Slice crop) and yielded cheapest first. Per spatial axis: left out
(identity), a dense [30,30] route, a route on the input cropped to its largest extent
([E,30] behind a Slice), or factorised through a selector ``S = eye(30,k)`` shared by every
factor of that width: ``S P S^T`` with P [k,k] (public task380: 3x30 + 9 params instead of
900), ``S R`` (pick the E used input lines, then route them: R [E,30]) or ``R S^T``, or where
each line reads itself or nothing, a 0/1 mask vector [30] (public task326). Colours:
left out, a [10,10] map, a map from the channels the inputs use (cropped by the same Slice),
or for a few colours a pick [10,k] then their outputs [k,10]. One dense route on one axis
and nothing else is a MatMul. Identical constants are one constant. The plain rule is also
written as two nearest Resize nodes where its routes allow (``resample``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import product

import numpy as np

from trmgolf.families.contract import Budget, Candidate, FitData, Level, Step, Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.search import resample

GRID = 30
COLORS = 10
EMPTY = COLORS  # the code of a cell with no colour
CANDIDATE_EXAMPLES = 48  # examples used to find candidate routes (all are used to check them)
CELLS_PER_LINE = 3  # the most varied cells of each output line that vote on its route
FLOAT_BYTES = 4
MAX_OPERANDS = 8  # the IR einsum's arity
FIRST_LEVEL = 30  # nothing here is cheaper than one [30] mask vector (a Resize pair is 50 or more)


Route = tuple[int | None, ...]  # per output line, the input line it reads (None: nothing)


@dataclass(frozen=True)
class Rule:
    """A fitted separable rule: ``rows[i]`` / ``cols[j]`` index the input's row axis (its
    column axis when ``transposed``) / the other axis; ``colours[c]`` is colour c's output."""

    rows: Route
    cols: Route
    colours: tuple[int | None, ...]
    transposed: bool
    extents: tuple[int, int, int]  # input channels used (max colour + 1), rows, cols (input axes)
    kept: tuple[int, ...]  # the input colours seen in the fit examples that stay in the output


def cell_codes(onehot: np.ndarray) -> np.ndarray:
    """[N,30,30] int8: each cell's colour, EMPTY where no channel is on."""
    on = onehot > 0
    return np.where(on.any(axis=1), on.argmax(axis=1), EMPTY).astype(np.int8)


def _extent(codes: np.ndarray, axis: int) -> int:
    """1 + the last line along ``axis`` (1 or 2 of [N,H,W]) that is non-empty in some example."""
    used = np.flatnonzero((codes != EMPTY).any(axis=(0, 3 - axis)))
    return int(used[-1]) + 1 if used.size else 0


def readable_cells(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bool [P]: the input cells (columns of ``a`` [N,P]) whose colour determines the output
    colour ``b`` [N] in every example, with an empty input always giving an empty output."""
    ok = ~((a == EMPTY) & (b != EMPTY)[:, None]).any(axis=0)
    for v in range(COLORS + 1):
        hit = a == v
        lo = np.where(hit, b[:, None], 127).min(axis=0)
        hi = np.where(hit, b[:, None], -1).max(axis=0)
        ok &= ~hit.any(axis=0) | (lo == hi)
    return ok


def _pick(candidates: set[int], line: int) -> int:
    """The same line when it is a candidate, else the nearest (then the lowest)."""
    return min(candidates, key=lambda h: (abs(h - line), h))


def fit_routes(a: np.ndarray, b: np.ndarray, expired: Callable[[], bool]) -> tuple[Route, Route] | None:
    """Row and column routes from input codes ``a`` to output codes ``b`` ([N,30,30]), found on
    the first CANDIDATE_EXAMPLES examples; None when some output line has no candidate."""
    a, b = a[:CANDIDATE_EXAMPLES], b[:CANDIDATE_EXAMPLES]
    in_h, in_w, out_h, out_w = _extent(a, 1), _extent(a, 2), _extent(b, 1), _extent(b, 2)
    if 0 in (in_h, in_w, out_h, out_w):
        return None
    flat_a = a[:, :in_h, :in_w].reshape(a.shape[0], -1)
    cache: dict[tuple[int, int], np.ndarray] = {}

    def readable(i: int, j: int) -> np.ndarray:
        if (i, j) not in cache:
            cache[i, j] = readable_cells(flat_a, b[:, i, j]).reshape(in_h, in_w)
        return cache[i, j]

    def varied(cells: list[tuple[int, int]]) -> list[tuple[int, int]]:
        spread = [len(np.unique(b[:, i, j])) for i, j in cells]
        order = sorted(range(len(cells)), key=lambda k: (-spread[k], k))
        return [cells[k] for k in order[:CELLS_PER_LINE]]

    routes: list[Route] = []
    for axis, count, other in ((0, out_h, out_w), (1, out_w, out_h)):
        route: list[int | None] = []
        for line in range(count):
            if expired():
                return None
            cells = [(line, k) if axis == 0 else (k, line) for k in range(other)]
            lines = set(range(in_h if axis == 0 else in_w))
            for i, j in varied(cells):
                lines &= set(np.flatnonzero(readable(i, j).any(axis=1 - axis)).tolist())
            if not lines:
                return None
            route.append(_pick(lines, line))
        routes.append(tuple(route) + (None,) * (GRID - count))
    return routes[0], routes[1]


def fit_colours(a: np.ndarray, b: np.ndarray, rows: Route, cols: Route) -> tuple[int | None, ...] | None:
    """Each input colour's output colour over every routed cell; unseen colours stay as they
    are. None when one colour goes to two, or an empty cell would have to gain a colour."""
    ri = [i for i, r in enumerate(rows) if r is not None]
    cj = [j for j, c in enumerate(cols) if c is not None]
    if (b[:, [i for i in range(GRID) if i not in ri]] != EMPTY).any():
        return None
    if (b[:, :, [j for j in range(GRID) if j not in cj]] != EMPTY).any():
        return None
    src = a[:, [rows[i] for i in ri]][:, :, [cols[j] for j in cj]].ravel()
    dst = b[:, ri][:, :, cj].ravel()
    colours: list[int | None] = []
    for v in range(COLORS + 1):
        seen = np.unique(dst[src == v])
        if seen.size > 1:
            return None
        if v == EMPTY:
            if seen.size and seen[0] != EMPTY:
                return None
            continue
        colours.append(v if seen.size == 0 else (None if seen[0] == EMPTY else int(seen[0])))
    return tuple(colours)


def fit_rule(data: FitData, transposed: bool, expired: Callable[[], bool]) -> Rule | None:
    """The separable rule exact on every fit example, or None."""
    a, b = cell_codes(data.x), cell_codes(data.y)
    if transposed:
        a = np.swapaxes(a, 1, 2)
    routes = fit_routes(a, b, expired)
    if routes is None:
        return None
    colours = fit_colours(a, b, *routes)
    if colours is None:
        return None
    seen = np.unique(a[a != EMPTY])
    used = [int(c) for c in seen if colours[c] is not None]
    extents = (max(used) + 1 if used else 1, _extent(a, 1), _extent(a, 2))
    if transposed:
        extents = (extents[0], extents[2], extents[1])
    return Rule(routes[0], routes[1], colours, transposed, extents, tuple(used))


# --- forms and their prices ---------------------------------------------------------------

IDENTITY, FULL, CROP, FACTOR = "identity", "full", "crop", "factor"
PICK_IN, PICK_OUT = "pick_in", "pick_out"  # S R (select the used input lines) / R S^T
MASK = "mask"  # each line reads itself or nothing: a 0/1 vector (public task326: one [30] for both axes)


@dataclass(frozen=True)
class AxisForm:
    kind: str
    size: int = GRID  # CROP: the input extent kept; FACTOR: the selector's width k


def axis_forms(route: Route, extent: int) -> list[AxisForm]:
    """The forms a spatial route can take; ``extent`` is the input's extent on its axis."""
    forms = [AxisForm(FULL)]
    if all(r == i or (r is None and i >= extent) for i, r in enumerate(route)):
        forms.append(AxisForm(IDENTITY))
    elif all(r in (i, None) for i, r in enumerate(route)):
        forms.append(AxisForm(MASK))
    read = [r for r in route if r is not None]
    if extent < GRID and max(read, default=0) < extent:
        forms.append(AxisForm(CROP, extent))
    written = [i for i, r in enumerate(route) if r is not None]
    k_in, k_out = max(extent, max(read, default=0) + 1), max(written, default=0) + 1
    if k_in < GRID:
        forms.append(AxisForm(PICK_IN, k_in))
    if k_out < GRID:
        forms.append(AxisForm(PICK_OUT, k_out))
    if max(k_in, k_out) < GRID:
        forms.append(AxisForm(FACTOR, max(k_in, k_out)))
    return forms


def colour_forms(colours: tuple[int | None, ...], used: int, kept: tuple[int, ...]) -> list[AxisForm]:
    """Left out, [10,10], [used,10] behind the Slice, or (few colours) a pick of the kept
    colours then their outputs: [10,k] [k,10]."""
    forms = [AxisForm(FULL, COLORS)]
    if all(c == v for v, c in enumerate(colours)):
        forms.append(AxisForm(IDENTITY))
    if used < COLORS:
        forms.append(AxisForm(CROP, used))
    if 0 < 2 * len(kept) < COLORS:
        forms.append(AxisForm(PICK_IN, len(kept)))
    return forms


@dataclass(frozen=True)
class Form:
    """One way to write a rule: forms of the row route, column route and colour map."""

    rule: Rule
    rows: AxisForm
    cols: AxisForm
    colours: AxisForm

    @property
    def crop(self) -> tuple[int, int, int]:
        """The input's kept extent per channel / row / column axis (input axis order)."""
        kept = [self.colours.size if self.colours.kind == CROP else COLORS, GRID, GRID]
        row_axis, col_axis = (2, 1) if self.rule.transposed else (1, 2)
        if self.rows.kind == CROP:
            kept[row_axis] = self.rows.size
        if self.cols.kind == CROP:
            kept[col_axis] = self.cols.size
        return kept[0], kept[1], kept[2]

    def matrices(self) -> list[np.ndarray]:
        """The distinct constants (identical ones are shared)."""
        out: dict[bytes, np.ndarray] = {}
        for m in (self._spatial(self.rows, self.rule.rows), self._spatial(self.cols, self.rule.cols),
                  self._colour()):
            for array in m:
                out.setdefault(array.tobytes() + str(array.shape).encode(), array)
        return list(out.values())

    def _spatial(self, form: AxisForm, route: Route) -> list[np.ndarray]:
        if form.kind == IDENTITY:
            return []
        return spatial_operands(form, route)

    def _colour(self) -> list[np.ndarray]:
        return colour_operands(self.colours, self.rule)

    @property
    def operands(self) -> int:
        """Einsum operands: the input, each factor's constants (S appears twice in S P S^T)."""
        per = {IDENTITY: 0, MASK: 1, FULL: 1, CROP: 1, PICK_IN: 2, PICK_OUT: 2, FACTOR: 3}
        return 1 + per[self.rows.kind] + per[self.cols.kind] + per[self.colours.kind]

    @property
    def cost(self) -> int:
        params = sum(m.size for m in self.matrices())
        kept = self.crop
        if kept == (COLORS, GRID, GRID):
            return params
        axes = sum(k != full for k, full in zip(kept, (COLORS, GRID, GRID), strict=True))
        return params + 3 * axes + FLOAT_BYTES * kept[0] * kept[1] * kept[2]

    def label(self) -> str:
        parts = [f"{name}:{f.kind}{'' if f.kind in (IDENTITY, FULL, MASK) else f.size}"
                 for name, f in (("rows", self.rows), ("cols", self.cols), ("colours", self.colours))
                 if f.kind != IDENTITY]
        return ("einsumT" if self.rule.transposed else "einsum") + "/" + (",".join(parts) or "swap")


def spatial_operands(form: AxisForm, route: Route) -> list[np.ndarray]:
    """The constants of a non-identity spatial form, in the order the equation uses them."""
    k = form.size
    if form.kind == MASK:
        return [mask_vector(route)]
    if form.kind == FACTOR:
        return [selector(k), route_matrix(route, k)[:, :k]]
    if form.kind == PICK_IN:
        return [selector(k), route_matrix(route, k)]
    if form.kind == PICK_OUT:
        return [np.ascontiguousarray(route_matrix(route, GRID)[:, :k]), selector(k)]
    return [route_matrix(route, k)]


def mask_vector(route: Route) -> np.ndarray:
    """[lines]: 1 where line i reads line i (the route is i or nothing everywhere)."""
    return np.array([1.0 if r is not None else 0.0 for r in route], np.float32)


def selector(k: int) -> np.ndarray:
    return np.eye(GRID, k, dtype=np.float32)


def route_matrix(route: Route, lines: int) -> np.ndarray:
    """[lines, 30]: entry (h, i) is 1 when output line i reads input line h."""
    m = np.zeros((lines, GRID), np.float32)
    for i, r in enumerate(route):
        if r is not None:
            m[r, i] = 1.0
    return m


def colour_operands(form: AxisForm, rule: Rule) -> list[np.ndarray]:
    """The constants of the colour form, in the order the equation uses them."""
    if form.kind == IDENTITY:
        return []
    if form.kind == PICK_IN:
        pick = np.zeros((COLORS, form.size), np.float32)
        pick[list(rule.kept), range(form.size)] = 1.0
        return [pick, colour_matrix(rule.colours, COLORS)[list(rule.kept)]]
    return [colour_matrix(rule.colours, form.size)]


def colour_matrix(colours: tuple[int | None, ...], channels: int) -> np.ndarray:
    """[channels, 10]: entry (c, o) is 1 when input colour c becomes output colour o."""
    m = np.zeros((channels, COLORS), np.float32)
    for c in range(channels):
        if colours[c] is not None:
            m[c, colours[c]] = 1.0
    return m


def forms(rule: Rule) -> list[Form]:
    """Every way to write ``rule``, cheapest first (ties: by label, for determinism)."""
    used, in_rows, in_cols = rule.extents
    row_extent, col_extent = (in_cols, in_rows) if rule.transposed else (in_rows, in_cols)
    out = [Form(rule, r, c, k) for r, c, k in product(
        axis_forms(rule.rows, row_extent), axis_forms(rule.cols, col_extent),
        colour_forms(rule.colours, used, rule.kept))]
    # all three left out is the input itself (transposed: a plain transpose, still a map)
    out = [f for f in out if f.operands <= MAX_OPERANDS
           and (rule.transposed or {f.rows.kind, f.cols.kind, f.colours.kind} != {IDENTITY})]
    return sorted(out, key=lambda f: (f.cost, f.label()))


# --- graphs ---------------------------------------------------------------------------------

def form_graph(form: Form) -> Graph:
    """The Slice (when the form crops) and the Einsum or MatMul that writes ``output``."""
    b = Builder()
    x = b.input
    kept = form.crop
    if kept != (COLORS, GRID, GRID):
        axes = [ax for ax, k, full in zip((1, 2, 3), kept, (COLORS, GRID, GRID), strict=True) if k != full]
        x = b.op("slice", x, starts=tuple(0 for _ in axes), ends=tuple(kept[ax - 1] for ax in axes),
                 axes=tuple(axes))
    consts: dict[bytes, Value] = {}

    def const(array: np.ndarray) -> Value:
        key = array.tobytes() + str(array.shape).encode()
        if key not in consts:
            consts[key] = b.const(array)
        return consts[key]

    matmul = _as_matmul(form, x, const, b)
    if matmul is not None:
        return b.finish(matmul)
    row_in, col_in = ("w", "h") if form.rule.transposed else ("h", "w")
    letters = {"h": "h", "w": "w"}
    terms: list[str] = []
    operands: list[Value] = [x]
    for form_, route, src, dst, (t, u) in ((form.rows, form.rule.rows, row_in, "i", "tu"),
                                           (form.cols, form.rule.cols, col_in, "j", "pq")):
        if form_.kind == IDENTITY:
            letters[src] = dst
            continue
        parts = [const(a) for a in spatial_operands(form_, route)]
        if form_.kind == MASK:
            letters[src] = dst
            terms.append(dst)
            operands += parts
        elif form_.kind == FACTOR:
            terms += [f"{src}{t}", f"{t}{u}", f"{dst}{u}"]
            operands += [parts[0], parts[1], parts[0]]
        elif form_.kind == PICK_IN:
            terms += [f"{src}{t}", f"{t}{dst}"]
            operands += parts
        elif form_.kind == PICK_OUT:
            terms += [f"{src}{u}", f"{dst}{u}"]
            operands += parts
        else:
            terms.append(f"{src}{dst}")
            operands += parts
    out_colour = "c"
    colour = [const(a) for a in colour_operands(form.colours, form.rule)]
    if colour:
        terms += ["ce", "eo"] if len(colour) == 2 else ["co"]
        operands += colour
        out_colour = "o"
    x_term = "nc" + letters["h"] + letters["w"]
    equation = ",".join([x_term, *terms]) + f"->n{out_colour}ij"
    return b.finish(b.op("einsum", *operands, equation=equation))


def _as_matmul(form: Form, x: Value, const: Callable[[np.ndarray], Value], b: Builder) -> Value | None:
    """One dense route on one axis, nothing else: ``x @ W`` (columns) or ``R^T @ x`` (rows)."""
    if form.rule.transposed or form.colours.kind != IDENTITY:
        return None
    kinds = (form.rows.kind, form.cols.kind)
    if kinds[0] == IDENTITY and kinds[1] in (FULL, CROP):
        return b.op("matmul", x, const(route_matrix(form.rule.cols, form.cols.size)))
    if kinds[1] == IDENTITY and kinds[0] in (FULL, CROP):
        return b.op("matmul", const(route_matrix(form.rule.rows, form.rows.size).T.copy()), x)
    return None


@family("einsum", tier=80, traits={Trait.INDEX_MAP, Trait.COLOR_MAP})
def candidates(data: FitData, budget: Budget) -> Iterator[Step]:
    """Each written form of each separable rule exact on the fit examples (plain, then
    transposed) and the plain rule's two-Resize form, cheapest first; a ``Level`` marker
    before the fit. The Resize fit's step fits are charged to ``budget``."""
    yield Level(FIRST_LEVEL)
    fits = [0]

    def charge(n: int) -> None:
        fits[0] += n
        if fits[0] % resample.STEPS_PER_UNIT == 0:
            budget.spend(1)

    found: list[tuple[int, str, Callable[[], Graph]]] = []
    for transposed in (False, True):
        if budget():
            return
        rule = fit_rule(data, transposed, budget)
        if rule is None:
            continue
        found += [(f.cost, f.label(), partial(form_graph, f)) for f in forms(rule)]
        if not transposed:
            p = resample.plan(rule.rows, rule.cols, rule.colours, rule.kept, rule.extents[1:], charge)
            if p is not None:
                found.append((p.cost, p.label(), partial(resample.plan_graph, p)))
    for cost, label, build in sorted(found, key=lambda f: (f[0], f[1])):
        if budget():
            return
        yield Candidate(cost, label, build())
