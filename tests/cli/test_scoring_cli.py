"""The cost, verify and diff commands through click's runner, plus one real subprocess."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import onnx
import pytest
from click.testing import CliRunner
from onnx import helper as h
from onnx_factories import color_map, make, relu_neg, swap_task

from trmgolf.cli import cli

SWAP = {1: 2, 2: 1}


@pytest.fixture()
def files(tmp_path):
    paths = {}
    for name, model in {
        "good": color_map(SWAP),
        "wrong": color_map({1: 2}),
        "relu": relu_neg(),
        "banned": make(
            [h.make_node("NonZero", ["input"], ["z"]), h.make_node("Relu", ["input"], ["output"])]
        ),
    }.items():
        paths[name] = tmp_path / f"{name}.onnx"
        onnx.save(model, paths[name])
    paths["task"] = swap_task(tmp_path)
    paths["corrupt"] = tmp_path / "corrupt.onnx"
    paths["corrupt"].write_bytes(b"\xff\xff\xff\xff not onnx")
    return paths


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _one_error_line(res):
    assert res.exit_code != 0
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    return lines[0]


def test_help():
    for cmd in ("cost", "verify", "diff"):
        res = run(cmd, "--help")
        assert res.exit_code == 0 and "--json" in res.output


def test_cost_json_without_task(files):
    res = run("cost", files["relu"], "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["valid"] is True and d["reason"] is None and d["exact"] is None
    assert (d["memory"], d["params"]) == (36000, 0)
    assert d["points"] == pytest.approx(25 - math.log(36000), abs=1e-6)
    assert d["tensors"][0]["name"] == "r" and d["op_types"]["Relu"]["bytes"] == 36000


def test_cost_with_task(files):
    d = json.loads(run("cost", files["good"], "--task", files["task"], "--json").output)
    assert d["exact"] is True and d["points"] == pytest.approx(25 - math.log(100), abs=1e-6)
    assert d["examples"]["arc-gen"] == {"passed": 3, "failed": 0}
    res = run("cost", files["wrong"], "--task", files["task"], "--json")
    d = json.loads(res.output)
    assert d["exact"] is False and d["points"] is None and d["params"] == 100


def test_cost_legacy_and_table(files):
    d = json.loads(run("cost", files["relu"], "--cost-model", "legacy", "--json").output)
    assert d["macs"] == 9000 and d["total"] == 45000
    res = run("cost", files["relu"])
    assert res.exit_code == 0 and "36,000" in res.output and "Relu" in res.output


def test_invalid_model_never_scores(files, tmp_path):
    report = tmp_path / "r.json"
    line = _one_error_line(run("cost", files["banned"], "--report", report))
    assert "not scorable (banned_op" in line
    assert not report.exists()
    res = run("cost", files["banned"], "--json")
    assert res.exit_code == 1
    d = json.loads(res.output)
    assert d["valid"] is False and d["points"] is None and d["rule"] == "banned_op"
    assert "NonZero" in d["reason"]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["cost", "{tmp}/missing.onnx"], "model file not found"),
        (["cost", "{corrupt}"], "not a readable ONNX model (not a valid ONNX protobuf file)"),
        (["cost", "{good}", "--task", "{tmp}/none.json"], "task file not found"),
        (["cost", "{good}", "--task", "999", "--data", "{tmp}"], "task 999 not found"),
        (["cost", "{good}", "--task", "{badtask}"], "not valid JSON"),
        (["verify", "{good}", "--task", "{tmp}/none.json"], "task file not found"),
        (["verify", "{tmp}/missing.onnx", "--task", "{task}"], "model file not found"),
        (["diff", "{tmp}/a.json", "{tmp}/b.json"], "report not found"),
        (["diff", "{badtask}", "{badtask}"], "not valid JSON"),
        (["diff", "{task}", "{task}"], "not a trmgolf cost report"),
        (["cost", "{good}", "--report", "{tmp}/no/such/dir/r.json"], "folder not found"),
    ],
)
def test_bad_input_is_one_line(files, tmp_path, args, needle):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    fmt = {"tmp": tmp_path, "badtask": bad, **files}
    line = _one_error_line(run(*[a.format(**fmt) for a in args]))
    assert needle in line


def test_report_and_diff(files, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run("cost", files["good"], "--report", a).exit_code == 0
    assert run("cost", files["relu"], "--report", b).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    first = a.read_text()
    run("cost", files["good"], "--report", a)
    assert a.read_text() == first  # deterministic
    res = run("diff", a, b, "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["totals"]["memory"] == {"a": 0, "b": 36000, "delta": 36000}
    assert d["totals"]["params"]["delta"] == -100
    assert d["op_types"][0]["op_type"] == "Relu" and d["op_types"][0]["delta_bytes"] == 36000
    assert d["tensors"][0] == {"name": "r", "a_bytes": 0, "b_bytes": 36000, "delta_bytes": 36000}
    res = run("diff", a, b)
    assert res.exit_code == 0 and "+36,000" in res.output


def test_verify_exit_status(files):
    res = run("verify", files["good"], "--task", files["task"])
    assert res.exit_code == 0, res.output
    assert "all 6 pass" in res.output and "consistent" in res.output
    res = run("verify", files["wrong"], "--task", files["task"])
    assert res.exit_code == 1 and "first failure" in res.output and "FAIL" in res.output
    res = run("verify", files["wrong"], "--task", files["task"], "--json", "--no-threads-check")
    d = json.loads(res.output)
    assert res.exit_code == 1 and d["passed"] is False and d["points"] is None
    res = run("verify", files["banned"], "--task", files["task"], "--json")
    assert res.exit_code == 1 and json.loads(res.output)["valid"] is False


def _trmgolf() -> list[str]:
    exe = shutil.which("trmgolf")
    return [exe] if exe else [sys.executable, "-m", "trmgolf.cli"]


@pytest.mark.slow
def test_real_subprocess_one_line_error(tmp_path):
    proc = subprocess.run(
        [*_trmgolf(), "cost", str(tmp_path / "missing.onnx")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [f"Error: model file not found: {tmp_path / 'missing.onnx'}"]
