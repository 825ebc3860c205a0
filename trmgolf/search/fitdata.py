"""The fit examples as dense arrays, the form every candidate family fits on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trmgolf.ir.graph import Graph
from trmgolf.tasks import Example, grid_to_onehot

#: What a candidate family yields: ``(params, (label, graph))`` for a network exact on the
#: fit examples, or ``(params, None)`` before starting on networks of ``params`` or more,
#: so a caller that needs nothing that large can stop there without paying for the fit.
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
