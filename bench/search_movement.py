"""The structure search alone on fixed-geometry tasks: which candidate wins, and its points.

For each task: the search on the fit examples (train + first half of arc-gen), candidates
cheaper than the last full run's network; the first one is compiled with ``compile_graph``
and verified on every example under onnxruntime (the grader replica). Default tasks: the
four ROI tasks and every task the run solved with family ``geometry``.

    python -m bench.search_movement [--tasks 307,223] [--scores /work/runs/solve400/scores.csv]
        [--work 20000] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROI_TASKS = (307, 223, 140, 87)


def run_task(number: int, row: dict | None, work: int) -> dict:
    """``search_gain.search_task`` on one task, below the run's network when it has one."""
    from bench.search_gain import search_task
    from trmgolf.search.driver import DEFAULT_BUDGET_S
    from trmgolf.tasks import resolve_task_path

    row = row or {"task": f"task{number:03d}"}
    return search_task((str(resolve_task_path(number, None)), DEFAULT_BUDGET_S, work, row))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", default="")
    ap.add_argument("--scores", default="/work/runs/solve400/scores.csv")
    ap.add_argument("--work", type=int, default=20_000)
    ap.add_argument("--json", default="")
    ns = ap.parse_args(argv)
    before: dict[int, dict] = {}
    if Path(ns.scores).exists():
        with open(ns.scores) as f:
            before = {int(r["task"][4:]): r for r in csv.DictReader(f) if r["solved"] == "True"}
    if ns.tasks:
        tasks = [int(t) for t in ns.tasks.split(",")]
    else:
        tasks = sorted(set(ROI_TASKS) | {n for n, r in before.items() if r["family"] == "geometry"})
    rows = []
    for n in tasks:
        row = run_task(n, before.get(n), ns.work)
        rows.append(row)
        print(f"task{n:03d} before {row['before']:.2f} -> {row['after']:.2f} {row['winner']} "
              f"({row['search_s']}s)", flush=True)
    improved = [r for r in rows if r["after"] > r["before"]]
    gain = sum(r["after"] - r["before"] for r in improved)
    print(f"{len(improved)} of {len(rows)} tasks improved, +{gain:.2f} points")
    if ns.json:
        Path(ns.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
