"""`trmgolf demo`, the main job, on the built-in synthetic task (no task files needed)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import trmgolf.demo as demo
from trmgolf.cli import cli
from trmgolf.examples import EXAMPLES
from trmgolf.scoring.validity import validate


@pytest.fixture
def no_task_files(monkeypatch):
    monkeypatch.setattr(demo, "task_folder", lambda data: None)


def test_demo_optimises_the_built_in_networks(tmp_path, no_task_files):
    res = CliRunner().invoke(cli, ["demo", "--skip-trm", "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())  # rich wraps lines at the terminal width
    assert "task files not found" in text and "optimising the built-in wasteful networks" in text
    assert "training" not in text
    for name in EXAMPLES:
        assert validate(tmp_path / f"{name}.onnx").valid, name


def test_demo_suggests_a_command_that_works_without_task_files(tmp_path, no_task_files, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["demo", "--skip-trm", "-o", "out"])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if "try: " in x)  # one line: piped output is wide
    suggested = line.split("try: ")[1].split()
    assert suggested[:2] == ["trmgolf", "optimize"] and "out/synthetic_task.json" in suggested
    again = CliRunner().invoke(cli, suggested[1:])
    assert again.exit_code == 0, again.output
    assert "solves the task" in again.output


@pytest.mark.slow
def test_demo_trains_compiles_and_verifies(tmp_path, no_task_files):
    res = CliRunner().invoke(cli, ["demo", "--steps", "4", "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "same answers as PyTorch" in text and "against the task: train" in text
    assert validate(tmp_path / "trm.onnx").valid
    report = json.loads((tmp_path / "trm.report.json").read_text())
    assert report["valid"] and report["memory"] > 0
    assert (tmp_path / "synthetic_task.json").is_file()
    from test_readme import DEMO_FILES  # what the README says the demo writes

    assert [f for f in DEMO_FILES if not (tmp_path / f).is_file()] == []
