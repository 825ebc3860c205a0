"""The fit examples as dense arrays, the form every candidate family fits on."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from trmgolf.ir.graph import Graph
from trmgolf.tasks import Example, grid_to_onehot

#: What a candidate family yields: ``(cost, (label, graph))`` for a network exact on the
#: fit examples, or ``(cost, None)`` before starting on networks of ``cost`` or more, so a
#: caller that needs nothing that costly can stop there without paying for the fit. The cost
#: is the network's estimated memory + params: its constants' element count plus the bytes
#: of its intermediate tensors (0 for one node writing ``output``).
Step = tuple[int, tuple[str, Graph] | None]


@dataclass(frozen=True)
class FitData:
    """``x``: inputs as uint8 [N,10,30,30]; ``y``: expected outputs as bool [N,10,30,30]."""

    x: np.ndarray
    y: np.ndarray

    @property
    def count(self) -> int:
        return int(self.x.shape[0])

    def head(self, n: int) -> FitData:
        """The first ``n`` examples (cheap pre-checks before a fit on all of them)."""
        return FitData(self.x[:n], self.y[:n])


def fit_data(examples: list[Example]) -> FitData:
    xs = [grid_to_onehot(e.input)[0] > 0 for e in examples]
    ys = [grid_to_onehot(e.output)[0] > 0 for e in examples]
    return FitData(np.stack(xs).astype(np.uint8), np.stack(ys))


class Budget:
    """The search's work budget: deterministic units of work, plus a deadline in CPU seconds
    of this process that is only a safety net.

    A unit is about one cheap fit check over the fit examples: the driver spends one per step
    it pulls from a family, and families spend more for their costly work (an LP solve, a
    batch of numpy pair checks). Calling the budget says whether it is exhausted, so a family
    can use it as its ``expired()``.
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
