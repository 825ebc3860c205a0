"""bench/family_report.py: a fitted solver recognises a task; only the written network keeps it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import family_report


def _result(run: Path, task: str, solved: bool, family: str, points: float, attempts: list) -> None:
    (run / "results").mkdir(parents=True, exist_ok=True)
    body = {"task": task, "solved": solved, "family": family, "points": points,
            "attempts": [{"solver": s, "family": f, "outcome": o} for s, f, o in attempts]}
    (run / "results" / f"{task}.json").write_text(json.dumps(body))


def test_recognised_kept_and_points(tmp_path: Path, capsys) -> None:
    _result(tmp_path, "task001", True, "rays", 14.0,
            [("rays", "rays", "passed"), ("local_rule", "local_rule", "heldout_fail"),
             ("search:conv3x3/g1", "rays", "passed")])
    _result(tmp_path, "task002", False, "", 0.0, [("geometry", "geometry", "no_fit")])
    _result(tmp_path, "task003", True, "rays", 16.5, [("rays_blocked", "rays", "passed")])
    assert family_report.main([str(tmp_path)]) == 0
    lines = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert lines["rays"][1:] == ["2", "2", "30.50"]
    assert lines["local_rule"][1:] == ["1", "0", "0.00"]  # fitted, failed held-out: not kept
    assert "geometry" not in lines  # never fitted
    assert lines["total"][1:] == ["2", "30.50"]


def test_a_folder_without_results_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        family_report.main([str(tmp_path)])
