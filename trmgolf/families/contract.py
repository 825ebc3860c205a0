"""The one contract every rule family keeps, analytical solver and structure search alike.

A family is declared once (``registry.family``): its name, its ``tier`` (the declared order
of trial: lower first), the task traits it suits (data the router scores, never words in its
name) and a fit. The fit reads a task's fit examples (``FitData``) within a deterministic
work ``Budget`` and yields ``Step``s: a ``Candidate`` (an estimated cost, a label, a graph
exact on the examples it was fitted on) or a ``Level`` (the cost it starts working on next,
so a caller that needs nothing that costly stops there without paying for the fit).
Candidates come cheapest first. ``exact`` (the interpreter's check on every fit example)
and ``estimated_cost`` exist here and nowhere else.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from trmgolf.ir.graph import Graph
from trmgolf.ir.interp import run
from trmgolf.tasks import COLORS, GRID, Example, grid_to_onehot


class Trait(StrEnum):
    """What a task looks like when a family suits it (``router.features`` tells which hold)."""

    IDENTITY = "identity"  # the output is the input
    CONSTANT_OUTPUT = "constant_output"  # every output is the same grid
    COLOR_MAP = "color_map"  # one colour substitution maps every input to its output
    DIHEDRAL = "dihedral"  # a flip, rotation or transpose
    TILES_INPUT = "tiles_input"  # the output tiles (possibly flipped) copies of the input
    SCALE = "scale"  # the output is the input scaled up or down
    SCALE_DOWN = "scale_down"  # the output is the input pooled down
    OUT_IS_SUBGRID = "out_is_subgrid"  # the output is a crop of the input
    MOVES = "moves"  # same shape and colour counts: cells slide, shift or fall
    BACKGROUND_FILL = "background_fill"  # only background cells change (fills, lines, rays)
    SYMMETRY = "symmetry"  # a masked or broken symmetry is completed
    PERIODIC = "periodic"  # a masked periodic pattern is repaired
    OBJECTS = "objects"  # reasons about connected objects of the input
    INDEX_MAP = "index_map"  # cells moved without looking at them (flips, tilings, crops...)
    PARTS = "parts"  # the output overlays equal parts of the input
    STATISTICS = "statistics"  # drawn from whole-grid counts of colours
    LOCAL_RULE = "local_rule"  # each output cell from a neighbourhood of the input
    FIXED_INPUT_SIZE = "fixed_input_size"  # bakes in the one input size of its fit examples


@dataclass(frozen=True)
class Candidate:
    """A network a family fitted: ``cost`` is its estimated memory + params (what the grader's
    score takes the log of), ``label`` names it in results (``conv3x3/g1``)."""

    cost: int
    label: str
    graph: Graph


@dataclass(frozen=True)
class Level:
    """The family is about to work on networks of at least ``cost``."""

    cost: int


Step = Candidate | Level


class FitData:
    """``x``: inputs as uint8 [N,10,30,30]; ``y``: expected outputs as bool [N,10,30,30];
    ``examples``: the same examples as grids (what the analytical solvers read).

    Built from examples (``fit_data``), the one-hot arrays are made on first use: the worker
    hands every solver its examples this way, and solvers read only the grids."""

    def __init__(self, x: np.ndarray | None = None, y: np.ndarray | None = None,
                 examples: tuple[Example, ...] = ()) -> None:
        if (x is None) != (y is None) or (x is None and not examples):
            raise ValueError("FitData needs both arrays, or examples to make them from")
        self._x, self._y, self.examples = x, y, tuple(examples)

    @property
    def x(self) -> np.ndarray:
        return self._arrays()[0]

    @property
    def y(self) -> np.ndarray:
        return self._arrays()[1]

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._x is None:
            self._x, self._y = _onehot_arrays(self.examples)
        return self._x, self._y

    @property
    def count(self) -> int:
        return int(self.x.shape[0])

    def head(self, n: int) -> FitData:
        """The first ``n`` examples (cheap pre-checks before a fit on all of them)."""
        return FitData(self.x[:n], self.y[:n], self.examples[:n])


def _onehot_arrays(examples: tuple[Example, ...]) -> tuple[np.ndarray, np.ndarray]:
    xs = [grid_to_onehot(e.input)[0] > 0 for e in examples]
    ys = [grid_to_onehot(e.output)[0] > 0 for e in examples]
    return np.stack(xs).astype(np.uint8), np.stack(ys)


def fit_data(examples: list[Example] | tuple[Example, ...]) -> FitData:
    if not examples:
        empty = np.zeros((0, COLORS, GRID, GRID), dtype=np.uint8)
        return FitData(empty, empty.astype(bool), ())
    return FitData(examples=tuple(examples))


class Budget:
    """A fit's work budget: deterministic units of work, plus a limit in CPU seconds of this
    process from its creation that is only a safety net.

    A unit is about one cheap fit check over the fit examples: the search driver spends one
    per step it pulls from a family, and families spend more for their costly work (an LP
    solve, a batch of numpy pair checks). Calling the budget says whether it is exhausted.
    """

    def __init__(self, work: int, seconds: float) -> None:
        self.left = work
        # CPU seconds of this process from now: other load on the machine does not cut it short
        self.deadline = time.process_time() + seconds
        self.late = False

    def spend(self, units: int) -> None:
        self.left -= units

    def __call__(self) -> bool:
        return self.left <= 0 or self.overtime()

    def overtime(self) -> bool:
        """Past the CPU deadline (the safety net), whatever work is left. Every check reads the
        clock (under a microsecond): reading it only every 16th check let a run of LP fits
        overshoot the net by 17 s."""
        if not self.late:
            self.late = time.process_time() > self.deadline
        return self.late


def exact(graph: Graph, data: FitData) -> bool:
    """Whether the IR interpreter (float32) gives exactly the expected cells on every fit
    example: the output thresholds to the expected one-hot tensor over all 9,000 values."""
    for x, y in zip(data.x, data.y, strict=True):
        out = run(graph, x[None].astype(np.float32))
        if out.shape != (1, *y.shape) or not np.array_equal(out[0] > 0, y):
            return False
    return True


def estimated_cost(graph: Graph) -> int:
    """Memory + params of a graph as emitted (final node free; shape operands of pads count)."""
    total = 0
    for node in graph.nodes:
        for value in node.outputs:  # a Split has several
            if node.op == "constant":
                total += value.type.numel
            elif value is not graph.output:
                total += value.type.nbytes
        if node.op == "pad":
            total += 8
    return total


#: A family's fit: the task's fit examples and a work budget in, candidates cheapest first out.
Fit = Callable[[FitData, Budget], Iterator[Step]]
#: An analytical solver's build: a graph exact on every example, or None (see ``solver_fit``).
Build = Callable[[list[Example]], Graph | None]

KINDS = ("solver", "search")


@dataclass(frozen=True)
class Family:
    """A family as declared: ``kind`` says who tries it (``solver``: the worker, in route order;
    ``search``: the search driver, merged by cost), ``tier`` the declared order of trial inside
    its kind, ``group`` its family label in score tables."""

    name: str
    kind: str
    tier: int
    traits: frozenset[Trait]
    fit: Fit
    group: str
    doc: str = ""


def solver_fit(name: str, build: Build) -> Fit:
    """A solver's build as a fit: its one graph as a candidate labelled ``name``."""

    def fit(data: FitData, budget: Budget) -> Iterator[Step]:
        graph = build(list(data.examples))
        if graph is not None:
            yield Candidate(estimated_cost(graph), name, graph)

    return fit


def first_graph(family: Family, examples: list[Example], budget: Budget | None = None) -> Graph | None:
    """The family's first candidate's graph on ``examples``, or None (how the worker asks a
    solver for its network)."""
    for step in family.fit(fit_data(examples), budget or Budget(1, float("inf"))):
        if isinstance(step, Candidate):
            return step.graph
    return None
