"""One `trmgolf solve` run per solver family: tasks recognised, kept, and their points.

Issue 12 asks for this table. A family recognises a task when one of its solvers fits the
fit examples, whether or not its network passes the held-out gate (a task can be recognised
by several families). It keeps the task when its network is the one written, including a
cheaper network the structure search found from its proof. Reads ``RUN/results/*.json`` for
what each solver recognised, and the kept networks' points through the one score reader
(:func:`trmgolf.submission.score_tables.read_scores`).

    python bench/family_report.py RUN
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from trmgolf.submission.score_tables import read_scores

FITTED = ("passed", "heldout_fail")  # attempt outcomes of a solver whose rule fitted
NOT_SOLVERS = ("search:", "trm")  # attempts that are not an analytical solver's own


def tally(run: Path) -> tuple[dict[str, set[str]], dict[str, list[float]]]:
    recognised: dict[str, set[str]] = defaultdict(set)
    kept: dict[str, list[float]] = defaultdict(list)
    for path in sorted((run / "results").glob("*.json")):
        result = json.loads(path.read_text())
        for attempt in result["attempts"]:
            if attempt["outcome"] in FITTED and not attempt["solver"].startswith(NOT_SOLVERS):
                recognised[attempt["family"]].add(result["task"])
    for row in read_scores(run).rows.values():
        if row.solved:
            kept[row.family].append(row.points)
    return recognised, kept


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a `trmgolf solve -o` folder")
    args = ap.parse_args(argv)
    if not (args.run / "results").is_dir():
        ap.error(f"{args.run} has no results/ folder: not a `trmgolf solve` output")
    recognised, kept = tally(args.run)
    rows = sorted(set(recognised) | set(kept), key=lambda f: (-sum(kept.get(f, [])), f))
    print(f"{'family':14s} {'recognised':>10s} {'kept':>5s} {'points':>9s}")
    for family in rows:
        pts = kept.get(family, [])
        print(f"{family:14s} {len(recognised.get(family, ())):10d} {len(pts):5d} {sum(pts):9.2f}")
    total = [p for pts in kept.values() for p in pts]
    print(f"{'total':14s} {'':10s} {len(total):5d} {sum(total):9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
