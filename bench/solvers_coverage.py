"""Coverage of the analytical solvers over the NeuroGolf tasks, under the grader's rules.

For each task every solver is fitted on ``train`` + the first half of ``arc-gen``
(the generalisation gate); its graph is optimised, emitted, validated and run in
onnxruntime on EVERY example (train, test, arc-gen) with the official cost. A task
counts for a family when one of its solvers passes all examples; the task's points
are those of its cheapest passing network.

    python bench/solvers_coverage.py [--data DIR] [--tasks 1-400]
        [--solvers a,b] [--jobs 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def fit_split(task) -> list:
    """The examples a solver may see: train + the first half of arc-gen."""
    gen = task.splits.get("arc-gen", [])
    return list(task.splits.get("train", [])) + list(gen[: len(gen) // 2])


def run_task(args: tuple[str, int, list[str] | None]) -> dict:
    data, num, names = args
    from trmgolf.compiler.driver import compile_graph
    from trmgolf.scoring.answers import verify
    from trmgolf.solvers import SOLVERS
    from trmgolf.tasks import load_task

    task = load_task(num, data)
    fit = fit_split(task)
    rows = []
    for name, s in SOLVERS.items():
        if names and name not in names:
            continue
        t0 = time.monotonic()
        try:
            graph = s.build(fit)
        except Exception as e:  # noqa: BLE001 - a crashing solver is reported, not fatal
            rows.append({"solver": name, "family": s.family, "status": f"error: {e!r}"[:200]})
            continue
        fit_s = time.monotonic() - t0
        if graph is None:
            if fit_s > 2:
                rows.append({"solver": name, "family": s.family, "status": "no", "fit_s": fit_s})
            continue
        model = compile_graph(graph).model
        result = verify(model, task, threads_check=False)
        rows.append({
            "solver": name, "family": s.family, "fit_s": round(fit_s, 2),
            "status": "pass" if result.points is not None else
            ("invalid: " + result.validity.line() if not result.validity.valid else "fail"),
            "points": result.points,
            "memory": result.cost.memory if result.cost else None,
            "params": result.cost.params if result.cost else None,
        })
    return {"task": task.name, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    from trmgolf.tasks import parse_task_range

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="task folder (default: $TRMGOLF_DATA or ../shared/data/neurogolf)")
    ap.add_argument("--tasks", default="1-400")
    ap.add_argument("--solvers", default="")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", default="")
    ns = ap.parse_args(argv)
    from trmgolf.demo import task_folder

    ns.data = str(task_folder(ns.data) or ns.data)
    if not Path(ns.data).is_dir():
        print(f"no data folder {ns.data}", file=sys.stderr)
        return 2
    names = [n for n in ns.solvers.split(",") if n] or None
    jobs = [(ns.data, n, names) for n in parse_task_range(ns.tasks)]
    t0 = time.monotonic()
    with ProcessPoolExecutor(max_workers=ns.jobs) as pool:
        results = list(pool.map(run_task, jobs, chunksize=1))

    family_tasks: dict[str, set[str]] = defaultdict(set)
    solver_tasks: dict[str, int] = defaultdict(int)
    fitted_failed: dict[str, int] = defaultdict(int)
    best: dict[str, tuple[float, str]] = {}
    for res in results:
        for row in res["rows"]:
            if row["status"] == "pass":
                family_tasks[row["family"]].add(res["task"])
                solver_tasks[row["solver"]] += 1
                if res["task"] not in best or row["points"] > best[res["task"]][0]:
                    best[res["task"]] = (row["points"], row["family"])
            elif row["status"] != "no":
                fitted_failed[row["solver"]] += 1
    family_points: dict[str, float] = defaultdict(float)
    family_best: dict[str, int] = defaultdict(int)
    for pts, fam in best.values():
        family_points[fam] += pts
        family_best[fam] += 1
    print(f"{'family':<12} {'solved':>6} {'best-of':>7} {'points':>9}")
    for fam in sorted(family_tasks):
        print(f"{fam:<12} {len(family_tasks[fam]):>6} {family_best[fam]:>7} {family_points[fam]:>9.1f}")
    print(f"{'TOTAL':<12} {len(best):>6} {len(best):>7} {sum(p for p, _ in best.values()):>9.1f}")
    print("per solver (pass / fitted but failed the held-out examples):")
    for name in sorted(set(solver_tasks) | set(fitted_failed)):
        print(f"  {name:<16} {solver_tasks[name]:>4} / {fitted_failed[name]}")
    print(f"{len(jobs)} tasks in {time.monotonic() - t0:.0f}s")
    if ns.json:
        Path(ns.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
