"""bench/compare_optimize.py: totals, the tasks that gained, and every task that lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import compare_optimize


def _report(path: Path, rows: list[tuple[str, int, int, float, bool]]) -> Path:
    tasks = [{"task": t, "after_memory": m, "after_params": p, "after_points": pts, "solves": ok,
              "why": "no cheaper form found"} for t, m, p, pts, ok in rows]
    path.write_text(json.dumps({"totals": {}, "tasks": tasks}))
    return path


def test_gains_losses_and_totals(tmp_path: Path, capsys) -> None:
    before = _report(tmp_path / "a.json", [("task001", 100, 5, 20.0, True), ("task002", 50, 2, 21.0, True),
                                           ("task003", 10, 0, 22.0, False)])
    after = _report(tmp_path / "b.json", [("task001", 100, 3, 20.5, True), ("task002", 60, 2, 20.0, True),
                                          ("task003", 10, 0, 22.0, True)])
    assert compare_optimize.main([str(before), str(after)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("3 tasks: 41.0000 -> 62.5000 points (+21.5000); solving 2 -> 3")
    assert out[1] == "gained: 2 tasks, +22.5000 points"
    assert out[2].startswith("  task003:") and out[3] == "  task001: 100 B + 5 -> 100 B + 3 (+0.5000)"
    assert out[4] == "lost: 1 tasks" and out[5].startswith("  task002: 50 B + 2 -> 60 B + 2")


def test_a_file_that_is_no_report_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("[]")
    with pytest.raises(SystemExit, match="not an `optimize --json` report"):
        compare_optimize.main([str(bad), str(bad)])
