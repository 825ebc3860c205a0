"""Two submissions (or score tables) task by task: who earns more, and what the better of the
two per task would add. The rows come from :func:`trmgolf.submission.score_tables.read_scores`."""

from __future__ import annotations

from trmgolf.submission.score_tables import ScoreRow, ScoreTable

STATUSES = ("better", "worse", "same", "only in a", "only in b")
SAME = 5e-4 + 1e-9  # points closer than this are the same: solve's scores.csv rounds to 3 decimals


def status(a: ScoreRow | None, b: ScoreRow | None) -> str:
    """``b`` against ``a``: better, worse, same, or only in one of them. Two solved networks
    whose costs are both known are compared by cost (memory + params), which no table rounds;
    otherwise by points, as closely as the tables' rounding allows."""
    if a is None:
        return "only in b"
    if b is None:
        return "only in a"
    costs = [r.cost if r.solved else None for r in (a, b)]
    if costs[0] is not None and costs[1] is not None:
        return "same" if costs[0] == costs[1] else "better" if costs[1] < costs[0] else "worse"
    if abs(b.points - a.points) <= SAME:
        return "same"
    return "better" if b.points > a.points else "worse"


def compare(a: ScoreTable, b: ScoreTable) -> dict:
    """Per task the points of each, ``b - a`` and the status; totals, counts per status, and the
    points of keeping the better network of the two for every task."""
    rows = []
    for task in sorted(set(a.rows) | set(b.rows)):
        ra, rb = a.rows.get(task), b.rows.get(task)
        pa = None if ra is None else ra.points
        pb = None if rb is None else rb.points
        rows.append({"task": task, "a": pa, "b": pb, "delta": round((pb or 0.0) - (pa or 0.0), 4),
                     "status": status(ra, rb), "source_a": ra.source if ra else "",
                     "source_b": rb.source if rb else ""})
    best = round(sum(max(r["a"] or 0.0, r["b"] or 0.0) for r in rows), 4)
    return {
        "a": {"path": a.path, "kind": a.kind, "tasks": len(a.rows), "solved": a.solved,
              "points": a.points, "note": a.note},
        "b": {"path": b.path, "kind": b.kind, "tasks": len(b.rows), "solved": b.solved,
              "points": b.points, "note": b.note},
        "counts": {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES},
        "best_of_both": {"points": best, "gain_over_a": round(best - a.points, 4),
                         "gain_over_b": round(best - b.points, 4)},
        "tasks": rows,
    }
