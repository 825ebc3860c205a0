"""``trmgolf solve`` end to end on a synthetic task folder with fake solvers."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
import solve_fakes as fakes
from click.testing import CliRunner

from trmgolf.cli import cli
from trmgolf.scoring.answers import verify
from trmgolf.scoring.validity import validate
from trmgolf.submission.bundle import FIXED_TIME
from trmgolf.submission.report import COLUMNS
from trmgolf.tasks import load_task


@pytest.fixture
def data(tmp_path):
    return fakes.write_tasks(tmp_path / "data")


def solve(out, data, *extra: str):
    args = ["solve", "--tasks", "1-3", "-o", str(out), "--data", str(data),
            "--router", "heuristic", "--jobs", "1", "--quiet", *extra]
    return CliRunner().invoke(cli, args)


def test_outputs_zip_and_score_table(tmp_path, data, monkeypatch):
    fakes.install(monkeypatch)
    out = tmp_path / "out"
    res = solve(out, data)
    assert res.exit_code == 0, res.output
    assert "solved 2/3 tasks" in res.output
    assert "kept networks passing examples they were not fitted on: 2/2" in res.output

    with zipfile.ZipFile(out / "submission.zip") as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == ["task001.onnx", "task002.onnx"]  # flat
        assert all(i.date_time == FIXED_TIME for i in infos)
        for i in infos:
            data_bytes = zf.read(i)
            assert validate(data_bytes).valid
            task = load_task(i.filename[:7], data)
            assert verify(data_bytes, task, threads_check=False).passed
    first_zip = (out / "submission.zip").read_bytes()

    with open(out / "scores.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == COLUMNS
    by = {r["task"]: r for r in rows}
    assert by["task001"]["solver"] == "identity"  # cheaper than local_conv (both pass)
    assert by["task001"]["cost"] == "0" and float(by["task001"]["points"]) == 25.0
    assert by["task002"]["solver"] == "color_swap" and by["task002"]["family"] == "color_map"
    assert by["task002"]["arcgen_passed"] == by["task002"]["arcgen_total"] == "6"
    assert by["task001"]["fit_examples"] == "6" and by["task001"]["heldout_examples"] == "4"
    assert by["task003"]["solved"] == "False"

    summary = json.loads((out / "scores.json").read_text())["summary"]
    assert summary["solved"] == 2
    assert summary["points"] == pytest.approx(25.0 + float(by["task002"]["points"]))
    assert summary["per_family"]["identity"]["tasks"] == 1
    assert summary["heldout"] == {"kept": 2, "pass_heldout": 2, "no_heldout_examples": 0}
    assert summary["distribution"]["0"] == 1
    # the structure search runs after a solver passed, and only then; its time is recorded
    assert float(by["task001"]["search_s"]) >= 0 and by["task003"]["search_s"] == ""
    assert summary["search_s"]["tasks"] == 2 and summary["search_s"]["over_60s"] == 0
    assert "structure search, CPU per task (2 tasks): median" in res.output

    # the generalisation gate: identity fits task003's fit half, fails its held-out half
    r3 = json.loads((out / "results" / "task003.json").read_text())
    outcomes = {a["solver"]: a["outcome"] for a in r3["attempts"]}
    assert outcomes["identity"] == "heldout_fail" and outcomes["broken"] == "error"
    assert not (out / "task003.onnx").exists()

    # deterministic zip: a forced rerun writes the same bytes
    assert solve(out, data, "--redo").exit_code == 0
    assert (out / "submission.zip").read_bytes() == first_zip


def test_resume_redoes_nothing(tmp_path, data, monkeypatch):
    fakes.install(monkeypatch)
    out = tmp_path / "out"
    assert solve(out, data).exit_code == 0
    assert len(fakes.BUILDS) == 3 * 4
    fakes.BUILDS.clear()
    res = solve(out, data)
    assert res.exit_code == 0 and fakes.BUILDS == []
    assert "3 task(s) already finished" in res.output

    # an interrupted run: task002's result is missing, task001's network was changed
    (out / "results" / "task002.json").unlink()
    (out / "task001.onnx").write_bytes(b"garbage")
    res = solve(out, data)
    assert res.exit_code == 0, res.output
    assert sorted(set(fakes.BUILDS)) == ["broken", "color_swap", "identity", "local_conv"]
    assert len(fakes.BUILDS) == 2 * 4  # task001 and task002 only
    assert "solved 2/3" in res.output


def test_first_success_and_top_k(tmp_path, data, monkeypatch):
    fakes.install(monkeypatch, ("local_conv", "identity", "color_swap"))
    out = tmp_path / "first"
    assert solve(out, data, "--tasks", "1", "--first-success").exit_code == 0
    r = json.loads((out / "results" / "task001.json").read_text())
    # the heuristic puts identity first for an identity task, so it stops there
    assert r["solver"] == "identity"
    assert [a["outcome"] for a in r["attempts"]][1:] == ["skipped", "skipped"]
    fakes.BUILDS.clear()
    out = tmp_path / "top1"
    assert solve(out, data, "--top-k", "1").exit_code == 0
    assert len(fakes.BUILDS) == 3


def test_parallel_workers(tmp_path, data, monkeypatch):
    fakes.install(monkeypatch, ("identity", "color_swap"))
    out = tmp_path / "par"
    res = solve(out, data, "--jobs", "2")
    assert res.exit_code == 0, res.output
    assert "solved 2/3" in res.output
    assert sorted(p.name for p in (out / "results").iterdir()) == [
        "task001.json", "task002.json", "task003.json"]


def test_task_timeout_keeps_going(tmp_path, data, monkeypatch):
    import time

    fakes.install(monkeypatch, ("identity",))
    from trmgolf.solvers import base

    def slow(fit):
        time.sleep(5)

    base.SOLVERS["slow"] = base.Solver("slow", "slow", slow)
    out = tmp_path / "slow"
    res = solve(out, data, "--tasks", "1", "--timeout", "0.5")
    assert res.exit_code == 0, res.output
    r = json.loads((out / "results" / "task001.json").read_text())
    assert r["timed_out"] and r["solved"]  # identity ran first (heuristic order), slow was cut


@pytest.mark.parametrize(
    "args, message",
    [
        (["--tasks", "1-x"], "not a task range"),
        (["--tasks", "7"], "task 7 not found"),
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["--data", "/nonexistent/folder"], "task folder not found"),
        (["--trm", "/nonexistent.ckpt"], "--trm: checkpoint not found"),
        (["--router", "magic"], "unknown router 'magic'"),
        (["--top-k", "0"], "--top-k must be at least 1"),
    ],
)
def test_bad_input_is_one_line(tmp_path, data, monkeypatch, args, message):
    fakes.install(monkeypatch)
    res = solve(tmp_path / "out", data, *args)
    assert res.exit_code != 0
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.output
    assert "Traceback" not in res.output


def test_output_is_a_file(tmp_path, data, monkeypatch):
    fakes.install(monkeypatch)
    (tmp_path / "file").write_text("x")
    res = solve(tmp_path / "file", data)
    assert res.exit_code == 1 and res.output.strip() == f"Error: output folder is a file: {tmp_path / 'file'}"


def test_missing_data_dir(tmp_path, monkeypatch):
    fakes.install(monkeypatch)
    monkeypatch.delenv("TRMGOLF_DATA", raising=False)
    monkeypatch.setattr("trmgolf.tasks.BESIDE_CHECKOUT", tmp_path / "nowhere")
    res = CliRunner().invoke(cli, ["solve", "--tasks", "1", "-o", str(tmp_path / "o"), "--quiet"])
    assert res.exit_code != 0 and res.output.strip().splitlines() == [
        "Error: no task folder: pass --data DIR, set TRMGOLF_DATA, or put the task files in "
        "../shared/data/neurogolf beside the checkout"]


def test_holdout_reports_failing_tasks(tmp_path, data, monkeypatch):
    fakes.install(monkeypatch, ("identity", "color_swap"))
    extra = tmp_path / "extra"
    extra.mkdir()
    g = fakes.grid(99)
    (extra / "task001.json").write_text(json.dumps([fakes.pair(g)]))  # identity holds
    (extra / "task002.json").write_text(json.dumps([fakes.pair(g)]))  # a swap task: fails
    (extra / "task003.json").write_text(json.dumps([fakes.pair(g)]))  # unsolved
    out = tmp_path / "out"
    res = solve(out, data, "--holdout", str(extra))
    assert res.exit_code == 0, res.output
    assert "holdout: 1/3 tasks pass their extra examples" in res.output
    assert "task002: fail (0/1 examples)" in res.output
    assert "task003: no network" in res.output
    rows = json.loads((out / "holdout.json").read_text())
    assert [r["status"] for r in rows] == ["pass", "fail", "no network"]
    res = solve(out, data, "--holdout", str(tmp_path / "missing.json"))
    assert res.exit_code != 0 and "--holdout: not found" in res.output


def test_new_solver_reopens_finished_tasks(tmp_path, data, monkeypatch):
    table = fakes.install(monkeypatch, ("identity",))
    out = tmp_path / "out"
    assert solve(out, data).exit_code == 0
    fakes.BUILDS.clear()
    table["color_swap"] = fakes.Solver("color_swap", "color_map", fakes.FAKES["color_swap"][1])
    res = solve(out, data)
    assert res.exit_code == 0 and "solved 2/3" in res.output
    assert len(fakes.BUILDS) == 3  # identity rebuilt per task (the counter wraps only identity)


def test_trm_checkpoint_is_compiled_per_task(tmp_path, data, monkeypatch):
    import trmgolf.submission.trm as trm
    from trmgolf.compiler.emit import emit

    fakes.install(monkeypatch, ("identity",))
    ckpt = tmp_path / "model.pt"
    ckpt.write_bytes(b"weights")
    res = solve(tmp_path / "no", data, "--trm", str(ckpt))
    assert res.exit_code == 1
    assert len(res.output.strip().splitlines()) == 1 and res.output.startswith("Error:")

    calls = []

    def trm_network(path, task_path):
        calls.append((path, Path(task_path).name))
        return emit(fakes.perm_conv_graph({1: 2, 2: 1})).to_bytes()

    monkeypatch.setattr(trm, "check_trm_checkpoint", lambda path: None)
    monkeypatch.setattr(trm, "trm_network", trm_network)
    out = tmp_path / "out"
    res = solve(out, data, "--trm", str(ckpt))
    assert res.exit_code == 0, res.output
    assert calls == [(str(ckpt), f"task00{i}.json") for i in (1, 2, 3)]
    rows = {r["task"]: r for r in json.loads((out / "scores.json").read_text())["tasks"]}
    assert rows["task001"]["solver"] == "identity"  # cheaper than the TRM network
    assert rows["task002"]["solver"] == "trm" and rows["task002"]["family"] == "trm"


def test_interrupted_run_resumes(tmp_path, data, monkeypatch):
    table = fakes.install(monkeypatch, ("identity", "color_swap"))
    real = table["color_swap"]

    def interrupt_on_task002(fit):
        if fakes._swap(fit):
            raise KeyboardInterrupt
        return real.build(fit)

    table["color_swap"] = fakes.Solver("color_swap", "color_map", interrupt_on_task002)
    out = tmp_path / "out"
    res = solve(out, data)
    assert res.exit_code == 1
    assert res.output.strip().splitlines()[-1] == (
        "Error: interrupted: finished tasks are saved; rerun the same command to resume")
    assert [p.name for p in (out / "results").iterdir()] == ["task001.json"]

    table["color_swap"] = real
    fakes.BUILDS.clear()
    res = solve(out, data)
    assert res.exit_code == 0 and "1 task(s) already finished" in res.output
    assert "solved 2/3" in res.output
    assert fakes.BUILDS.count("identity") == 2  # task002 and task003 only


def test_scores_row_records_the_rule_family_and_whether_the_search_found_the_network():
    """Issue 23: one vocabulary with bench/compare_runs: family = the rule's, plus search_found."""
    from trmgolf.submission.report import row
    from trmgolf.submission.results import TaskResult

    won = TaskResult("task001", 1, solved=True, solver="search:gather/rows", family="view_rule", points=20.0)
    plain = TaskResult("task002", 2, solved=True, solver="view_rule", family="view_rule", points=18.0)
    assert (row(won)["family"], row(won)["search_found"]) == ("view_rule", True)
    assert (row(plain)["family"], row(plain)["search_found"]) == ("view_rule", False)
    assert row(TaskResult("task003", 3))["search_found"] is False


