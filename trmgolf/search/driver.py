"""The search loop: candidates of every family, cheapest first, within a work budget.

Each family is a lazy stream of ``families.contract.Step``: networks in order of their cost
estimate (params + bytes of intermediate tensors), with markers that say what cost it
is about to work on. The loop merges the streams without running a family further than
needed (a transpose that fits means no Conv is fitted), drops anything not cheaper than
the network to beat, and re-checks each graph with the IR interpreter (float32) on every
fit example. The held-out gate is the caller's: it verifies what comes out under onnxruntime.

The search stops on a deterministic work budget (``Budget``): every step pulled from a
family costs one unit and families charge their expensive fits on top, so the same task
gives the same candidates however loaded the machine is. A limit in CPU seconds of this
process stays as a safety net (CPU time, not wall time: other processes on a shared machine
do not cut the search short); on a pathological task where it fires first, the result can
still depend on the machine's speed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from trmgolf.families.contract import Budget, Candidate, Family, Step, exact, fit_data
from trmgolf.families.registry import families
from trmgolf.tasks import Example

#: Work units per task by default (see ``Budget``): enough for every movement and pooling
#: candidate and the Conv shapes up to a few hundred params on a typical task.
DEFAULT_WORK = 20_000
#: CPU seconds after which the search pulls no new step, whatever the work budget: the safety
#: net only. A step already running (an LP fit, the worker's compile and gate of a candidate)
#: finishes first: up to 6.4 s over in the 2026-12-03 full run, so 50 keeps a task's whole
#: search within the minute.
DEFAULT_BUDGET_S = 50.0



def search_families() -> list[Family]:
    """The search families in their declared order (ties in cost go to the earlier one);
    importing ``trmgolf.search`` registers them."""
    return families("search")


class Stream:
    """One family's steps, advanced only as far as a caller's bound requires."""

    def __init__(self, steps: Iterator[Step], budget: Budget) -> None:
        self.steps = steps
        self.budget = budget
        self.level = 0  # the family works on networks of at least this cost next
        self.ready: Candidate | None = None
        self.done = False

    def peek_below(self, limit: float) -> Candidate | None:
        """The family's next network if it costs less than ``limit``, else None."""
        while self.ready is None and not self.done and self.level < limit and not self.budget():
            step = next(self.steps, None)
            self.budget.spend(1)
            if step is None:
                self.done = True
            else:
                self.level = step.cost
                if isinstance(step, Candidate):
                    self.ready = step
        return self.ready if self.ready is not None and self.ready.cost < limit else None


def search(examples: list[Example], work: int = DEFAULT_WORK, below: int | None = None,
           budget_s: float = DEFAULT_BUDGET_S) -> Iterator[Candidate]:
    """Candidates exact on ``examples``, in order of cost (ties: family order), each costing
    less than ``below`` when given; stops after ``work`` units (see ``Budget``) or, as a
    safety net only, ``budget_s`` seconds."""
    if not examples or work <= 0 or budget_s <= 0:
        return
    budget = Budget(work, budget_s)
    data = fit_data(examples)
    streams = [Stream(family.fit(data, budget), budget) for family in search_families()]
    while not budget():
        best: tuple[Stream, Candidate] | None = None
        for stream in streams:
            limit = best[1].cost if best else (below if below is not None else math.inf)
            found = stream.peek_below(limit)
            if found is not None:
                best = (stream, found)
        if best is None:
            return
        stream, found = best
        stream.ready = None
        if exact(found.graph, data):
            yield found
