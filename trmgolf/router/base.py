"""What every router returns, and the one interface both routers share.

A router only orders work: the solve loop still builds, verifies and keeps a
network on its own evidence, so a wrong route costs time, never correctness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from trmgolf.solvers.base import Solver
from trmgolf.tasks import Task


@dataclass(frozen=True)
class Route:
    """Solvers to try, best first, and whether the task is worth TRM training.

    ``source`` says who decided: ``heuristic``, ``llm``, ``cache`` (an LLM answer read
    from disk) or ``fallback`` (the LLM failed and the heuristic answered).
    """

    solvers: tuple[str, ...]
    train_trm: bool
    source: str
    category: str = ""
    reason: str = ""
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def first(self) -> str | None:
        return self.solvers[0] if self.solvers else None

    def to_dict(self) -> dict:
        return {
            "solvers": list(self.solvers),
            "train_trm": self.train_trm,
            "source": self.source,
            "category": self.category,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Route:
        return cls(
            tuple(d.get("solvers", ())),
            bool(d.get("train_trm", False)),
            str(d.get("source", "")),
            str(d.get("category", "")),
            str(d.get("reason", "")),
        )


class Router(Protocol):
    """``route`` orders ``solvers`` (every one of them, most promising first) for ``task``."""

    name: str

    def route(self, task: Task, solvers: Sequence[Solver]) -> Route: ...


def complete(order: Sequence[str], rest: Sequence[str]) -> tuple[str, ...]:
    """``order`` (unknown and repeated names dropped) followed by the rest of ``rest`` in order.

    Routers always return every solver so that a top-k cut or an exhaustive run can
    use the same ordering.
    """
    known = set(rest)
    out: list[str] = []
    for name in order:
        if name in known and name not in out:
            out.append(name)
    out += [name for name in rest if name not in out]
    return tuple(out)
