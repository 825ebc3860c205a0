"""The einsum family alone, per task: its cheapest network exact on every example vs a run's.

For each task: fit on the solve split's fit examples, compile each candidate (cheapest first)
with compile_graph and verify it on every example under onnxruntime; the first that passes is
the family's network. Prints its points next to the points of a previous run's scores.csv.

    python -m bench.search_einsum --tasks 380,211,142 [--scores /work/runs/solve400/scores.csv]
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time

#: geometry_fixed tasks whose public networks are one Einsum over 0/1 routes (issue 13)
DEFAULT_TASKS = "380,211,142,83,152,87,140,223,116,164,172,210,311,53"
MAX_TRIED = 6  # candidates compiled and verified per task at most


def best_candidate(number: int, budget_s: float) -> dict:
    from trmgolf.compiler.driver import compile_graph
    from trmgolf.families.contract import Budget, Candidate, fit_data
    from trmgolf.scoring.answers import verify
    from trmgolf.search import einsum_fit
    from trmgolf.submission.split import split_task
    from trmgolf.tasks import load_task

    task = load_task(number)
    t0 = time.perf_counter()
    deadline = t0 + budget_s
    data = fit_data(list(split_task(task).fit))
    tried = 0
    for step in einsum_fit.candidates(data, Budget(10**9, budget_s)):
        if not isinstance(step, Candidate):
            continue
        cost, label, graph = step.cost, step.label, step.graph
        result = verify(compile_graph(graph).data, task, threads_check=False)
        tried += 1
        if result.points is not None:
            measured = result.cost.memory + result.cost.params
            return {"label": label, "estimate": cost, "cost": measured, "points": result.points,
                    "tried": tried, "seconds": time.perf_counter() - t0}
        if tried >= MAX_TRIED or time.perf_counter() > deadline:
            break
    return {"label": "-", "estimate": None, "cost": None, "points": None, "tried": tried,
            "seconds": time.perf_counter() - t0}


def _num(v: int | None) -> str:
    return "-" if v is None else str(v)


def read_scores(path: str) -> dict[str, dict]:
    try:
        with open(path, newline="") as f:
            return {row["task"]: row for row in csv.DictReader(f)}
    except OSError:
        return {}


def main(argv: list[str] | None = None) -> int:
    from trmgolf.tasks import parse_task_range

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", default=DEFAULT_TASKS)
    ap.add_argument("--scores", default="/work/runs/solve400/scores.csv")
    ap.add_argument("--budget", type=float, default=20.0, help="seconds per task")
    ns = ap.parse_args(argv)
    scores = read_scores(ns.scores)
    print(f"{'task':<8} {'run':>7} {'einsum':>7} {'gain':>6} {'cost':>6} {'est':>6} {'s':>5}  label")
    total = 0.0
    for number in parse_task_range(ns.tasks):
        name = f"task{number:03d}"
        row = scores.get(name, {})
        before = float(row["points"]) if row.get("points") else 0.0
        r = best_candidate(number, ns.budget)
        after = r["points"]
        gain = max(after - before, 0.0) if after is not None else 0.0
        total += gain
        shown = f"{after:7.3f}" if after is not None else f"{'-':>7}"
        print(f"{name:<8} {before:7.3f} {shown} {gain:6.3f} {_num(r['cost']):>6} {_num(r['estimate']):>6} "
              f"{r['seconds']:5.1f}  {r['label']}")
    print(f"total gain if kept when cheaper: {total:.3f} points")
    return 0 if math.isfinite(total) else 1


if __name__ == "__main__":
    sys.exit(main())
