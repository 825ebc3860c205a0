"""Two `trmgolf solve` runs side by side: per family, the tasks the first run solved,
their points before and after, the tasks that got worse, and what the second run adds.

The family of a task is the ``family`` column of the first run, the vocabulary of
``scores.csv``: the family of the solver that proved the rule, also when the structure
search found the kept network (``search_found``), so a search result in either run counts
for the family whose rule it computes. The winners are the second run's solvers. This is
how issues 12 and 13 measure progress: the first run is an older build's ``scores.csv``,
the second today's.

    python bench/compare_runs.py BEFORE/scores.csv AFTER/scores.csv [--worse-only]
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path


def load(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="") as f:
        return {row["task"]: row for row in csv.DictReader(f)}


def points(row: dict[str, str] | None) -> float:
    return float(row["points"]) if row and row.get("solved") == "True" else 0.0


def base_family(row: dict[str, str]) -> str:
    """The rule's family as ``scores.csv`` records it; a table without that column falls back on
    the solver (without a search label's shape: ``search:conv3x3/g1`` -> ``search``)."""
    return row.get("family") or row["solver"].split(":")[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--worse-only", action="store_true", help="Only list the tasks that got worse.")
    args = ap.parse_args(argv)
    a, b = load(args.before), load(args.after)
    solved_a = sorted(t for t, r in a.items() if r.get("solved") == "True")
    fams: dict[str, list[str]] = defaultdict(list)
    for t in solved_a:
        fams[base_family(a[t])].append(t)
    worse = [t for t in solved_a if points(b.get(t)) < points(a[t]) - 1e-9]
    if not args.worse_only:
        head = f"{'family (first run)':<22}{'tasks':>6}{'before':>11}{'after':>11}{'gain':>9}"
        print(head + "  winners (after)")
        for fam in sorted(fams, key=lambda f: -len(fams[f])):
            ts = fams[fam]
            pa, pb = sum(points(a[t]) for t in ts), sum(points(b.get(t)) for t in ts)
            winners = defaultdict(int)
            for t in ts:
                if t in b and b[t].get("solved") == "True":
                    winners[b[t]["solver"]] += 1
            ranked = sorted(winners.items(), key=lambda kv: (-kv[1], kv[0]))
            top = ", ".join(f"{k} {v}" for k, v in ranked[:4])
            print(f"{fam:<22}{len(ts):>6}{pa:>11.2f}{pb:>11.2f}{pb - pa:>+9.2f}  {top}")
        pa = sum(points(a[t]) for t in solved_a)
        pb = sum(points(b.get(t)) for t in solved_a)
        print(f"{'all':<22}{len(solved_a):>6}{pa:>11.2f}{pb:>11.2f}{pb - pa:>+9.2f}")
        new = sorted(t for t, r in b.items() if r.get("solved") == "True" and t not in solved_a)
        print(f"\nsolved by the second run only: {len(new)} tasks, "
              f"{sum(points(b[t]) for t in new):.2f} points")
        solved_b = [t for t, r in b.items() if r.get("solved") == "True"]
        print(f"totals: first run {len(solved_a)} tasks {sum(points(a[t]) for t in solved_a):.2f} pts; "
              f"second run {len(solved_b)} tasks {sum(points(b[t]) for t in solved_b):.2f} pts")
    print(f"\nworse in the second run: {len(worse)}")
    for t in worse:
        print(f"  {t}: {points(a[t]):.3f} ({a[t]['solver']}) -> {points(b.get(t)):.3f} "
              f"({b[t]['solver'] if t in b else 'missing'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
