"""What the compiler's own lowering of a public network costs against the network itself:
for every network, the original cost vs ``compile_imported``'s, and the excess grouped by
cause. When the fuzzer (``bench/fuzz_optimize.py``) strips every wrapper off a public core
and still misses, this is the gap it runs into.

    python -m bench.relower_gap [--folder DIR] [--data DIR] [--tasks 1,2,...] [--json OUT] [--top N]

A cause is read off the two networks: ``carried`` when the IR carries an op unmodelled
(``onnx_node``: no rewrite sees it or what follows), else the op types that appear or vanish
and whether the excess is in params (initializers) or memory (activations).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import onnx

BESIDE = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FOLDER = BESIDE / "public_networks" / "minseong"


@dataclass
class Gap:
    task: int
    original: int
    compiled: int
    original_params: int
    compiled_params: int
    carried: int  # onnx_node count in the imported IR
    cause: str
    error: str | None = None

    @property
    def excess(self) -> int:
        return self.compiled - self.original


def op_counts(model: onnx.ModelProto) -> Counter[str]:
    return Counter(n.op_type for n in model.graph.node)


def cause(original: onnx.ModelProto, compiled: onnx.ModelProto, carried: int, d_params: int,
          d_memory: int) -> str:
    """A short label for why ``compiled`` costs more: what was carried, which op types
    changed (+added / -removed), and whether params or memory grew."""
    parts = []
    if carried:
        parts.append("carried")
    a, b = op_counts(original), op_counts(compiled)
    ops = sorted([f"+{op}" for op in b - a] + [f"-{op}" for op in a - b])
    if ops:
        parts.append(" ".join(ops))
    grew = [w for w, d in (("params", d_params), ("memory", d_memory)) if d > 0]
    parts.append("/".join(grew) or "none")
    return "; ".join(parts)


def measure_one(task: int, folder: Path, data: str | None) -> Gap:
    from trmgolf.compiler.optimize import compile_imported, imported
    from trmgolf.scoring.official import measure
    from trmgolf.tasks import grid_to_onehot, load_task

    model = onnx.load(str(folder / f"task{task:03d}.onnx"))
    inputs = [grid_to_onehot(ex.input) for _, ex in load_task(task, data).examples()[:1]]
    _, before = measure(model, inputs)
    if before is None:
        return Gap(task, 0, 0, 0, 0, 0, "unscorable", "the original does not validate")
    try:
        graph = imported(model)
        compiled = compile_imported(model, graph=graph).data
    except Exception as e:  # noqa: BLE001 - a network the compiler refuses is reported, not fatal
        return Gap(task, before.total(), before.total(), before.params, before.params, 0, "refused",
                   str(e).splitlines()[0] if str(e) else type(e).__name__)
    compiled_model = onnx.load_from_string(compiled)
    _, after = measure(compiled_model, inputs)
    if after is None:
        return Gap(task, before.total(), before.total(), before.params, before.params, 0, "invalid",
                   "the compiled network does not validate")
    carried = sum(n.op == "onnx_node" for n in graph.nodes)
    label = cause(model, compiled_model, carried, after.params - before.params,
                  (after.total() - after.params) - (before.total() - before.params))
    return Gap(task, before.total(), after.total(), before.params, after.params, carried, label)


def summary(gaps: list[Gap]) -> dict:
    costlier = [g for g in gaps if g.excess > 0]
    by_cause: dict[str, dict] = {}
    for g in sorted(costlier, key=lambda g: (-g.excess, g.task)):
        row = by_cause.setdefault(g.cause, {"networks": 0, "excess": 0, "tasks": []})
        row["networks"] += 1
        row["excess"] += g.excess
        row["tasks"].append(g.task)
    return {
        "networks": len(gaps),
        "costlier": len(costlier),
        "excess": sum(g.excess for g in costlier),
        "cheaper": sum(g.excess < 0 for g in gaps),
        "errors": [{"task": g.task, "error": g.error} for g in gaps if g.error],
        "by_cause": dict(sorted(by_cause.items(), key=lambda kv: (-kv[1]["networks"], -kv[1]["excess"]))),
        "gaps": [asdict(g) | {"excess": g.excess} for g in gaps],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--folder", type=Path, default=FOLDER, help=f"public networks (default {FOLDER})")
    ap.add_argument("--data", default=None, help="task data folder (default: TRMGOLF_DATA)")
    ap.add_argument("--tasks", default=None, help="task numbers, comma-separated (default: all)")
    ap.add_argument("--json", type=Path, default=None, help="write the whole table here as JSON")
    ap.add_argument("--top", type=int, default=30, help="causes to print, most networks first (default 30)")
    args = ap.parse_args(argv)
    if args.tasks:
        tasks = [int(t) for t in args.tasks.split(",")]
    else:
        tasks = sorted(int(p.stem[4:]) for p in args.folder.glob("task*.onnx"))
    if not tasks:
        print(f"no taskNNN.onnx in {args.folder}", file=sys.stderr)
        return 2
    from trmgolf.progress import make_progress

    gaps = []
    with make_progress("{task.fields[line]}", enabled=sys.stderr.isatty()) as bar_set:
        bar = bar_set.add_task("relower", total=len(tasks), line="")
        for task in tasks:
            gaps.append(measure_one(task, args.folder, args.data))
            bar_set.update(bar, advance=1, line=f"costlier {sum(g.excess > 0 for g in gaps)}")
    report = summary(gaps)
    print(f"{report['networks']} networks: {report['costlier']} cost more compiled "
          f"(+{report['excess']:,} B in all), {report['cheaper']} cost less, {len(report['errors'])} errors")
    for label, row in list(report["by_cause"].items())[:args.top]:
        tasks_list = ",".join(str(t) for t in row["tasks"][:12]) + (" ..." if len(row["tasks"]) > 12 else "")
        print(f"  {row['networks']:3d} nets +{row['excess']:6,} B  {label}  [{tasks_list}]")
    if args.json:
        from trmgolf.fsutil import write_atomic

        write_atomic(args.json, json.dumps(report, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
