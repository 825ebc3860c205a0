"""Cost reports: one JSON document per model, a readable table, and the diff of two.

The JSON is deterministic (fixed key order, sorted rows, rounded points) so two
reports of the same model are byte-identical and reports diff well in git.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from trmgolf.errors import UserError
from trmgolf.fsutil import write_atomic
from trmgolf.scoring.cost import Cost, points
from trmgolf.scoring.cost_model import get_cost_model
from trmgolf.scoring.validity import Validity

SCHEMA = "trmgolf.cost-report/1"


@dataclass
class CostReport:
    """Totals and breakdowns of one model under one cost model.

    ``points`` is what the model earns if exact: with ``exact`` None (no task run)
    it assumes exactness; with ``exact`` False it is None; it is always None for an
    invalid model.
    """

    model: str
    cost_model: str
    valid: bool
    rule: str | None
    reason: str | None
    memory: int | None = None
    params: int | None = None
    macs: int | None = None
    exact: bool | None = None
    examples: dict[str, dict[str, int]] | None = None
    tensors: list[dict] = field(default_factory=list)
    op_types: dict[str, dict] = field(default_factory=dict)
    regions: dict[str, dict] = field(default_factory=dict)
    # "op=lowering" -> nodes, for networks trmgolf emitted (empty for a plain ONNX file)
    kernels: dict[str, int] = field(default_factory=dict)
    # what the network was built from (a checkpoint, the network before `optimize`), if any
    source: str | None = None

    @property
    def total(self) -> int | None:
        if self.memory is None or self.params is None:
            return None
        return get_cost_model(self.cost_model).total(self.memory, self.params, self.macs)

    @property
    def points(self) -> float | None:
        if not self.valid or self.total is None or self.exact is False:
            return None
        return round(points(self.total), 6)

    @classmethod
    def build(
        cls,
        model: str,
        validity: Validity,
        cost: Cost | None,
        *,
        cost_model: str = "official",
        exact: bool | None = None,
        examples: dict[str, dict[str, int]] | None = None,
    ) -> CostReport:
        report = cls(model, cost_model, validity.valid, validity.rule, validity.reason)
        report.exact, report.examples = exact, examples
        if cost is None or not validity.valid:
            return report
        report.memory, report.params = cost.memory, cost.params
        report.macs = cost.macs if get_cost_model(cost_model).counts_macs else None
        report.tensors = [
            {
                "name": t.name,
                "op_type": t.op_type,
                "dtype": t.dtype,
                "shape": list(t.shape),
                "bytes": t.bytes,
                "region": t.region,
                "dead": t.dead,
            }
            for t in cost.tensors
        ]
        report.op_types = _group(cost, lambda item: item.op_type)
        report.regions = _group(cost, lambda item: item.region)
        return report

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "model": self.model,
            "source": self.source,
            "cost_model": self.cost_model,
            "valid": self.valid,
            "rule": self.rule,
            "reason": self.reason,
            "memory": self.memory,
            "params": self.params,
            "macs": self.macs,
            "total": self.total,
            "points": self.points,
            "exact": self.exact,
            "examples": self.examples,
            "op_types": self.op_types,
            "regions": self.regions,
            "kernels": self.kernels,
            "tensors": self.tensors,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1) + "\n"

    @classmethod
    def from_dict(cls, d: dict) -> CostReport:
        try:
            return cls(
                model=str(d["model"]),
                cost_model=str(d["cost_model"]),
                valid=bool(d["valid"]),
                rule=d.get("rule"),
                reason=d.get("reason"),
                memory=d.get("memory"),
                params=d.get("params"),
                macs=d.get("macs"),
                exact=d.get("exact"),
                examples=d.get("examples"),
                tensors=list(d.get("tensors") or []),
                op_types=dict(d.get("op_types") or {}),
                regions=dict(d.get("regions") or {}),
                kernels={str(k): int(v) for k, v in (d.get("kernels") or {}).items()},
                source=d.get("source"),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise UserError(f"not a cost report (missing or bad field {e})") from None

    def write(self, path: str | os.PathLike[str]) -> None:
        write_atomic(Path(path), self.to_json())


def load_report(path: str | os.PathLike[str]) -> CostReport:
    """Read a report written by ``trmgolf cost --report``; UserError when it is not one."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"report not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError, IsADirectoryError) as e:
        raise UserError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
        raise UserError(f"{path}: not a trmgolf cost report")
    return CostReport.from_dict(raw)


