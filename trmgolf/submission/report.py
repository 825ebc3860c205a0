"""The score table: one row per task (CSV + JSON) and a printed summary of the run."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from trmgolf.submission.results import SEARCH_PREFIX, STAGES, TaskResult, write_atomic

COLUMNS = (
    "task", "solved", "solver", "family", "memory", "params", "cost", "points",
    "train_passed", "train_total", "test_passed", "test_total", "arcgen_passed", "arcgen_total",
    "fit_examples", "heldout_examples", "heldout_passed",
    "route_source", "route_first", "first_choice_kept", "train_trm", "tried", "seconds",
    "timed_out", "note", "trm_config", "trm_train_s", "search_s", "search_found",
    *(f"{stage}_s" for stage in STAGES),
)
BINS = ((1.0, 5.0), (5.0, 10.0), (10.0, 15.0), (15.0, 20.0), (20.0, 25.01))


def row(r: TaskResult) -> dict:
    """The table row of one task (pass counts are of the kept network; empty when unsolved)."""
    s = r.splits
    tried = [a for a in r.attempts if a.outcome != "skipped"]
    first = (r.route.get("solvers") or [None])[0]
    note = r.error or ("timed out" if r.timed_out else "")
    if not r.solved and not note and tried:
        outcomes = sorted({a.outcome for a in tried})
        note = "tried: " + ",".join(outcomes)
    return {
        "task": r.task,
        "solved": r.solved,
        "solver": r.solver or "",
        "family": r.family or "",
        "memory": r.memory,
        "params": r.params,
        "cost": r.cost,
        "points": round(r.points, 4),
        "train_passed": s.get("train", [None, None])[0],
        "train_total": s.get("train", [None, None])[1],
        "test_passed": s.get("test", [None, None])[0],
        "test_total": s.get("test", [None, None])[1],
        "arcgen_passed": s.get("arc-gen", [None, None])[0],
        "arcgen_total": s.get("arc-gen", [None, None])[1],
        "fit_examples": r.fit_examples,
        "heldout_examples": r.heldout_examples,
        "heldout_passed": r.heldout_passed,
        "route_source": r.route.get("source", ""),
        "route_first": first or "",
        "first_choice_kept": bool(r.solved and first == r.solver),
        "train_trm": bool(r.route.get("train_trm", False)),
        "tried": len(tried),
        "seconds": round(r.seconds, 3),
        "timed_out": r.timed_out,
        "note": note,
        "trm_config": r.trm_config or "",
        "trm_train_s": None if r.trm_train_s is None else round(r.trm_train_s, 1),
        "search_s": None if r.search_s is None else round(r.search_s, 2),
        # family: the rule's family (the solver that proved it); this: the search found the network
        "search_found": bool(r.solved and (r.solver or "").startswith(SEARCH_PREFIX)),
    } | {f"{stage}_s": r.stages.get(stage) for stage in STAGES}


def _bin(points: float) -> str:
    for lo, hi in BINS:
        if lo <= points < hi:
            return f"{lo:g}-{min(hi, 25.0):g}"
    return "0"


def summary(results: Iterable[TaskResult]) -> dict:
    """Totals: tasks solved, points (overall, per family, per solver), their distribution,
    held-out passes of the kept networks and how often the router's first choice was kept."""
    results = list(results)
    solved = [r for r in results if r.solved]
    total = sum(r.points for r in solved)
    fam: dict[str, dict] = {}
    sol: dict[str, dict] = {}
    for r in solved:
        for table, key in ((fam, r.family or "?"), (sol, r.solver or "?")):
            e = table.setdefault(key, {"tasks": 0, "points": 0.0})
            e["tasks"] += 1
            e["points"] = round(e["points"] + r.points, 4)
    dist = {"0": len(results) - len(solved)} | {f"{lo:g}-{min(hi, 25.0):g}": 0 for lo, hi in BINS}
    for r in solved:
        dist[_bin(r.points)] += 1
    return {
        "tasks": len(results),
        "solved": len(solved),
        "points": round(total, 4),
        "points_per_solved": round(total / len(solved), 4) if solved else 0.0,
        "per_family": dict(sorted(fam.items(), key=lambda kv: -kv[1]["points"])),
        "per_solver": dict(sorted(sol.items(), key=lambda kv: -kv[1]["points"])),
        "distribution": dist,
        "heldout": {
            "kept": len(solved),
            "pass_heldout": sum(1 for r in solved if r.heldout_passed),
            "no_heldout_examples": sum(1 for r in solved if not r.heldout_examples),
        },
        "first_choice_kept": sum(1 for r in solved if row(r)["first_choice_kept"]),
        "timed_out": sum(1 for r in results if r.timed_out),
        "errors": sum(1 for r in results if r.error),
        "seconds": round(sum(r.seconds for r in results), 2),
        "search_s": search_distribution(results),
        "stages": {stage: round(sum(r.stages.get(stage, 0.0) for r in results), 1) for stage in STAGES},
    }


