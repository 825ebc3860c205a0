"""Fake solvers and a synthetic task folder for the solve tests (real graphs, tiny tasks)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import trmgolf.solvers  # noqa: F401 - register the real solvers before tests swap the table
from trmgolf.families.contract import Trait
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph
from trmgolf.solvers import base
from trmgolf.solvers.base import Solver
from trmgolf.tasks import Example

BUILDS: list[str] = []  # solver names, one per build call (inline runs only)


def identity_graph() -> Graph:
    b = Builder()
    return b.finish(b.op("mul", b.input, 1.0))


def perm_conv_graph(perm: dict[int, int]) -> Graph:
    """A 1x1 conv sending colour c to perm.get(c, c): 100 params."""
    w = np.zeros((10, 10, 1, 1), np.float32)
    for c in range(10):
        w[perm.get(c, c), c, 0, 0] = 1.0
    b = Builder()
    return b.finish(b.op("conv2d", b.input, b.const(w)))


def _counted(name: str, fn):
    def build(fit: list[Example]) -> Graph | None:
        BUILDS.append(name)
        return fn(fit)

    return build


def _is_identity(fit: list[Example]) -> bool:
    return all(e.input == e.output for e in fit)


def _swap(fit: list[Example]) -> bool:
    m = {1: 2, 2: 1}
    return all([[m.get(v, v) for v in row] for row in e.input] == e.output for e in fit)


def _boom(fit: list[Example]) -> Graph | None:
    raise RuntimeError("solver bug")


FAKES = {
    "local_conv": ("local_rule", lambda fit: perm_conv_graph({}) if _is_identity(fit) else None),
    "identity": ("identity", lambda fit: identity_graph() if _is_identity(fit) else None),
    "color_swap": ("color_map", lambda fit: perm_conv_graph({1: 2, 2: 1}) if _swap(fit) else None),
    "broken": ("broken", _boom),
}
#: What each fake declares to the router (``broken`` none: a neutral score, as a hand-built
#: ``Solver`` may have; registration refuses a family without traits).
TRAITS = {"local_conv": {Trait.LOCAL_RULE}, "identity": {Trait.IDENTITY}, "color_swap": {Trait.COLOR_MAP},
          "broken": set()}


def install(monkeypatch, names: tuple[str, ...] = tuple(FAKES)) -> dict[str, Solver]:
    table = {n: Solver(n, FAKES[n][0], _counted(n, FAKES[n][1]), traits=frozenset(TRAITS[n]))
             for n in names}
    monkeypatch.setattr(base, "SOLVERS", table)
    BUILDS.clear()
    return table


def grid(seed: int, h: int = 3, w: int = 4, colors: tuple[int, ...] = (0, 1, 2, 3)) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return rng.choice(colors, size=(h, w)).tolist()


def pair(g: list[list[int]], out: list[list[int]] | None = None) -> dict:
    return {"input": g, "output": out if out is not None else g}


def swapped(g: list[list[int]]) -> list[list[int]]:
    return [[{1: 2, 2: 1}.get(v, v) for v in row] for row in g]


def write_tasks(folder: Path) -> Path:
    """task001: identity. task002: swap colours 1 and 2. task003: identity on the fit half, but
    the held-out arc-gen half adds one to every cell (only an overfit network passes the fit)."""
    folder.mkdir(parents=True, exist_ok=True)
    ident = {
        "train": [pair(grid(i)) for i in range(3)],
        "test": [pair(grid(10))],
        "arc-gen": [pair(grid(20 + i)) for i in range(6)],
    }
    swap = {
        "train": [pair(grid(i), swapped(grid(i))) for i in range(3)],
        "test": [pair(grid(10), swapped(grid(10)))],
        "arc-gen": [pair(grid(20 + i), swapped(grid(20 + i))) for i in range(6)],
    }
    plus = [[v + 1 for v in row] for row in grid(40)]
    trap = {
        "train": [pair(grid(i)) for i in range(3)],
        "test": [pair(grid(10))],
        "arc-gen": [pair(grid(30)), pair(grid(31)), pair(grid(40), plus), pair(grid(41))],
    }
    for n, task in enumerate((ident, swap, trap), start=1):
        (folder / f"task{n:03d}.json").write_text(json.dumps(task))
    return folder
