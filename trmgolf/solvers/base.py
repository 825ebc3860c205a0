"""The solver interface: recognise an ARC rule from examples and write it as IR.

A solver's ``build`` sees only the examples it may fit on; it returns ``None`` when
its family of rules does not explain them, else a NeuroGolf graph (input and output
float32 [1,10,30,30]) that the compiler then optimises, emits and verifies. A solver
never claims a task itself: the caller keeps a network only after it passes every
example of the task under onnxruntime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from trmgolf.ir.graph import Graph
from trmgolf.tasks import Example

Build = Callable[[list[Example]], Graph | None]


@dataclass(frozen=True)
class Solver:
    name: str  # unique, e.g. "flip_horizontal" or "local_rule"
    family: str  # for score tables: "identity", "color_map", "dihedral", ...
    build: Build
    doc: str = ""


SOLVERS: dict[str, Solver] = {}


def solver(name: str, family: str) -> Callable[[Build], Build]:
    """Register ``build`` as solver ``name`` of ``family``; order of registration = default order."""

    def wrap(fn: Build) -> Build:
        if name in SOLVERS:
            raise ValueError(f"solver {name!r} registered twice")
        SOLVERS[name] = Solver(name, family, fn, (fn.__doc__ or "").strip())
        return fn

    return wrap
