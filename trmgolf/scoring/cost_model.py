"""Which cost the score is computed from: the 2026 grader's, or the research notes' legacy one.

The official model (since 2026-05-04) counts memory + params; the legacy model adds the MACs
of every node. Code asks the object (``counts_macs``, ``total``) instead of comparing names.
"""

from __future__ import annotations

from dataclasses import dataclass

from trmgolf.errors import UserError


@dataclass(frozen=True)
class CostModel:
    name: str
    counts_macs: bool

    def total(self, memory: int, params: int, macs: int | None = None) -> int:
        return memory + params + ((macs or 0) if self.counts_macs else 0)

    def __str__(self) -> str:
        return self.name


OFFICIAL = CostModel("official", counts_macs=False)
LEGACY = CostModel("legacy", counts_macs=True)
COST_MODELS: dict[str, CostModel] = {m.name: m for m in (OFFICIAL, LEGACY)}


def get_cost_model(model: str | CostModel) -> CostModel:
    """The cost model named ``model`` (a ``CostModel`` is returned as is)."""
    if isinstance(model, CostModel):
        return model
    try:
        return COST_MODELS[model]
    except KeyError:
        raise UserError(f"unknown cost model {model!r} (choices: {', '.join(COST_MODELS)})") from None
