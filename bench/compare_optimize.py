"""Two `trmgolf optimize --json` runs over the same submission, task by task: the points of
each kept network (0 where it does not solve its task), the tasks that gained, and every
task that lost, with its costs. This is how a new rule or lowering shows it gains and
loses nothing: the first run is built from clean main, the second from the change.

    PYTHONPATH=/work/base trmgolf optimize SUB -o base.zip --json > base.json
    trmgolf optimize SUB -o new.zip --json > new.json
    python bench/compare_optimize.py base.json new.json [--top N]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def load(path: Path) -> dict[str, dict]:
    """The task rows of one ``optimize --json`` report, by task name."""
    try:
        return {row["task"]: row for row in json.loads(path.read_text())["tasks"]}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"{path}: not an `optimize --json` report ({e})") from None


def points(row: dict | None) -> float:
    return float(row["after_points"]) if row and row.get("solves") else 0.0


def cost(row: dict) -> str:
    return f"{row['after_memory']:,} B + {row['after_params']:,}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--top", type=int, default=20, help="Gaining tasks to list, largest first (0: all).")
    args = ap.parse_args(argv)
    a, b = load(args.before), load(args.after)
    tasks = sorted(set(a) | set(b))
    deltas = {t: points(b.get(t)) - points(a.get(t)) for t in tasks}
    gained = sorted((t for t in tasks if deltas[t] > 1e-9), key=lambda t: (-deltas[t], t))
    lost = [t for t in tasks if deltas[t] < -1e-9]
    total_a, total_b = sum(points(a.get(t)) for t in tasks), sum(points(b.get(t)) for t in tasks)
    print(f"{len(tasks)} tasks: {total_a:.4f} -> {total_b:.4f} points ({total_b - total_a:+.4f}); "
          f"solving {sum(bool(r.get('solves')) for r in a.values())} -> "
          f"{sum(bool(r.get('solves')) for r in b.values())}")
    print(f"gained: {len(gained)} tasks, {sum(deltas[t] for t in gained):+.4f} points")
    for t in gained[:args.top or None]:
        print(f"  {t}: {cost(a[t])} -> {cost(b[t])} ({deltas[t]:+.4f})")
    if args.top and len(gained) > args.top:
        print(f"  ... {len(gained) - args.top} more (--top 0 lists all)")
    print(f"lost: {len(lost)} tasks")
    for t in lost:
        before = cost(a[t]) if t in a else "missing"
        after = f"{cost(b[t])} ({b[t].get('why', '')})" if t in b else "missing"
        print(f"  {t}: {before} -> {after} ({deltas[t]:+.4f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
