"""`trmgolf optimize SUBMISSION -o OUT.zip`: per task the better of original and result."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
from click.testing import CliRunner
from onnx import TensorProto as T
from onnx import helper as h

from trmgolf.cli import cli
from trmgolf.examples import colour_map, synthetic_colour_map_task
from trmgolf.scoring.networks import read_networks
from trmgolf.submission.optimize_batch import work_dir


def _identity_net() -> onnx.ModelProto:
    """Already optimal: one Identity writing output (nothing to gain)."""
    g = h.make_graph([h.make_node("Identity", ["input"], ["output"])], "id",
                     [h.make_tensor_value_info("input", T.FLOAT, [1, 10, 30, 30])],
                     [h.make_tensor_value_info("output", T.FLOAT, [1, 10, 30, 30])])
    return h.make_model(g, opset_imports=[h.make_opsetid("", 17)], ir_version=10)


def _identity_task() -> dict:
    rng = np.random.default_rng(1)
    grids = [rng.integers(0, 10, (3, 4)).tolist() for _ in range(6)]
    pairs = [{"input": g, "output": g} for g in grids]
    return {"train": pairs[:3], "test": pairs[3:4], "arc-gen": pairs[4:]}


def _setup(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "task016.json").write_text(json.dumps(synthetic_colour_map_task(n_arc_gen=12)))
    (data / "task002.json").write_text(json.dumps(_identity_task()))
    sub = tmp_path / "sub.zip"
    with zipfile.ZipFile(sub, "w") as zf:
        zf.writestr("task016.onnx", colour_map().SerializeToString())
        zf.writestr("task002.onnx", _identity_net().SerializeToString())
        zf.writestr("README.txt", "not a network")
    return data, sub


def test_batch_keeps_the_better_network_per_task_and_resumes(tmp_path):
    data, sub = _setup(tmp_path)
    out = tmp_path / "best.zip"
    args = ["optimize", str(sub), "-o", str(out), "--data", str(data), "--jobs", "1", "--json"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    rows = {r["task"]: r for r in report["tasks"]}
    assert rows["task016"]["kept"] == "optimised" and rows["task016"]["gain"] > 5
    assert rows["task016"]["solves"] is True
    assert rows["task002"]["kept"] == "original"
    assert rows["task002"]["why"]
    assert report["totals"]["improved"] == 1
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["task002.onnx", "task016.onnx"]
        assert zf.read("task002.onnx") == _identity_net().SerializeToString()
        assert len(zf.read("task016.onnx")) < len(colour_map().SerializeToString())
    csv_text = (work_dir(out) / "scores.csv").read_text()
    assert csv_text.splitlines()[0].startswith("task,kept,")
    assert len(csv_text.splitlines()) == 3
    first = out.read_bytes()
    # A second run resumes: nothing is redone, the zip is byte-identical.
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "resuming: 2 task(s)" in again.stderr
    assert out.read_bytes() == first


def test_batch_redoes_a_task_whose_network_was_edited(tmp_path):
    data, sub = _setup(tmp_path)
    out = tmp_path / "best.zip"
    args = ["optimize", str(sub), "-o", str(out), "--data", str(data), "--jobs", "1", "--quiet"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    (work_dir(out) / "task016.onnx").write_bytes(b"edited")
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "1 task(s) already finished" in res.output
    with zipfile.ZipFile(out) as zf:
        assert zf.read("task016.onnx") != b"edited"


def test_a_network_that_answers_wrongly_is_kept_and_reported(tmp_path):
    data, _ = _setup(tmp_path)
    folder = tmp_path / "nets"
    folder.mkdir()
    # the colour map of task016 submitted for the identity task: runs, solves nothing
    (folder / "task002.onnx").write_bytes(colour_map().SerializeToString())
    out = tmp_path / "o.zip"
    res = CliRunner().invoke(cli, ["optimize", str(folder), "-o", str(out), "--data", str(data),
                                   "--jobs", "1", "--json"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.output)["tasks"][0]
    assert row["solves"] is False
    assert row["kept"] == "optimised"  # cheaper and answering exactly as the original did


def test_bad_submissions_are_one_line_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    not_zip = tmp_path / "x.zip"
    not_zip.write_text("hello")
    for src, msg in ((empty, "holds no network named taskNNN.onnx"), (not_zip, "not a zip file")):
        res = CliRunner().invoke(cli, ["optimize", str(src), "-o", str(tmp_path / "o.zip")])
        assert res.exit_code == 1 and msg in res.output, res.output
    res = CliRunner().invoke(cli, ["optimize", str(empty), "-o", str(tmp_path / "o.onnx")])
    assert res.exit_code == 1


def test_read_networks_from_folder(tmp_path):
    (tmp_path / "task007.onnx").write_bytes(b"a")
    (tmp_path / "other.onnx").write_bytes(b"b")
    assert read_networks(tmp_path) == {7: b"a"}


def test_a_changed_input_network_is_redone_not_resumed(tmp_path):
    """Issue 23: the same -o with another submission must not reuse the first one's results."""
    data, _ = _setup(tmp_path)
    first, second = tmp_path / "b", tmp_path / "c"
    first.mkdir()
    second.mkdir()
    (first / "task016.onnx").write_bytes(_identity_net().SerializeToString())
    (second / "task016.onnx").write_bytes(colour_map().SerializeToString())
    out = tmp_path / "z.zip"
    for src in (first, second):
        res = CliRunner().invoke(cli, ["optimize", str(src), "-o", str(out), "--data", str(data),
                                       "--jobs", "1", "--json"])
        assert res.exit_code == 0, res.output
    assert "resuming" not in res.stderr
    row = json.loads(res.stdout)["tasks"][0]
    assert row["solves"] is True and row["kept"] == "optimised"
    with zipfile.ZipFile(out) as zf:
        assert zf.read("task016.onnx") != _identity_net().SerializeToString()
    # a result-changing option is a new key too
    res = CliRunner().invoke(cli, ["optimize", str(second), "-o", str(out), "--data", str(data),
                                   "--jobs", "1", "--quiet", "--timeout", "99"])
    assert res.exit_code == 0 and "resuming" not in res.output, res.output


