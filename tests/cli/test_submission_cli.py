"""cost, diff and merge on whole submissions (zips and folders of taskNNN.onnx)."""

from __future__ import annotations

import json
import zipfile

import pytest
from click.testing import CliRunner
from submission_fixtures import make_subs

from trmgolf.cli import cli


@pytest.fixture()
def subs(tmp_path):
    return make_subs(tmp_path)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_cost_of_a_zip_scores_every_network_on_every_example(subs):
    res = run("cost", subs.a, "--data", subs.data, "--jobs", 1, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    rows = {r["task"]: r for r in out["tasks"]}
    assert rows["task001"]["params"] == 100 and rows["task001"]["exact"] is True
    assert rows["task001"]["passed"] == rows["task001"]["examples"] == 6
    assert rows["task002"]["points"] == 25.0 and rows["task002"]["memory"] == 0
    assert out["totals"] == {"tasks": 2, "valid": 2, "exact": 2,
                             "points": round(rows["task001"]["points"] + 25.0, 4)}


def test_cost_of_a_folder_says_which_network_is_wrong_and_writes_its_table(subs, tmp_path):
    table = tmp_path / "b.csv"
    res = run("cost", subs.b, "--data", subs.data, "--jobs", 1, "--top", 0, "--report", table)
    assert res.exit_code == 0, res.output
    line = next(s for s in res.output.splitlines() if "task002" in s)
    assert "NO" in line and "0.000" in line
    assert "3 networks, 3 valid, 2 exact on every example" in res.output
    assert table.read_text().splitlines()[0].startswith("task,valid,exact,memory,params")


def test_cost_of_a_submission_without_task_files_gives_points_if_exact(subs, monkeypatch):
    import trmgolf.tasks as tasks

    monkeypatch.delenv("TRMGOLF_DATA", raising=False)
    monkeypatch.setattr(tasks, "BESIDE_CHECKOUT", subs.data / "absent")
    res = run("cost", subs.b, "--jobs", 1, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["totals"]["exact"] is None and all(r["exact"] is None for r in out["tasks"])
    assert {r["task"]: r["params"] for r in out["tasks"]} == {"task001": 10, "task002": 100, "task003": 0}


def test_cost_refuses_single_network_options_on_a_submission(subs):
    res = run("cost", subs.a, "--task", 1)
    assert res.exit_code == 1 and res.output.startswith("Error: a submission is scored")


def test_diff_of_two_submissions_per_task_and_best_of_both(subs):
    res = run("diff", subs.a, subs.b, "--data", subs.data, "--jobs", 1, "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    status = {r["task"]: r["status"] for r in d["tasks"]}
    assert status == {"task001": "better", "task002": "worse", "task003": "only in b"}
    assert d["counts"]["better"] == 1 and d["counts"]["only in b"] == 1
    pts = {r["task"]: (r["a"], r["b"]) for r in d["tasks"]}
    best = pts["task001"][1] + 25.0 + 25.0
    assert d["best_of_both"]["points"] == pytest.approx(best, abs=1e-3)
    assert d["best_of_both"]["gain_over_a"] == pytest.approx(best - d["a"]["points"], abs=1e-3)


def test_diff_text_names_the_totals(subs):
    res = run("diff", subs.a, subs.b, "--data", subs.data, "--jobs", 1)
    assert res.exit_code == 0, res.output
    assert "1 better, 1 worse, 0 same, 0 only in a, 1 only in b" in res.output
    assert "the better of the two per task:" in res.output


def test_diff_refuses_a_report_against_a_submission(subs, tmp_path):
    res = run("diff", tmp_path / "r.json", subs.a)
    assert res.exit_code == 1 and "not one of each" in res.output


def test_merge_keeps_the_cheapest_exact_network_per_task(subs, tmp_path):
    out = tmp_path / "best.zip"
    res = run("merge", subs.a, subs.b, "-o", out, "--data", subs.data, "--jobs", 1, "--json")
    assert res.exit_code == 0, res.output
    m = json.loads(res.output)
    winners = {t["task"]: t["winner"] for t in m["tasks"]}
    assert winners == {"task001": str(subs.b), "task002": str(subs.a), "task003": str(subs.b)}
    assert m["worse_than_an_input"] == []
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == ["task001.onnx", "task002.onnx", "task003.onnx"]
        assert zf.read("task001.onnx") == subs.b_nets["task001.onnx"]
        assert zf.read("task002.onnx") == subs.a_nets["task002.onnx"]
    assert m["points"] > max(i["points"] for i in m["inputs"])
    table = (tmp_path / "best.scores.csv").read_text().splitlines()
    assert len(table) == 4 and table[1].split(",")[10] == str(subs.b)
    # merged scores at least as high as each input, task by task, under `cost --data`
    merged = json.loads(run("cost", out, "--data", subs.data, "--jobs", 1, "--json").output)
    for src in (subs.a, subs.b):
        inp = json.loads(run("cost", src, "--data", subs.data, "--jobs", 1, "--json").output)
        got = {r["task"]: r["points"] for r in merged["tasks"]}
        assert all(got[r["task"]] >= r["points"] for r in inp["tasks"])


def test_merge_is_deterministic_and_prints_who_won(subs, tmp_path):
    one, two = tmp_path / "one.zip", tmp_path / "two.zip"
    res = run("merge", subs.a, subs.b, "-o", one, "--data", subs.data, "--jobs", 1, "--no-thread-check")
    assert res.exit_code == 0, res.output
    assert "#1: " in res.output and "won 1 tasks" in res.output and "won 2 tasks" in res.output
    run("merge", subs.a, subs.b, "-o", two, "--data", subs.data, "--jobs", 1, "--no-thread-check")
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.parametrize(("args", "message"), [
    (["{a}", "-o", "{out}"], "merge needs at least two submissions"),
    (["{a}", "{b}", "-o", "{a}"], "is one of the inputs"),
    (["{a}", "{b}", "-o", "{tmp}/best.onnx"], "written as a .zip"),
])
def test_merge_refuses_bad_arguments_in_one_line(subs, tmp_path, args, message):
    filled = [a.format(a=subs.a, b=subs.b, out=tmp_path / "x.zip", tmp=tmp_path) for a in args]
    res = run("merge", *filled, "--data", subs.data)
    assert res.exit_code == 1, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_merge_reuses_the_rows_of_a_cost_table_for_the_same_networks(subs, tmp_path):
    """A row of `cost --report` for the very same network (task, sha256) is taken instead of
    running it again: here its cost is edited, and the edited value decides the winner."""
    import csv

    table = tmp_path / "a.csv"
    assert run("cost", subs.a, "--data", subs.data, "--jobs", 1, "--report", table).exit_code == 0
    with open(table, newline="") as f:
        rows = list(csv.DictReader(f))
    rows[0]["params"], rows[0]["cost"] = "1", "1"  # task001 of A: really 100 params, B's Gather 10
    with open(table, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "best.zip"
    res = run("merge", subs.a, subs.b, "-o", out, "--data", subs.data, "--jobs", 1, "--reuse", table,
              "--json")
    assert res.exit_code == 0, res.output
    winners = {t["task"]: t["winner"] for t in json.loads(res.output)["tasks"]}
    assert winners["task001"] == str(subs.a)
    res = run("merge", subs.a, subs.b, "-o", out, "--data", subs.data, "--reuse", tmp_path / "absent.csv")
    assert res.exit_code == 1 and res.output.startswith("Error: ") and "cannot read" in res.output


def test_cost_of_a_submission_names_the_broken_rule_of_each_invalid_network(subs, tmp_path):
    sub = tmp_path / "bad"
    sub.mkdir()
    (sub / "task001.onnx").write_bytes(b"not onnx")
    (sub / "task002.onnx").write_bytes(subs.a_nets["task002.onnx"])
    res = run("cost", sub, "--data", subs.data, "--jobs", 1, "--json")
    assert res.exit_code == 0, res.output
    rows = {r["task"]: r for r in json.loads(res.output)["tasks"]}
    assert rows["task001"]["valid"] is False and rows["task001"]["rule"] == "parse"
    assert rows["task001"]["points"] == 0.0 and rows["task002"]["points"] == 25.0


def test_merge_ranks_by_cost_so_rounded_points_never_break_a_tie():
    """Points read back from a table are rounded to 4 decimals: two networks of the same cost
    are a tie (the earlier input wins), and a cheaper exact one beats any inexact one."""
    from trmgolf.scoring.networks import NetworkScore
    from trmgolf.submission.merge import rank

    def score(points: float, cost: int = 900, exact: bool = True) -> NetworkScore:
        return NetworkScore("task015", 15, "", True, memory=cost, params=0, points=points, exact=exact,
                            passed=5 if exact else 4, examples=5)

    table, fresh = score(18.1976), score(18.197634)
    assert rank(table, 0) > rank(fresh, 1)
    assert rank(score(18.0, cost=1000), 1) > rank(score(25.0, cost=1, exact=False), 0)
    assert rank(score(18.2, cost=899), 1) > rank(table, 0)


def test_the_worse_check_compares_costs_not_rounded_points():
    from trmgolf.scoring.networks import NetworkScore
    from trmgolf.submission.merge import MergeOutcome, MergeRow

    def score(points: float, cost: int) -> NetworkScore:
        return NetworkScore("task015", 15, "", True, memory=cost, params=0, points=points, exact=True)

    tie = MergeRow("task015", 15, 0, {0: score(18.1976, 900), 1: score(18.197634, 900)})
    bad = MergeRow("task016", 16, 0, {0: score(18.0, 1000), 1: score(18.1, 905)})
    assert MergeOutcome(["a", "b"], [tie, bad], None).worse_than_an_input() == ["task016"]
