"""Measure the router: first-choice accuracy and the solver/training time it saves.

Phase 1 tries every solver on every task (``trmgolf solve`` in exhaustive mode,
resumable, in ``--work``), which records per task and solver whether it passed, its
cost and its build + verify seconds. Phase 2 replays those records in each
ordering: the heuristic router's (or the LLM router's, from its cache / endpoint),
and the plain registration order as the no-router baseline.

    python bench/router_eval.py --tasks 1-400 --work /tmp/router-eval --jobs 2

Reported per ordering:
- first choice = kept: the routed first solver is the one the exhaustive run kept
  (the cheapest passing network); first choice passes: it passes at all.
- first-success time: seconds spent until the first passing solver (all solvers for
  unsolved tasks), against the exhaustive time; and the points that mode keeps.
- top-k: seconds, tasks and points kept when only the first k routed solvers run.
- TRM training: tasks flagged worth training, and how many of the analytically
  unsolved tasks are among them; the saving assumes ``--train-minutes`` per task.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from trmgolf.router import make_router  # noqa: E402
from trmgolf.router.base import Route  # noqa: E402
from trmgolf.submission.registry import load_solvers  # noqa: E402
from trmgolf.submission.results import TaskResult, load_result  # noqa: E402
from trmgolf.submission.runner import SolveOptions, route_tasks, run_solve, task_paths  # noqa: E402
from trmgolf.tasks import parse_task_range  # noqa: E402

PASS = ("passed", "thread_mismatch")


def replay(results: dict[int, TaskResult], routes: dict[int, tuple[str, ...]], ks: list[int]) -> dict:
    """Evaluate one ordering against the exhaustive attempts."""
    solved = {n: r for n, r in results.items() if r.solved}
    out: dict = {"tasks": len(results), "solved": len(solved)}
    out["first_choice_kept"] = sum(1 for n, r in solved.items() if routes[n][0] == r.solver)
    out["first_choice_passes"] = sum(
        1 for n, r in solved.items()
        if any(a.solver == routes[n][0] and a.outcome in PASS for a in r.attempts)
    )
    total = first = first_points = 0.0
    top = {k: {"seconds": 0.0, "solved": 0, "points": 0.0} for k in ks}
    for n, r in results.items():
        by = {a.solver: a for a in r.attempts}
        order = [s for s in routes[n] if s in by]
        total += sum(a.seconds for a in r.attempts)
        for s in order:
            first += by[s].seconds
            if by[s].outcome in PASS:
                first_points += by[s].points or 0.0
                break
        for k in ks:
            chosen = [by[s] for s in order[:k]]
            top[k]["seconds"] += sum(a.seconds for a in chosen)
            passing = [a for a in chosen if a.outcome in PASS]
            if passing:
                top[k]["solved"] += 1
                top[k]["points"] += max(a.points or 0.0 for a in passing)
    out["exhaustive_seconds"] = round(total, 1)
    out["exhaustive_points"] = round(sum(r.points for r in solved.values()), 2)
    out["first_success_seconds"] = round(first, 1)
    out["first_success_points"] = round(first_points, 2)
    out["first_success_saving"] = round(1 - first / total, 3) if total else 0.0
    out["top_k"] = {k: {"seconds": round(v["seconds"], 1), "solved": v["solved"],
                        "points": round(v["points"], 2),
                        "saving": round(1 - v["seconds"] / total, 3) if total else 0.0}
                    for k, v in top.items()}
    return out


def trm_report(results: dict[int, TaskResult], routes: dict[int, Route], minutes: float) -> dict:
    flagged = {n for n, r in routes.items() if r.train_trm}
    unsolved = {n for n, r in results.items() if not r.solved}
    return {
        "flagged": len(flagged),
        "unsolved": len(unsolved),
        "unsolved_flagged": len(unsolved & flagged),
        "solved_flagged": len(flagged - unsolved),
        "training_hours_all_tasks": round(len(results) * minutes / 60, 1),
        "training_hours_flagged": round(len(flagged) * minutes / 60, 1),
        "training_hours_unsolved_only": round(len(unsolved) * minutes / 60, 1),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", default="1-400")
    p.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "neurogolf"))
    p.add_argument("--work", default="/tmp/trmgolf-router-eval", help="exhaustive run (resumable)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("--routers", default="heuristic", help="comma list: heuristic,llm")
    p.add_argument("--top-k", default="1,2,3")
    p.add_argument("--train-minutes", type=float, default=30.0,
                   help="assumed TRM training minutes per task (for the saving estimate)")
    p.add_argument("--json", help="write the report here too")
    p.add_argument("--no-run", action="store_true", help="only evaluate the results already in --work")
    args = p.parse_args()

    numbers = parse_task_range(args.tasks)
    t0 = time.time()
    solvers = load_solvers()
    if args.no_run:  # evaluate what an earlier (maybe unfinished) run left
        loaded = {n: load_result(Path(args.work), n) for n in numbers}
        results = {n: r for n, r in loaded.items() if r is not None}
        numbers = sorted(results)
    else:
        outcome = run_solve(
            SolveOptions(numbers, Path(args.work), args.data, "heuristic", jobs=args.jobs, mode="all",
                         timeout_s=args.timeout, progress=sys.stderr.isatty()),
            print, lambda m: print(f"warning: {m}", file=sys.stderr),
        )
        results = {n: outcome.results[n] for n in numbers}
    paths = task_paths(numbers, args.data)
    ks = [int(k) for k in args.top_k.split(",") if k]
    report: dict = {"solvers": list(solvers), "exhaustive_wall_seconds": round(time.time() - t0, 1)}
    names = list(solvers)
    report["registration_order"] = replay(results, {n: tuple(names) for n in numbers}, ks)
    for kind in [r for r in args.routers.split(",") if r]:
        router = make_router(kind, warn=lambda m: print(f"warning: {m}", file=sys.stderr))
        t1 = time.time()
        routes = route_tasks(router, paths, list(solvers.values()))
        entry = replay(results, {n: r.solvers for n, r in routes.items()}, ks)
        entry["routing_seconds"] = round(time.time() - t1, 1)
        entry["trm"] = trm_report(results, routes, args.train_minutes)
        report[kind] = entry
    text = json.dumps(report, indent=1)
    print(text)
    for kind in ["registration_order", *[r for r in args.routers.split(",") if r]]:
        e = report[kind]
        tops = ", ".join(f"top-{k}: {v['solved']} solved, {v['points']} pts, saves {v['saving']:.0%}"
                         for k, v in e["top_k"].items())
        print(f"{kind}: first choice kept {e['first_choice_kept']}/{e['solved']} "
              f"(passes {e['first_choice_passes']}); first-success {e['first_success_seconds']} s vs "
              f"exhaustive {e['exhaustive_seconds']} s (saves {e['first_success_saving']:.0%}, "
              f"{e['first_success_points']}/{e['exhaustive_points']} pts); {tops}")
    if args.json:
        Path(args.json).write_text(text)


if __name__ == "__main__":
    main()
