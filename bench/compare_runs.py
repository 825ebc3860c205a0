"""Two runs side by side: per family, the tasks the first run solved, their points before and
after, the tasks that got worse, and what the second run adds.

Each run is anything :func:`trmgolf.submission.score_tables.read_scores` reads: a `solve`
folder or its ``scores.csv``, an `optimize` ``OUT.work/scores.csv``, the table of `cost` or
`merge`, or a submission (zip or folder of networks, scored on the task files). The family of
a task is the ``family`` column of the first run, the vocabulary of ``scores.csv``: the family
of the solver that proved the rule, also when the structure search found the kept network
(``search_found``), so a search result in either run counts for the family whose rule it
computes; a table without that column falls back on its source. The winners are the second
run's sources. This is how issues 12 and 13 measure progress: the first run is an older
build's ``scores.csv``, the second today's.

    python bench/compare_runs.py BEFORE/scores.csv AFTER/scores.csv [--worse-only] [--data DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from trmgolf.errors import UserError
from trmgolf.submission.score_tables import ScoreRow, ScoreTable, read_scores


def points(row: ScoreRow | None) -> float:
    return row.points if row is not None and row.solved else 0.0


def base_family(row: ScoreRow) -> str:
    """The rule's family as ``scores.csv`` records it; a table without that column falls back on
    the source (without a search label's shape: ``search:conv3x3/g1`` -> ``search``)."""
    return row.family or (row.source or "?").split(":")[0]


def report(a: ScoreTable, b: ScoreTable, worse_only: bool) -> None:
    ra, rb = a.rows, b.rows
    solved_a = sorted(t for t, r in ra.items() if r.solved)
    fams: dict[str, list[str]] = defaultdict(list)
    for t in solved_a:
        fams[base_family(ra[t])].append(t)
    worse = [t for t in solved_a if points(rb.get(t)) < points(ra[t]) - 1e-9]
    if not worse_only:
        head = f"{'family (first run)':<22}{'tasks':>6}{'before':>11}{'after':>11}{'gain':>9}"
        print(head + "  winners (after)")
        for fam in sorted(fams, key=lambda f: -len(fams[f])):
            ts = fams[fam]
            pa, pb = sum(points(ra[t]) for t in ts), sum(points(rb.get(t)) for t in ts)
            winners: dict[str, int] = defaultdict(int)
            for t in ts:
                if t in rb and rb[t].solved:
                    winners[rb[t].source or "?"] += 1
            ranked = sorted(winners.items(), key=lambda kv: (-kv[1], kv[0]))
            top = ", ".join(f"{k} {v}" for k, v in ranked[:4])
            print(f"{fam:<22}{len(ts):>6}{pa:>11.2f}{pb:>11.2f}{pb - pa:>+9.2f}  {top}")
        pa = sum(points(ra[t]) for t in solved_a)
        pb = sum(points(rb.get(t)) for t in solved_a)
        print(f"{'all':<22}{len(solved_a):>6}{pa:>11.2f}{pb:>11.2f}{pb - pa:>+9.2f}")
        new = sorted(t for t, r in rb.items() if r.solved and t not in solved_a)
        print(f"\nsolved by the second run only: {len(new)} tasks, "
              f"{sum(points(rb[t]) for t in new):.2f} points")
        print(f"totals: first run {a.solved} tasks {a.points:.2f} pts; "
              f"second run {b.solved} tasks {b.points:.2f} pts")
    print(f"\nworse in the second run: {len(worse)}")
    for t in worse:
        after = rb[t].source if t in rb else "missing"
        print(f"  {t}: {points(ra[t]):.3f} ({ra[t].source}) -> {points(rb.get(t)):.3f} ({after})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--worse-only", action="store_true", help="Only list the tasks that got worse.")
    ap.add_argument("--data", help="Task files, to score a run given as a submission (zip or folder).")
    args = ap.parse_args(argv)
    try:
        a, b = read_scores(args.before, args.data), read_scores(args.after, args.data)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    report(a, b, args.worse_only)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