def test_in_a_terminal_solve_ends_with_a_compact_list_of_the_tasks(tmp_path, data, monkeypatch):
    """Issue 23: the progress bar replaces the line per task, so the end lists every task."""
    import trmgolf.commands.solve as solve_command

    fakes.install(monkeypatch)
    monkeypatch.setattr(solve_command, "terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "60")
    args = ["solve", "--tasks", "1-3", "-o", str(tmp_path / "out"), "--data", str(data),
            "--router", "heuristic", "--jobs", "1"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    lines = [x for x in res.output.splitlines() if x.startswith("task001 ")]
    assert len(lines) == 1 and "task001 25.00 identity" in lines[0] and "task002 " in lines[0]
    assert any(x.rstrip().endswith("task003 -") for x in res.output.splitlines())


def test_time_by_stage_is_recorded_per_task_and_totalled(tmp_path, data, monkeypatch):
    """Issue 22: where a solve's time goes, per task and stage, in the results, the score
    table and the summary line; the stages add up to the task's seconds."""
    from trmgolf.submission.results import STAGES

    fakes.install(monkeypatch)
    out = tmp_path / "out"
    res = solve(out, data)
    assert res.exit_code == 0, res.output
    assert "time by stage (task-seconds): solver fits " in res.output
    for n in (1, 2, 3):
        result = json.loads((out / "results" / f"task{n:03d}.json").read_text())
        stages = result["stages"]
        assert set(stages) == set(STAGES) and all(v >= 0 for v in stages.values())
        assert stages["gate"] > 0  # every task verified at least one network under onnxruntime
        assert sum(stages.values()) == pytest.approx(result["seconds"], abs=0.01)
    with open(out / "scores.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert all(float(r["gate_s"]) > 0 for r in rows)
    totals = json.loads((out / "scores.json").read_text())["summary"]["stages"]
    assert totals["gate"] == pytest.approx(sum(float(r["gate_s"]) for r in rows), abs=0.1)
