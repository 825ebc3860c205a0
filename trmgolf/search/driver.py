"""The search loop: candidates of every family, cheapest first, within a work budget.

Each family is a lazy stream of ``families.contract.Step``: networks in order of their cost
estimate (params + bytes of intermediate tensors), with markers that say what cost it
is about to work on. The one merge (``families.merge``, which also orders the analytical
solvers in ``solve``) runs no family further than needed (a transpose that fits means no
Conv is fitted), drops anything not cheaper than the network to beat, and re-checks each
graph with the IR interpreter (float32) on every fit example. The held-out gate is the
caller's: it verifies what comes out under onnxruntime.

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

from trmgolf.families.contract import Candidate, Family, fit_data
from trmgolf.families.merge import Entry, Merge
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


def search(examples: list[Example], work: int = DEFAULT_WORK, below: int | None = None,
           budget_s: float = DEFAULT_BUDGET_S) -> Iterator[Candidate]:
    """Candidates exact on ``examples``, in order of cost (ties: family order), each costing
    less than ``below`` when given; stops after ``work`` units (see ``Budget``) or, as a
    safety net only, ``budget_s`` seconds. The search families alone through the one merge
    (``families.merge``); a family that raises ends the search with its exception."""
    if not examples or work <= 0 or budget_s <= 0:
        return
    merge = Merge(fit_data(examples), [Entry.of(f) for f in search_families()], search_work=work,
                  search_s=budget_s, bound=math.inf if below is None else below, rule_proven=True)
    for offer in merge:
        if offer.error is not None:
            raise offer.error
        if offer.candidate is not None:
            yield offer.candidate
