"""The cost report as a picture (PNG, matplotlib Agg), written beside the JSON report.

One figure, meant to sit next to the table: the title names the network (and what it was
built from) with its memory, params, total and points; the panels show where the cost
goes: bytes per region (a TRM's unrolled net calls), bytes per op type, and params per
weight group (the region that reads them, blocks merged across net calls). Horizontal
bars, so every label is readable however long; each bar says its value.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from trmgolf.fsutil import write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_BARS = 16  # per panel; the rest are summed into one "N more" bar


def human_bytes(n: float) -> str:
    """``48,720,632`` -> ``48.7 MB`` (decimal units, as the table's thousands separators)."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


def human_count(n: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g}{unit}"
    return f"{int(n)}"


def _top(values: dict[str, int], limit: int = MAX_BARS) -> list[tuple[str, int]]:
    """The largest ``limit`` entries, then one bar for the rest; zeros dropped."""
    rows = sorted(((k, v) for k, v in values.items() if v), key=lambda kv: (-kv[1], kv[0]))
    if len(rows) > limit:
        rest = rows[limit - 1:]
        rows = rows[:limit - 1] + [(f"({len(rest)} more)", sum(v for _, v in rest))]
    return rows


def _net_call(region: str) -> str:
    return region.split("/block")[0]


def _weight_group(region: str) -> str:
    """A TRM's weights are shared by every net call: group them by block, not by call."""
    last = region.rsplit("/", 1)[-1]
    return last if last.startswith("block") else region


def breakdowns(report: dict) -> dict[str, list[tuple[str, int]]]:
    """The three panels' bars: title -> [(label, value)], largest first."""
    by_call: dict[str, int] = {}
    by_group: dict[str, int] = {}
    for region, row in report.get("regions", {}).items():
        by_call[_net_call(region)] = by_call.get(_net_call(region), 0) + int(row.get("bytes", 0))
        group = _weight_group(region)
        by_group[group] = by_group.get(group, 0) + int(row.get("params", 0))
    ops = {k: int(v.get("bytes", 0)) for k, v in report.get("op_types", {}).items()}
    return {"bytes per region (unrolled net call)": _top(by_call),
            "bytes per op type": _top(ops),
            "params per weight group": _top(by_group)}


def title_lines(report: dict) -> list[str]:
    """The network's name (and source), then its totals and points."""
    name = str(report.get("model", "?"))
    if report.get("source"):
        name += f"  (from {report['source']})"
    if not report.get("valid", True):
        return [name, f"INVALID ({report.get('rule')}: {report.get('reason')})"]
    memory, params, total = report.get("memory"), report.get("params"), report.get("total")
    pts = report.get("points")
    shown = f"{pts:.3f} points" if pts is not None else "points: none (not exact on every example)"
    line = f"memory {memory or 0:,} B + params {params or 0:,} = {total or 0:,}  ->  {shown}"
    if report.get("cost_model") == "legacy":
        line = f"memory {memory or 0:,} B + params {params or 0:,} + MACs {report.get('macs') or 0:,}" \
               f" = {total or 0:,}  ->  {shown}"
    return [name, line]


def cost_figure(report: dict) -> Figure:
    """The figure of ``write_png`` (a ``to_dict()`` cost report)."""
    from matplotlib.figure import Figure

    panels = breakdowns(report)
    rows = max(len(bars) for bars in panels.values()) or 1
    fig = Figure(figsize=(14, max(6.0, 0.32 * rows + 2.5)), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=(1.15, 1))
    axes = [fig.add_subplot(grid[:, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 1])]
    for ax, (title, bars), fmt, colour in zip(
            axes, panels.items(), (human_bytes, human_bytes, human_count),
            ("tab:blue", "tab:orange", "tab:green"), strict=True):
        ax.set_title(title, fontsize=12, loc="left")
        if not bars:
            ax.text(0.5, 0.5, "none", ha="center", va="center", fontsize=12, transform=ax.transAxes)
            ax.set_axis_off()
            continue
        labels = [label for label, _ in bars][::-1]
        values = [value for _, value in bars][::-1]
        ax.barh(labels, values, color=colour)
        ax.tick_params(axis="y", labelsize=10)
        ax.tick_params(axis="x", labelsize=9)
        ax.xaxis.set_major_formatter(lambda x, _pos, f=fmt: f(x))
        ax.set_xlim(0, max(values) * 1.3)  # room for the value labels
        whole = sum(values)
        for y, value in enumerate(values):
            ax.text(value, y, f" {fmt(value)} ({100 * value / whole:.0f}%)", va="center", fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
    head, totals = title_lines(report)
    fig.suptitle(f"{head}\n{totals}", fontsize=13, fontweight="bold")
    return fig


def write_png(report: dict, path: str | os.PathLike[str]) -> None:
    """Render ``cost_figure`` and write it atomically."""
    import io

    fig = cost_figure(report)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    write_atomic(Path(path), buffer.getvalue())
