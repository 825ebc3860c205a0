"""The cost report as a picture (PNG, matplotlib Agg), written beside the JSON report."""

from __future__ import annotations

from pathlib import Path


def write_png(report: dict, path: Path) -> None:
    """Bytes per net call and per op type, two bar charts (matplotlib Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    calls: dict[str, int] = {}
    for region, row in report.get("regions", {}).items():
        key = region.split("/block")[0]
        calls[key] = calls.get(key, 0) + int(row.get("bytes", 0))
    ops = {k: int(v.get("bytes", 0)) for k, v in report.get("op_types", {}).items()}
    fig, (a, b) = plt.subplots(2, 1, figsize=(10, 8))
    a.bar(list(calls), [v / 1e6 for v in calls.values()])
    a.set_ylabel("MB")
    a.set_title("memory per region")
    a.tick_params(axis="x", rotation=90, labelsize=6)
    b.bar(list(ops), [v / 1e6 for v in ops.values()])
    b.set_ylabel("MB")
    b.set_title("memory per op type")
    b.tick_params(axis="x", rotation=45, labelsize=7)
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=80)
    plt.close(fig)
    tmp.replace(path)
