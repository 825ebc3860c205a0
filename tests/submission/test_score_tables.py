"""One reader of per-task scores: solve's and optimize's scores.csv, cost/merge tables, folders."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from trmgolf.errors import UserError
from trmgolf.scoring.networks import NetworkScore
from trmgolf.submission.optimize_batch import TaskRow
from trmgolf.submission.optimize_batch import scores_csv as optimize_csv
from trmgolf.submission.report import write_tables
from trmgolf.submission.results import TaskResult
from trmgolf.submission.score_tables import read_scores
from trmgolf.submission.scorecard import scores_csv


def test_solve_scores_csv_and_its_folder(tmp_path: Path) -> None:
    results = [TaskResult("task001", 1, solved=True, solver="search:conv3x3/g1", family="rays",
                          memory=10, params=5, points=21.0),
               TaskResult("task002", 2)]
    write_tables(tmp_path, results)
    for source in (tmp_path, tmp_path / "scores.csv"):
        t = read_scores(source)
        assert t.kind == "solve" and t.points == 21.0 and t.solved == 1
        r = t.rows["task001"]
        got = (r.source, r.family, r.memory, r.params, r.solved)
        assert got == ("search:conv3x3/g1", "rays", 10, 5, True)
        assert t.rows["task002"].points == 0.0 and not t.rows["task002"].solved


def test_solve_folder_before_its_table_reads_results(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    body = {"task": "task007", "solved": True, "solver": "rays", "family": "rays", "points": 14.5}
    (tmp_path / "results" / "task007.json").write_text(json.dumps(body))
    t = read_scores(tmp_path)
    assert t.kind == "solve" and t.rows["task007"].points == 14.5


def test_optimize_csv(tmp_path: Path) -> None:
    rows = [TaskRow("task016", 16, kept="optimised", before_points=12.96, after_points=22.7,
                    after_memory=0, after_params=10, solves=True),
            TaskRow("task017", 17, after_points=20.0, solves=False)]
    path = tmp_path / "scores.csv"
    path.write_text(optimize_csv(rows))
    t = read_scores(path)
    assert t.kind == "optimize" and t.points == 22.7
    assert t.rows["task016"].source == "optimize (optimised)" and t.rows["task016"].params == 10
    assert t.rows["task017"].points == 0.0  # does not solve its task: earns nothing


def test_cost_and_merge_table(tmp_path: Path) -> None:
    scores = {3: NetworkScore("task003", 3, "ab", True, memory=0, params=10, points=22.697, exact=True),
              4: NetworkScore("task004", 4, "cd", True, memory=5, params=5, points=22.7, exact=False)}
    path = tmp_path / "best.scores.csv"
    path.write_text(scores_csv(scores, {3: "public.zip"}))
    t = read_scores(path)
    assert t.kind == "scores" and t.rows["task003"].source == "public.zip"
    assert t.rows["task003"].points == 22.697 and t.rows["task004"].points == 0.0


def test_unknown_tables_and_paths_are_one_line_errors(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    with open(other, "w", newline="") as f:
        csv.writer(f).writerows([["a", "b"], [1, 2]])
    with pytest.raises(UserError, match="not a score table"):
        read_scores(other)
    with pytest.raises(UserError, match="no such file"):
        read_scores(tmp_path / "absent.zip")
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(UserError, match="not a submission"):
        read_scores(tmp_path / "x.txt")
