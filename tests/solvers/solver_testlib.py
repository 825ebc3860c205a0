"""Shared helpers of the solver tests: synthetic tasks, the onnxruntime check, real tasks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from task_data import neurogolf_dir

from trmgolf.compiler.driver import compile_graph
from trmgolf.ir.graph import Graph
from trmgolf.scoring.answers import run_examples
from trmgolf.tasks import Example, Task, grid_to_onehot, load_task

DATA = neurogolf_dir() or Path("absent")


def random_grids(n: int, seed: int, lo: int = 3, hi: int = 9, colors: int = 10) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, colors, size=(int(rng.integers(lo, hi + 1)), int(rng.integers(lo, hi + 1))))
            for _ in range(n)]


def make_examples(grids: list[np.ndarray], rule) -> list[Example]:
    return [Example(g.tolist(), np.asarray(rule(g)).tolist()) for g in grids]


def ort_exact(graph: Graph, examples: list[Example]) -> bool:
    """Optimise, emit and run under onnxruntime with the scorer's settings; exact on all?"""
    model = compile_graph(graph).model
    outs = run_examples(model, [grid_to_onehot(e.input) for e in examples])
    return all(np.array_equal(o > 0, grid_to_onehot(e.output) > 0)
               for o, e in zip(outs, examples, strict=True))


def real_task(num: int) -> tuple[Task, list[Example], list[Example]]:
    """A NeuroGolf task split as the gate splits it: (task, fit examples, held-out examples)."""
    if not (DATA / f"task{num:03d}.json").is_file():
        pytest.skip("NeuroGolf data not present")
    task = load_task(DATA / f"task{num:03d}.json")
    gen = task.splits.get("arc-gen", [])
    fit = task.splits["train"] + gen[: len(gen) // 2]
    rest = task.splits.get("test", []) + gen[len(gen) // 2:]
    return task, fit, rest


def assert_solves_real_task(solver: str, num: int, held: int | None = 30) -> None:
    """``solver`` fits real task ``num`` on the fit examples and is exact (reference
    interpreter) on its first ``held`` held-out examples (None: all of them)."""
    from trmgolf.solvers import SOLVERS, check

    _, fit, rest = real_task(num)
    graph = SOLVERS[solver].build(fit)
    assert graph is not None, f"{solver} does not fit task{num:03d}"
    assert check(graph, rest[:held]), f"{solver} fits task{num:03d} but fails its held-out examples"