def _group(cost: Cost, key) -> dict[str, dict]:
    rows: dict[str, dict] = {}

    def row(k: str) -> dict:
        return rows.setdefault(k, {"count": 0, "bytes": 0, "params": 0, "macs": 0})

    for n in cost.nodes:
        r = row(key(n))
        r["count"] += 1
        r["macs"] += n.macs
    for t in cost.tensors:
        row(key(t))["bytes"] += t.bytes
    for p in cost.param_items:
        row(key(p) or "(unused)")["params"] += p.count
    return {k: rows[k] for k in sorted(rows, key=lambda k: (-rows[k]["bytes"], -rows[k]["params"], k))}


# --------------------------------------------------------------------------- diff


def _delta(a: float | int | None, b: float | int | None) -> dict:
    d = None if a is None or b is None else round(b - a, 6)
    return {"a": a, "b": b, "delta": d}


def _rows_delta(a: dict[str, dict], b: dict[str, dict], label: str, top: int) -> list[dict]:
    out = []
    for k in sorted(set(a) | set(b)):
        ra, rb = a.get(k, {}), b.get(k, {})
        out.append(
            {
                label: k,
                "a_bytes": ra.get("bytes", 0),
                "b_bytes": rb.get("bytes", 0),
                "delta_bytes": rb.get("bytes", 0) - ra.get("bytes", 0),
                "a_params": ra.get("params", 0),
                "b_params": rb.get("params", 0),
                "delta_params": rb.get("params", 0) - ra.get("params", 0),
            }
        )
    out = [r for r in out if r["delta_bytes"] or r["delta_params"]]
    out.sort(key=lambda r: (-abs(r["delta_bytes"]) - abs(r["delta_params"]), r[label]))
    return out


