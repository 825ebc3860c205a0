"""The search loop: candidates of every family, cheapest first, within a time bound.

Each family is a lazy stream of ``fitdata.Step``: networks in order of params, with
markers that say what size it is about to work on. The loop merges the streams
without running a family further than needed (a transpose that fits means no Conv is
fitted), drops anything not cheaper than the network to beat, and re-checks each
graph with the IR interpreter (float32) on every fit example. The held-out gate is
the caller's: it verifies what comes out under onnxruntime.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from trmgolf.ir.graph import Graph
from trmgolf.ir.interp import run
from trmgolf.search import conv_lp, movement, upscale
from trmgolf.search.fitdata import FitData, Step, fit_data
from trmgolf.tasks import Example

#: Seconds of search per task by default: the search's own share of the minute per task.
DEFAULT_BUDGET_S = 30.0

Family = Callable[[FitData, Callable[[], bool]], Iterator[Step]]
FAMILIES: list[tuple[str, Family]] = [("movement", movement.candidates), ("conv", conv_lp.candidates),
                                      ("upscale", upscale.candidates)]


@dataclass(frozen=True)
class Found:
    """A candidate network exact on every fit example; ``params`` is its constant count."""

    label: str
    params: int
    graph: Graph


class Stream:
    """One family's steps, advanced only as far as a caller's bound requires."""

    def __init__(self, steps: Iterator[Step]) -> None:
        self.steps = steps
        self.level = 0  # the family works on networks of at least this many params next
        self.ready: Found | None = None
        self.done = False

    def peek_below(self, limit: float) -> Found | None:
        """The family's next network if it has fewer than ``limit`` params, else None."""
        while self.ready is None and not self.done and self.level < limit:
            step = next(self.steps, None)
            if step is None:
                self.done = True
            elif step[1] is None:
                self.level = step[0]
            else:
                self.level = step[0]
                self.ready = Found(step[1][0], step[0], step[1][1])
        return self.ready if self.ready is not None and self.ready.params < limit else None


def exact(graph: Graph, data: FitData) -> bool:
    """Whether the IR interpreter gives exactly the expected cells on every fit example."""
    for x, y in zip(data.x, data.y, strict=True):
        out = run(graph, x[None].astype(np.float32))
        if not np.array_equal(out[0] > 0, y):
            return False
    return True


def search(examples: list[Example], budget_s: float = DEFAULT_BUDGET_S,
           below: int | None = None) -> Iterator[Found]:
    """Candidates exact on ``examples``, in order of params (ties: family order), each with
    fewer than ``below`` params when given; stops when ``budget_s`` seconds have passed."""
    if not examples or budget_s <= 0:
        return
    deadline = time.monotonic() + budget_s

    def expired() -> bool:
        return time.monotonic() > deadline

    data = fit_data(examples)
    streams = [Stream(family(data, expired)) for _, family in FAMILIES]
    while not expired():
        best: tuple[Stream, Found] | None = None
        for stream in streams:
            limit = best[1].params if best else (below if below is not None else math.inf)
            found = stream.peek_below(limit)
            if found is not None:
                best = (stream, found)
        if best is None:
            return
        stream, found = best
        stream.ready = None
        if exact(found.graph, data):
            yield found
