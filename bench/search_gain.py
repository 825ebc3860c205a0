"""Points before and after the structure search, per family, on tasks a solver passes.

For each task: ``solve_job`` with the search off, then on (same routing: every solver);
prints per family the points before/after, which candidate shapes won, and the
distribution of search seconds (the second run's time minus the solvers' own).

    python -m bench.search_gain --tasks 1,56,130 [--search-work 20000] [--jobs 2] [--json out.json]

With ``--baseline scores.csv`` (a ``trmgolf solve`` run's table) the solvers are not run
again: "before" is the table's network, and only the search runs, below its cost, as the
solve worker runs it (fit split, compile_graph, every example under onnxruntime).

    python -m bench.search_gain --tasks 32,78 --baseline /work/runs/solve400/scores.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def run_task(args: tuple[str, float, int]) -> dict | None:
    path, search_s, search_work = args
    from trmgolf.submission.registry import load_solvers
    from trmgolf.submission.results import SEARCH_PREFIX
    from trmgolf.submission.worker import Job, solve_job

    solvers = load_solvers()
    route = {"solvers": list(solvers)}
    with tempfile.TemporaryDirectory() as out:
        before = solve_job(Job(path, out, route, threads_check=False), solvers)
        if not before.solved:
            return None
        t0 = time.perf_counter()
        after = solve_job(Job(path, out, route, threads_check=False, search_s=search_s,
                                 search_work=search_work), solvers)
        total = time.perf_counter() - t0
    solver_s = sum(a.seconds for a in after.attempts if not a.solver.startswith(SEARCH_PREFIX))
    return {"task": after.task, "family": before.family, "before": before.points, "after": after.points,
            "winner": after.solver, "heldout_passed": after.heldout_passed,
            "search_s": round(max(total - solver_s, 0.0), 2)}


def search_task(args: tuple[str, float, int, dict]) -> dict | None:
    """The search alone, below the baseline row's cost; the first candidate exact on every
    example wins (the worker's held-out gate)."""
    path, search_s, search_work, row = args
    from trmgolf.compiler.driver import compile_graph
    from trmgolf.scoring.answers import verify
    from trmgolf.search import search
    from trmgolf.submission.split import split_task
    from trmgolf.tasks import load_task_file

    split = split_task(load_task_file(path))
    # a row without a network (an unsolved task): any exact candidate counts
    before = float(row.get("points") or 0.0)
    cost = int(row["cost"]) if row.get("cost") else None
    t0 = time.perf_counter()
    after, winner, heldout = before, row.get("solver") or "-", True
    for found in search(list(split.fit), search_work, below=cost, budget_s=search_s):
        result = verify(compile_graph(found.graph).data, split.task, threads_check=False)
        if result.points is not None and result.points > before:
            after, winner = result.points, "search:" + found.label
            break
        heldout = False
    return {"task": row["task"], "family": row.get("family", ""), "before": before, "after": after,
            "winner": winner, "heldout_passed": heldout,
            "search_s": round(time.perf_counter() - t0, 2)}


def _baseline_rows(path: str) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {r["task"]: r for r in csv.DictReader(f) if r["solved"] == "True"}


def main(argv: list[str] | None = None) -> int:
    from trmgolf.tasks import parse_task_range, resolve_task_path

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", required=True)
    ap.add_argument("--data")
    ap.add_argument("--search", type=float, default=120.0, help="wall-clock safety net, seconds")
    ap.add_argument("--search-work", type=int, default=20_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", default="")
    ap.add_argument("--baseline", default="", help="scores.csv of a solve run: search only, below it")
    ns = ap.parse_args(argv)
    paths = [resolve_task_path(n, ns.data) for n in parse_task_range(ns.tasks)]
    if ns.baseline:
        base = _baseline_rows(ns.baseline)
        work, jobs = search_task, [(str(p), ns.search, ns.search_work, base[p.stem])
                                   for p in paths if p.stem in base]
    else:
        work, jobs = run_task, [(str(p), ns.search, ns.search_work) for p in paths]
    with ProcessPoolExecutor(max_workers=ns.jobs) as pool:
        rows = [r for r in pool.map(work, jobs, chunksize=1) if r is not None]
    fam: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    wins: dict[str, int] = defaultdict(int)
    for r in rows:
        f = fam[r["family"]]
        f[0] += 1
        f[1] += r["before"]
        f[2] += r["after"]
        if r["winner"].startswith("search:"):
            wins[r["winner"].split(":", 1)[1]] += 1
    print(f"{'family':<14} {'tasks':>5} {'before':>9} {'after':>9}")
    for name in sorted(fam):
        n, b, a = fam[name]
        print(f"{name:<14} {n:>5} {b:>9.2f} {a:>9.2f}")
    print(f"{'TOTAL':<14} {len(rows):>5} {sum(r['before'] for r in rows):>9.2f} "
          f"{sum(r['after'] for r in rows):>9.2f}")
    print("winning shapes:", ", ".join(f"{k} x{v}" for k, v in sorted(wins.items())) or "none")
    secs = sorted(r["search_s"] for r in rows)
    if secs:
        print(f"search seconds: median {secs[len(secs) // 2]:.1f}, max {secs[-1]:.1f}")
    worse = [r["task"] for r in rows if r["after"] < r["before"] - 1e-9]
    print("tasks scoring less than before:", ", ".join(worse) or "none")
    if ns.json:
        Path(ns.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