def _tensor_bytes(rows: Iterable[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in rows:
        entry = out.setdefault(str(r["name"]), {"bytes": 0})
        entry["bytes"] += int(r.get("bytes", 0))
    return out


def diff(a: CostReport, b: CostReport, top: int = 10) -> dict:
    """Totals and points of b minus a, then the op types, regions and tensors that moved most
    (``top`` rows each, 0 for all; ``more`` counts the rows left out), and the kernel choices
    (lowering per IR op) whose counts differ."""
    sections = {
        "op_types": _rows_delta(a.op_types, b.op_types, "op_type", top),
        "regions": _rows_delta(a.regions, b.regions, "region", top),
        "tensors": [{k: v for k, v in r.items() if "params" not in k}
                    for r in _rows_delta(_tensor_bytes(a.tensors), _tensor_bytes(b.tensors), "name", top)],
    }
    return {
        "a": a.model,
        "b": b.model,
        "cost_model": {"a": a.cost_model, "b": b.cost_model},
        "valid": {"a": a.valid, "b": b.valid},
        "totals": {
            "memory": _delta(a.memory, b.memory),
            "params": _delta(a.params, b.params),
            "macs": _delta(a.macs, b.macs),
            "total": _delta(a.total, b.total),
            "points": _delta(a.points, b.points),
        },
        "op_types": _head(sections["op_types"], top),
        "regions": _head(sections["regions"], top),
        "kernels": _kernel_delta(a.kernels, b.kernels),
        "tensors": _head(sections["tensors"], top),
        "more": {k: len(rows) - len(_head(rows, top)) for k, rows in sections.items()},
    }


def _kernel_delta(a: dict[str, int], b: dict[str, int]) -> list[dict]:
    """The kernel choices whose counts differ, when both networks record theirs: an imported
    ONNX file has none, and comparing against nothing would list every choice as new."""
    if not a or not b:
        return []
    return [{"kernel": k, "a": a.get(k, 0), "b": b.get(k, 0)}
            for k in sorted(set(a) | set(b)) if a.get(k, 0) != b.get(k, 0)]


def _head(rows: list, top: int) -> list:
    """The first ``top`` rows; all of them when ``top`` is 0."""
    return rows[:top] if top > 0 else rows


def _more_note(console: Console, shown: int, total: int) -> None:
    """Say that a table was cut, and how to see the rest."""
    if total > shown:
        left = total - shown
        console.print(f"{left} more row{'s' if left > 1 else ''}; --top 0 shows all")


# --------------------------------------------------------------------------- tables


def _fmt(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def _signed(v: object) -> str:
    if isinstance(v, int | float) and not isinstance(v, bool) and v > 0:
        return "+" + _fmt(v)
    return _fmt(v)


def render_report(report: CostReport, console: Console, top: int = 15) -> None:
    """Print the totals, then the op types, regions and the biggest tensors (``top`` rows
    each, 0 for all; a cut table says how many rows it left out)."""
    verdict = "valid" if report.valid else f"INVALID ({report.rule}: {report.reason})"
    source = f" (from {report.source})" if report.source else ""
    console.print(f"[bold]{report.model}[/bold]{source}  {verdict}  cost model: {report.cost_model}")
    totals = Table(show_header=True, header_style="bold")
    for col in ("memory", "params", "macs", "total", "points", "exact"):
        totals.add_column(col, justify="right")
    totals.add_row(
        *(
            _fmt(v)
            for v in (
                report.memory,
                report.params,
                report.macs,
                report.total,
                report.points,
                report.exact,
            )
        )
    )
    console.print(totals)
    if report.examples:
        counts = ", ".join(
            f"{s}: {c['passed']} pass / {c['failed']} fail" for s, c in report.examples.items()
        )
        console.print(f"examples  {counts}")
    for title, rows in (("op type", report.op_types), ("region", report.regions)):
        if not rows:
            continue
        t = Table(title=f"by {title}", header_style="bold")
        cols = ["count", "bytes", "params"] + (["macs"] if report.macs is not None else [])
        t.add_column(title)
        for col in cols:
            t.add_column("nodes" if col == "count" else col, justify="right")
        for k, r in _head(list(rows.items()), top):
            t.add_row(k, *(_fmt(r[c]) for c in cols))
        console.print(t)
        _more_note(console, len(_head(list(rows), top)), len(rows))
    if report.kernels:
        console.print("kernels  " + ", ".join(f"{k} x{n}" for k, n in report.kernels.items()))
    if report.tensors:
        shown = _head(report.tensors, top)
        t = Table(title="largest tensors" + (f" (top {top})" if len(shown) < len(report.tensors) else ""),
                  header_style="bold")
        dead = [r for r in report.tensors if r.get("dead")]
        cols = ("tensor", "op", "dtype", "shape", "bytes", "region") + (("dead",) if dead else ())
        for col in cols:
            t.add_column(col, justify="right" if col == "bytes" else "left")
        for r in shown:
            shape = "x".join(str(d) for d in r["shape"]) or "scalar"
            mark = ("dead" if r.get("dead") else "",) if dead else ()
            t.add_row(r["name"], r["op_type"], r["dtype"], shape, _fmt(r["bytes"]), r["region"], *mark)
        console.print(t)
        _more_note(console, len(shown), len(report.tensors))
        if dead:
            console.print(f"dead tensors: {len(dead)} ({sum(r['bytes'] for r in dead):,} B): computed "
                          "but read by nothing; `trmgolf optimize` removes them")


def render_diff(d: dict, console: Console) -> None:
    """Print a diff from :func:`diff` as tables."""
    console.print(f"[bold]a[/bold] {d['a']}   [bold]b[/bold] {d['b']}")
    models = d["cost_model"]
    if models["a"] != models["b"]:
        console.print(f"note: cost models differ (a: {models['a']}, b: {models['b']})")
    t = Table(header_style="bold")
    for col in ("", "a", "b", "b - a"):
        t.add_column(col, justify="right")
    for k, v in d["totals"].items():
        t.add_row(k, _fmt(v["a"]), _fmt(v["b"]), _signed(v["delta"]))
    console.print(t)
    if d.get("kernels"):
        t = Table(title="kernel choices that differ", header_style="bold")
        for col in ("kernel", "a", "b"):
            t.add_column(col, justify="left" if col == "kernel" else "right")
        for r in d["kernels"]:
            t.add_row(r["kernel"], _fmt(r["a"]), _fmt(r["b"]))
        console.print(t)
    for section, label in (("op_types", "op_type"), ("regions", "region"), ("tensors", "name")):
        rows = d[section]
        if not rows:
            continue
        t = Table(title=f"{section.replace('_', ' ')} that changed most", header_style="bold")
        cols = [c for c in rows[0] if c != label]
        t.add_column(label)
        for c in cols:
            head = c.replace("delta_", "b-a ").replace("a_", "a ").replace("b_", "b ")
            t.add_column(head, justify="right")
        for r in rows:
            t.add_row(str(r[label]), *(_signed(r[c]) if "delta" in c else _fmt(r[c]) for c in cols))
        console.print(t)
        more = d.get("more", {}).get(section, 0)
        _more_note(console, len(rows), len(rows) + more)
