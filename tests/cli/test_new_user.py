"""Issue 11, "what a new user trips over": each point of the issue, through the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import onnx
import pytest
from click.testing import CliRunner
from onnx_factories import color_map, swap_task

from trmgolf.cli import cli
from trmgolf.trainer.config import TRMConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.checkpoints import make_checkpoint  # noqa: E402

SWAP = {1: 2, 2: 1}
TINY = TRMConfig(hidden=8, heads=1, expansion=2.0, intermediate=8, layers=1, H_cycles=1, L_cycles=1,
                 puzzle_emb_len=0, canvas_h=30, canvas_w=30, mixer="conv", sup_steps=1)


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_error_line(res) -> str:
    """The command failed with exit 1 and said one line on stderr, no traceback."""
    assert res.exit_code == 1, res.output
    assert res.stdout == "", res.stdout
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.stderr
    return lines[0]


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> Path:
    """A freshly initialised single-task conv TRM (task901) on the full canvas."""
    path = tmp_path_factory.mktemp("ckpt") / "one.pt"
    make_checkpoint(path, TINY, tasks=("task901",))
    return path


# --- Errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    ["compile", "{pt}", "--task", "{task}", "-o", "{tmp}/x.onnx"],
    ["ir", "{pt}", "--task", "{task}"],
    ["eval", "{pt}", "--task", "{task}"],
    ["train", "--task", "{task}", "--init", "{pt}", "-o", "{tmp}/y.pt", "--quiet"],
    ["solve", "--tasks", "1", "--trm", "{pt}", "-o", "{tmp}/out", "--data", "{tmp}", "--quiet"],
])
def test_a_text_file_as_checkpoint_is_one_line(tmp_path, command):
    pt = tmp_path / "x.pt"
    pt.write_text("this is not a checkpoint\n")
    task = swap_task(tmp_path, "task001")
    args = [a.format(pt=pt, task=task, tmp=tmp_path) for a in command]
    line = one_error_line(run(*args))
    assert f"{pt}: not a readable trmgolf checkpoint (" in line


def test_verify_of_a_corrupt_model_is_one_error_line(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\xff\xff\xff\xff not onnx")
    task = swap_task(tmp_path)
    for extra in ([], ["--json"]):
        line = one_error_line(run("verify", bad, "--task", task, *extra))
        assert "not a loadable ONNX model" in line


def test_a_thread_check_that_did_not_run_is_not_consistent(tmp_path):
    model = tmp_path / "m.onnx"
    onnx.save(color_map(SWAP), model)
    task = swap_task(tmp_path)
    res = run("verify", model, "--task", task, "--json", "--no-threads-check")
    assert json.loads(res.stdout)["thread_check"] == {"threads": [], "consistent": None,
                                                      "mismatches": []}
    res = run("verify", model, "--task", task, "--json", "--threads", "2")
    assert json.loads(res.stdout)["thread_check"]["consistent"] is True


def test_compile_against_a_task_file_given_by_path(ckpt, tmp_path):
    task = swap_task(tmp_path, "mytask")
    res = run("compile", ckpt, "--task", task, "-o", tmp_path / "m.onnx", "-q")
    assert res.exit_code == 0, res.output
    assert "does NOT solve the task" in res.stdout  # an untrained network, checked on that file
    assert (tmp_path / "m.onnx").is_file()


def test_compile_reports_a_malformed_task_file_as_malformed(ckpt, tmp_path):
    bad = tmp_path / "mytask.json"
    bad.write_text("{not json")
    assert "mytask.json: not valid JSON" in one_error_line(
        run("compile", ckpt, "--task", bad, "-o", tmp_path / "m.onnx"))
    bad.write_text('{"colours": []}')
    assert "not a task file" in one_error_line(run("compile", ckpt, "--task", bad, "-o", tmp_path / "m.onnx"))


def test_compile_names_a_missing_task_once(ckpt, tmp_path):
    line = one_error_line(run("ir", ckpt, "--task", "999"))
    assert "task999 is not in this checkpoint (it has task901)" in line and "task task999" not in line
    line = one_error_line(run("compile", ckpt, "--task", "999", "-o", tmp_path / "m.onnx",
                              "--data", tmp_path))
    assert "task 999 not found in" in line