def search_distribution(results: Iterable[TaskResult]) -> dict:
    """CPU seconds of structure search per task that ran it: median, 90th percentile, max."""
    times = sorted(r.search_s for r in results if r.search_s is not None)
    if not times:
        return {"tasks": 0}

    def at(q: float) -> float:
        return round(times[min(len(times) - 1, int(q * len(times)))], 2)

    return {"tasks": len(times), "median": at(0.5), "p90": at(0.9), "max": round(times[-1], 2),
            "over_60s": sum(1 for t in times if t > 60.0)}


def write_tables(out: Path, results: list[TaskResult]) -> dict:
    """Write ``scores.csv`` and ``scores.json`` atomically; return the summary."""
    rows = [row(r) for r in sorted(results, key=lambda r: r.number)]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(out / "scores.csv", buf.getvalue().encode())
    s = summary(results)
    text = json.dumps({"summary": s, "tasks": rows}, indent=1)
    write_atomic(out / "scores.json", text.encode())
    return s


def task_list_lines(results: Iterable[TaskResult], width: int = 100) -> list[str]:
    """Every task in a few lines, for a terminal whose progress bar replaced the line per task:
    ``task001 25.00 identity``, ``task003 -`` (not solved), side by side up to ``width``."""
    cells = [f"{r.task} {r.points:.2f} {r.solver}" if r.solved else f"{r.task} -"
             for r in sorted(results, key=lambda r: r.number)]
    cell = max((len(c) for c in cells), default=0) + 3
    per_line = max(1, width // cell) if cell else 1
    return ["".join(c.ljust(cell) for c in cells[i:i + per_line]).rstrip()
            for i in range(0, len(cells), per_line)]


def summary_lines(s: dict) -> list[str]:
    lines = [
        f"solved {s['solved']}/{s['tasks']} tasks, {s['points']:.2f} points "
        f"({s['points_per_solved']:.2f} per solved task)",
        f"kept networks passing examples they were not fitted on: "
        f"{s['heldout']['pass_heldout']}/{s['heldout']['kept']}",
    ]
    if s["per_family"]:
        fams = ", ".join(f"{k} {v['tasks']} ({v['points']:.1f} pts)" for k, v in s["per_family"].items())
        lines.append(f"per family: {fams}")
    lines.append("points: " + " | ".join(f"{k}: {v}" for k, v in s["distribution"].items()))
    lines.append(f"router's first choice kept: {s['first_choice_kept']}/{s['solved']}")
    d = s.get("search_s", {})
    if d.get("tasks"):
        lines.append(f"structure search, CPU per task ({d['tasks']} tasks): median {d['median']:.1f}s, "
                     f"90% {d['p90']:.1f}s, max {d['max']:.1f}s, over a minute: {d['over_60s']}")
    st = s.get("stages", {})
    if any(st.values()):
        names = {"solver_fit": "solver fits", "search_fit": "search fits", "compile": "compiles",
                 "gate": "gates", "trm": "TRM training", "other": "other"}
        lines.append("time by stage (task-seconds): " + ", ".join(
            f"{names[k]} {v:.0f}" for k, v in st.items() if k in names))
    extra = [f"{s[k]} {k.replace('_', ' ')}" for k in ("timed_out", "errors") if s[k]]
    if extra:
        lines.append("; ".join(extra))
    return lines
