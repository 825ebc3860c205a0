"""What a network costs: totals, the items they sum, and the points they earn.

The pieces live beside this module: :mod:`~trmgolf.scoring.official` measures a model
the way the 2026 grader does (``cost_of_view``, ``measure``), :mod:`~trmgolf.scoring.profile`
runs it under the profiler, :mod:`~trmgolf.scoring.legacy_macs` counts the legacy model's
MACs, and :mod:`~trmgolf.scoring.cost_model` says which total the score uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import onnx

from trmgolf.scoring.cost_model import CostModel, get_cost_model

Shape = tuple[int, ...]


def points(total: int | float) -> float:
    """Points of a network that is exact on every example and costs ``total``."""
    return max(1.0, 25.0 - math.log(max(1.0, float(total))))


def shape_of(vi: onnx.ValueInfoProto) -> Shape:
    """The static shape a (strictly inferred) value_info declares."""
    return tuple(int(d.dim_value) for d in vi.type.tensor_type.shape.dim)


@dataclass(frozen=True)
class TensorCost:
    """One counted tensor; ``name`` is the name in the user's file."""

    name: str
    op_type: str
    dtype: str
    shape: tuple[int, ...]
    bytes: int
    static_bytes: int
    region: str
    dead: bool = False  # computed, and then read by no node and not the output: pure waste


@dataclass(frozen=True)
class ParamCost:
    name: str
    kind: str
    count: int
    region: str
    op_type: str


@dataclass(frozen=True)
class NodeCost:
    name: str
    op_type: str
    region: str
    macs: int


@dataclass
class Cost:
    """Totals and the items they sum; ``macs`` is None unless the legacy model asked for it
    (then every ``NodeCost.macs`` is 0)."""

    memory: int
    params: int
    macs: int | None
    tensors: list[TensorCost] = field(default_factory=list)
    param_items: list[ParamCost] = field(default_factory=list)
    nodes: list[NodeCost] = field(default_factory=list)

    def total(self, cost_model: str | CostModel = "official") -> int:
        return get_cost_model(cost_model).total(self.memory, self.params, self.macs)

    def points(self, cost_model: str | CostModel = "official") -> float:
        return points(self.total(cost_model))