def test_output_equal_to_input_is_refused_unless_asked(tmp_path):
    data, sub = _setup(tmp_path)
    before = sub.read_bytes()
    res = CliRunner().invoke(cli, ["optimize", str(sub), "-o", str(sub), "--data", str(data)])
    assert res.exit_code == 1 and "--replace-input" in res.output, res.output
    assert sub.read_bytes() == before
    net = tmp_path / "one.onnx"
    net.write_bytes(colour_map().SerializeToString())
    res = CliRunner().invoke(cli, ["optimize", str(net), "-o", str(tmp_path / "." / "one.onnx")])
    assert res.exit_code == 1 and "is the input" in res.output, res.output
    res = CliRunner().invoke(cli, ["optimize", str(sub), "-o", str(sub), "--data", str(data),
                                   "--jobs", "1", "--quiet", "--replace-input"])
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(sub) as zf:
        assert sorted(zf.namelist()) == ["task002.onnx", "task016.onnx"]


def test_no_task_network_says_what_was_found_and_what_is_expected(tmp_path):
    for name in ("colour_map.onnx", "rotate180.wasteful.onnx", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    res = CliRunner().invoke(cli, ["optimize", str(tmp_path), "-o", str(tmp_path / "o.zip")])
    assert res.exit_code == 1
    line = res.stderr.strip()
    assert "task001.onnx ... task400.onnx" in line, line
    assert "found colour_map.onnx, notes.txt, rotate180.wasteful.onnx" in line, line


def test_search_and_solve_options_are_part_of_the_resume_key(tmp_path: Path) -> None:
    """A run with --search or --solve computes other results: it may not reuse rows of a run
    without them (and back)."""
    from trmgolf.submission.optimize_batch import BatchOptions, result_options, resume_key

    task = tmp_path / "task001.json"
    task.write_text("{}")
    plain = BatchOptions(tmp_path / "in.zip", tmp_path / "out.zip", None, 1, "ng2026", 0, False)
    keys = {resume_key(b"net", result_options(o, task)) for o in (
        plain, replace(plain, solve=True), replace(plain, search_work=20_000),
        replace(plain, search_work=5_000))}
    assert len(keys) == 4
    assert resume_key(b"net", result_options(plain, task)) == resume_key(b"net", result_options(plain, task))
