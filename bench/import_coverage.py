"""Import coverage over a folder of networks that trmgolf may not have written.

For each ``taskNNN.onnx``: import it, emit it again with no passes (at the target's
opset, or at its own when a carried node needs that), check the result under the
grader's rules, and run both networks on the task's examples under the grader's
runtime settings: the network round-trips when the thresholded answers (``> 0``)
agree on every example. Per ONNX op type it reports in how many networks the op is
modelled in the IR, carried as ``onnx_node``, or met in a network that failed to import.

    python -m bench.import_coverage DIR [--data DIR] [--max-ex 20] [--tasks 1-400] [--json out.json]

The networks are read in place; nothing is copied.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path


def default_data() -> Path:
    """$TRMGOLF_DATA, else the nearest ``shared/data/neurogolf`` above the checkout."""
    if os.environ.get("TRMGOLF_DATA"):
        return Path(os.environ["TRMGOLF_DATA"])
    here = Path(__file__).resolve()
    for parent in here.parents[1:]:
        if (parent / "shared" / "data" / "neurogolf").is_dir():
            return parent / "shared" / "data" / "neurogolf"
    return here.parents[2] / "shared" / "data" / "neurogolf"


def _task_range(spec: str) -> set[int]:
    out: set[int] = set()
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def check_network(path: Path, data: Path, max_ex: int | None) -> dict:
    """One row: the op types and how each imported, whether the round trip is exact, why not."""
    import numpy as np
    import onnx

    from trmgolf.compiler.importer import import_model
    from trmgolf.compiler.optimize import reemit
    from trmgolf.errors import UserError
    from trmgolf.scoring.answers import run_examples, task_examples
    from trmgolf.scoring.official import measure
    from trmgolf.scoring.validity import validate
    from trmgolf.tasks import grid_to_onehot, load_task

    model = onnx.load(str(path))
    ops = sorted({n.op_type for n in model.graph.node})
    row: dict = {"network": path.name, "ops": ops, "modelled": [], "carried": [], "roundtrip": False}
    try:
        graph = import_model(model)
    except UserError as e:
        return {**row, "stage": "import", "why": str(e)}
    carried = {n.attrs["op_type"] for n in graph.nodes if n.op == "onnx_node"}
    row["carried"] = sorted(carried)
    row["modelled"] = sorted(set(ops) - carried)
    try:
        data_bytes = reemit(graph, model).to_bytes()
    except Exception as e:  # noqa: BLE001 - every failure is reported, one line each
        return {**row, "stage": "emit", "why": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"}
    verdict = validate(data_bytes)
    if not verdict.valid:
        return {**row, "stage": "validity", "why": verdict.line()[:240]}
    task = load_task(int(path.stem[4:]), data)
    examples = task_examples(task)[:max_ex] if max_ex else task_examples(task)
    inputs = [grid_to_onehot(ex.input) for _, _, ex in examples]
    try:
        want = run_examples(model, inputs)
    except RuntimeError as e:
        return {**row, "stage": "original", "why": str(e)[:240]}
    try:
        got = run_examples(data_bytes, inputs)
    except RuntimeError as e:
        return {**row, "stage": "run", "why": str(e)[:240]}
    for (split, i, _), a, b in zip(examples, want, got, strict=True):
        if a.shape != b.shape or not np.array_equal(a > 0, b > 0):
            return {**row, "stage": "answers", "why": f"answers differ on {split}[{i}]"}
    # measured on a real example: some networks divide by zero (SIGFPE) on an all-zero grid
    before = measure(model, inputs[:1])[1]
    after = measure(data_bytes, inputs[:1])[1]
    row.update(roundtrip=True, stage="ok", why="", examples=len(examples),
               before=before.memory + before.params if before else None,
               after=after.memory + after.params if after else None)
    return row


def summarise(rows: list[dict]) -> dict:
    per_op: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        for op in r["ops"]:
            per_op[op]["networks"] += 1
            if r["stage"] == "import":
                per_op[op]["import_failed"] += 1
            elif op in r["carried"]:
                per_op[op]["carried"] += 1
            else:
                per_op[op]["modelled"] += 1
            per_op[op]["roundtrip"] += int(r["roundtrip"])
    stages = Counter(r["stage"] for r in rows)
    exact = [r for r in rows if r["roundtrip"]]
    return {
        "networks": len(rows),
        "imported": len(rows) - stages.get("import", 0),
        "roundtrip_exact": len(exact),
        "stages": dict(stages),
        "cheaper_after_roundtrip": sum(1 for r in exact if r["after"] < r["before"]),
        "costlier_after_roundtrip": sum(1 for r in exact if r["after"] > r["before"]),
        "ops": {op: dict(c) for op, c in sorted(per_op.items())},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--data", type=Path, default=default_data(),
                    help="folder of taskNNN.json files ($TRMGOLF_DATA or ../shared/data/neurogolf)")
    ap.add_argument("--max-ex", type=int, default=None, help="at most this many examples per task")
    ap.add_argument("--tasks", help="e.g. 1-50,77 (default: every taskNNN.onnx in the folder)")
    ap.add_argument("--json", type=Path, help="also write rows and totals as JSON here")
    args = ap.parse_args()
    paths = sorted(args.folder.glob("task[0-9][0-9][0-9].onnx"))
    if args.tasks:
        keep = _task_range(args.tasks)
        paths = [p for p in paths if int(p.stem[4:]) in keep]
    if not paths:
        sys.exit(f"error: no taskNNN.onnx in {args.folder}")
    rows = []
    t0 = time.monotonic()
    for path in paths:
        row = check_network(path, args.data, args.max_ex)
        rows.append(row)
        mark = "ok" if row["roundtrip"] else f"{row['stage']}: {row['why']}"
        print(f"{path.name}  {mark}", flush=True)
    totals = summarise(rows)
    print(f"\n{'op type':<22}{'networks':>9}{'modelled':>9}{'carried':>9}{'failed':>8}{'exact':>7}")
    for op, c in totals["ops"].items():
        print(f"{op:<22}{c.get('networks', 0):>9}{c.get('modelled', 0):>9}{c.get('carried', 0):>9}"
              f"{c.get('import_failed', 0):>8}{c.get('roundtrip', 0):>7}")
    print(f"\n{totals['networks']} networks: {totals['imported']} import, {totals['roundtrip_exact']} "
          f"round-trip exactly; stages {totals['stages']}; after the round trip "
          f"{totals['cheaper_after_roundtrip']} cheaper, {totals['costlier_after_roundtrip']} costlier; "
          f"{time.monotonic() - t0:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"totals": totals, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
