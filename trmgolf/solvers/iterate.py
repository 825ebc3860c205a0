"""A local rule applied until nothing changes: growth and propagation that stop by themselves.

Some outputs are the fixpoint of a 3 x 3 rule run over and over (a shape grows one ring
per step until it meets a wall, a line creeps from its seed to the edge, colour spreads
through a maze). One step of such a rule is a linear-threshold Conv, as in
``local_rule``, but the examples only show the first state and the last one. We guess the
states in between: a changed cell changes at the step equal to its distance (through
changed cells, 4- or 8-neighbour) from the nearest unchanged cell of the colour it takes
(or, failing that, any unchanged cell that is not background), so growth proceeds
outwards from the seeds or objects one ring at a time. The rule is
then fitted on every (state, next state) pair plus (output, output), which makes the
output a fixpoint: running more steps than an example needs changes nothing, so the
network runs as many steps as the largest fit grid has cells along a side, or twice the
deepest fit example's when growth winds deeper than that (``run_steps``).

The network crops to the largest fit grid, runs ``steps`` Convs, each thresholded back to
a one-hot (Greater, Cast), and pads the last Conv's scores into ``output``.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from trmgolf.families.contract import Budget, Trait
from trmgolf.families.registry import family
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Value
from trmgolf.solvers.common import checked, pairs, same_shapes
from trmgolf.solvers.local_rule import Stencil, fit_weights
from trmgolf.solvers.planes import crop_input, fit_side
from trmgolf.tasks import GRID, Example

NEIGHBOURS = {
    4: ((-1, 0), (1, 0), (0, -1), (0, 1)),
    8: ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)),
}
MAX_SIDE = 20
MAX_FIT_EXAMPLES = 40  # transitions of this many examples are fitted; the network is checked on all
WORK = 20_000  # work units per task over every variant: the deterministic limit
BUDGET_SECONDS = 40.0  # CPU seconds per task: only a safety net, WORK stops first


def background(data: list[tuple[np.ndarray, np.ndarray]]) -> int:
    """The most common colour of the inputs."""
    return int(np.bincount(np.concatenate([a.ravel() for a, _ in data]), minlength=10).argmax())


def change_steps(a: np.ndarray, o: np.ndarray, bg: int, connectivity: int,
                 same_colour: bool) -> np.ndarray | None:
    """[h, w] step at which each cell takes its output colour (0: never changes), or None when a
    changed cell is not reached through changed cells from an unchanged source: a cell of the
    colour it takes (``same_colour``: spreading colour), else any unchanged non-background cell
    (rings grown around objects)."""
    changed = a != o
    steps = np.where(changed, -1, 0)
    sources = ~changed & (a != bg)
    queue = deque(zip(*np.nonzero(sources), strict=True))
    h, w = a.shape
    while queue:
        r, c = queue.popleft()
        for dr, dc in NEIGHBOURS[connectivity]:
            nr, nc = r + dr, c + dc
            if not (0 <= nr < h and 0 <= nc < w) or steps[nr, nc] != -1:
                continue
            if same_colour and o[nr, nc] != o[r, c]:
                continue
            steps[nr, nc] = steps[r, c] + 1
            queue.append((nr, nc))
    return None if (steps < 0).any() else steps


def transitions(data: list[tuple[np.ndarray, np.ndarray]], bg: int, connectivity: int,
                same_colour: bool) -> tuple[list[Example], int] | None:
    """The guessed (state, next state) pairs, the fixpoint pairs, and the deepest step."""
    out: list[Example] = []
    deepest = 0
    for a, o in data:
        steps = change_steps(a, o, bg, connectivity, same_colour)
        if steps is None:
            return None
        depth = int(steps.max())
        deepest = max(deepest, depth)
        state = a
        for t in range(1, depth + 1):
            nxt = np.where((steps > 0) & (steps <= t), o, a)
            out.append(Example(state.tolist(), nxt.tolist()))
            state = nxt
        out.append(Example(o.tolist(), o.tolist()))
    return out, deepest


def run_steps(side: int, deepest: int) -> int:
    """How many steps the network runs. Growth that never needs more steps than the grid has
    cells along a side is straight (rings, lines): ``side`` steps reach every cell. Deeper growth
    winds (a flood through a maze), and an unseen grid may wind further: twice the deepest."""
    return side if deepest < side else 2 * deepest


def iterated_graph(weights: np.ndarray, bias: np.ndarray, st: Stencil, side: int, steps: int) -> Graph:
    b = Builder()
    x: Value = crop_input(b, side)
    w, bb = b.const(weights), b.const(bias)
    zero = b.const(np.zeros(1, np.float32))
    for i in range(steps):
        score = b.op("conv2d", x, w, bb, pads=st.pads)
        if i == steps - 1:
            x = score
        else:
            x = b.op("cast", b.op("greater", score, zero), to="float32")
    if side < GRID:
        x = b.op("pad", x, pads=(0, 0, 0, 0, 0, 0, GRID - side, GRID - side))
    return b.finish(x)


def fit_iterated(examples: list[Example], connectivity: int, same_colour: bool,
                 budget: Budget) -> Graph | None:
    """Fit one step on the transitions of 3/4 of the examples, keep it only if the iterated
    network is exact on the last quarter, then refit on all (subsampled) examples."""
    data = pairs(examples)
    bg = background(data)
    side = fit_side(examples)
    found = transitions(data, bg, connectivity, same_colour)
    if found is None or found[1] < 2:  # one step: a plain local rule
        return None
    steps = run_steps(side, found[1])
    st = Stencil.square(3)
    cut = len(examples) - len(examples) // 4
    parts = [(examples[:cut], examples[cut:])] if cut < len(examples) else []
    parts.append((examples, examples))
    for fit_on, check_on in parts:
        trans = transitions(pairs(fit_on[:MAX_FIT_EXAMPLES]), bg, connectivity, same_colour)
        if trans is None or budget():
            return None
        fitted = fit_weights(trans[0], st, budget)
        if fitted is None:
            return None
        graph = checked(iterated_graph(*fitted, st, side, steps), check_on)
        if graph is None:
            return None
    return graph


@family("grow_rule", kind="solver", group="local_rule", tier=290, traits={Trait.LOCAL_RULE})
def grow_rule(examples: list[Example]) -> Graph | None:
    """Same-size tasks whose output is a 3 x 3 rule's fixpoint, reached from the input by growth
    outwards from the objects (rings, creeping lines, spreading colour that stops at walls)."""
    if not examples or not same_shapes(examples):
        return None
    data = pairs(examples)
    if max(max(a.shape) for a, _ in data) > MAX_SIDE or all(np.array_equal(a, o) for a, o in data):
        return None
    budget = Budget(WORK, BUDGET_SECONDS)
    for same_colour in (True, False):
        for connectivity in (4, 8):
            graph = fit_iterated(examples, connectivity, same_colour, budget)
            if graph is not None:
                return graph
    return None
