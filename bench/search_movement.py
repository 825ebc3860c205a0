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
import time
from pathlib import Path

ROI_TASKS = (307, 223, 140, 87)


def run_task(number: int, cost_before: int | None, work: int) -> dict:
    from trmgolf.compiler.driver import compile_graph
    from trmgolf.scoring.answers import verify
    from trmgolf.search import search
    from trmgolf.submission.split import split_task
    from trmgolf.tasks import load_task_file, resolve_task_path

    split = split_task(load_task_file(resolve_task_path(number, None)), 0.5)
    t0 = time.perf_counter()
    row: dict = {"task": number, "before_cost": cost_before, "winner": None, "points": None}
    for found in search(list(split.fit), work, below=cost_before):
        result = verify(compile_graph(found.graph).data, split.task, threads_check=False)
        if result.points is not None:
            row.update(winner=found.label, cost=result.cost.total() if result.cost else None,
                       points=round(result.points, 4))
            break
        row.setdefault("rejected", []).append(found.label)
    row["seconds"] = round(time.perf_counter() - t0, 2)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", default="")
    ap.add_argument("--scores", default="/work/runs/solve400/scores.csv")
    ap.add_argument("--work", type=int, default=20_000)
    ap.add_argument("--json", default="")
    ns = ap.parse_args(argv)
    before: dict[int, tuple[int, float, str]] = {}
    if Path(ns.scores).exists():
        with open(ns.scores) as f:
            for r in csv.DictReader(f):
                if r["solved"] == "True":
                    before[int(r["task"][4:])] = (int(r["cost"]), float(r["points"]), r["family"])
    if ns.tasks:
        tasks = [int(t) for t in ns.tasks.split(",")]
    else:
        tasks = sorted(set(ROI_TASKS) | {n for n, b in before.items() if b[2] == "geometry"})
    rows = []
    for n in tasks:
        cost, pts, _ = before.get(n, (None, None, ""))
        row = run_task(n, cost, ns.work)
        row["before_points"] = pts
        rows.append(row)
        print(f"task{n:03d} before {pts} -> {row['points']} {row['winner'] or '-'} ({row['seconds']}s)",
              flush=True)
    gain = sum(r["points"] - r["before_points"] for r in rows if r["points"] and r["before_points"])
    print(f"{sum(1 for r in rows if r['winner'])} of {len(rows)} tasks improved, +{gain:.2f} points")
    if ns.json:
        Path(ns.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
