"""bench/compare_runs.py: families come from the first run, and a task that lost points is listed."""

from __future__ import annotations

import csv
from pathlib import Path

from bench import compare_runs

FIELDS = ["task", "solved", "solver", "family", "points"]


def write(path: Path, rows: list[tuple[str, bool, str, float]]) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        for task, solved, solver, pts in rows:
            w.writerow({"task": task, "solved": solved, "solver": solver, "family": solver, "points": pts})
    return path


def test_per_family_gain_worse_and_new(tmp_path: Path, capsys) -> None:
    before = write(tmp_path / "a.csv", [("task001", True, "view_rule", 12.0),
                                        ("task002", True, "geometry", 20.0), ("task003", False, "", 0.0)])
    after = write(tmp_path / "b.csv", [("task001", True, "search:conv3x3/g1", 18.5),
                                       ("task002", True, "geometry", 19.0), ("task003", True, "rays", 14.0)])
    assert compare_runs.main([str(before), str(after)]) == 0
    out = capsys.readouterr().out
    view = next(line for line in out.splitlines() if line.startswith("view_rule"))
    assert "12.00" in view and "18.50" in view and "+6.50" in view and "search:conv3x3/g1 1" in view
    assert "solved by the second run only: 1 tasks, 14.00 points" in out
    assert "worse in the second run: 1" in out and "task002: 20.000 (geometry) -> 19.000" in out


def test_a_search_winner_counts_for_its_rule_family_as_in_scores_csv(tmp_path: Path, capsys) -> None:
    """Issue 23: scores.csv says family view_rule (search_found) where compare_runs said `search`."""
    fields = ["task", "solved", "solver", "family", "points", "search_found"]
    rows = {"a": [("task001", True, "search:conv3x3/g1", "view_rule", 18.5, True)],
            "b": [("task001", True, "search:gather/rows", "view_rule", 19.0, True)]}
    for name, table in rows.items():
        with open(tmp_path / f"{name}.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(fields)
            w.writerows(table)
    assert compare_runs.main([str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]) == 0
    out = capsys.readouterr().out
    assert any(line.startswith("view_rule") for line in out.splitlines()), out
    assert not any(line.startswith("search") for line in out.splitlines()), out


def test_an_optimize_table_against_a_solve_table(tmp_path: Path, capsys) -> None:
    """An `optimize` scores.csv has no solver column: it is read by the one score reader."""
    from trmgolf.submission.optimize_batch import TaskRow, scores_csv

    before = write(tmp_path / "a.csv", [("task016", True, "colour_map", 12.96)])
    after = tmp_path / "b.csv"
    after.write_text(scores_csv([TaskRow("task016", 16, kept="optimised", before_points=12.96,
                                         after_points=22.7, solves=True)]))
    assert compare_runs.main([str(before), str(after)]) == 0
    out = capsys.readouterr().out
    line = next(s for s in out.splitlines() if s.startswith("colour_map"))
    assert "12.96" in line and "22.70" in line and "optimize (optimised) 1" in line
    assert "worse in the second run: 0" in out
