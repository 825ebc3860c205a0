"""Issue 23, "the rest of the newcomer's list": each point through the CLI (click's runner
captures output as a pipe would: not a terminal)."""

from __future__ import annotations

import json

import onnx
import pytest
from click.testing import CliRunner
from onnx import TensorProto as T
from onnx import helper as h

from trmgolf.cli import cli
from trmgolf.examples import colour_map, synthetic_colour_map_task


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def model(nodes, input_name: str = "input") -> onnx.ModelProto:
    g = h.make_graph(nodes, "g", [h.make_tensor_value_info(input_name, T.FLOAT, [1, 10, 30, 30])],
                     [h.make_tensor_value_info("output", T.FLOAT, [1, 10, 30, 30])])
    return h.make_model(g, opset_imports=[h.make_opsetid("", 17)], ir_version=10)


def test_a_dead_tensor_is_marked_in_the_report(tmp_path):
    path = tmp_path / "dead.onnx"
    onnx.save(model([h.make_node("Neg", ["input"], ["unused"]),
                     h.make_node("Identity", ["input"], ["output"])]), path)
    res = run("cost", path, "--json")
    assert res.exit_code == 0, res.output
    rows = {t["name"]: t for t in json.loads(res.output)["tensors"]}
    assert rows["unused"]["dead"] is True and rows["unused"]["bytes"] == 36_000
    text = run("cost", path).output
    assert "dead tensors: 1 (36,000 B)" in text
    live = tmp_path / "live.onnx"
    onnx.save(model([h.make_node("Neg", ["input"], ["t"]), h.make_node("Neg", ["t"], ["output"])]), live)
    assert json.loads(run("cost", live, "--json").output)["tensors"][0]["dead"] is False
    assert "dead tensors" not in run("cost", live).output


def test_diff_compares_kernel_choices_only_when_both_record_them(tmp_path):
    src = tmp_path / "cm.onnx"
    onnx.save(colour_map(), src)
    assert run("cost", src, "--report", tmp_path / "a.json").exit_code == 0
    assert run("optimize", src, "-o", tmp_path / "b.onnx", "--report", tmp_path / "b.json").exit_code == 0
    assert json.loads((tmp_path / "b.json").read_text())["kernels"]  # the optimised one records them
    res = run("diff", tmp_path / "a.json", tmp_path / "b.json", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["kernels"] == []
    assert "kernel choices" not in run("diff", tmp_path / "a.json", tmp_path / "b.json").output


def test_piped_output_is_not_cut_at_80_columns(tmp_path):
    folder = tmp_path / ("a_folder_with_a_rather_long_name_" * 3)
    folder.mkdir()
    src, out = folder / "colour_map.onnx", folder / "colour_map.optimised.onnx"
    onnx.save(colour_map(), src)
    res = run("optimize", src, "-o", out)
    assert res.exit_code == 0, res.output
    assert f"{src} -> {out}" in res.output.splitlines()[0]


def test_training_curves_have_a_title_and_markers_that_do_not_hide_each_other():
    import matplotlib.pyplot as plt

    from trmgolf.trainer.train import metrics_figure

    rows = [{"step": s, "loss": 1.0 / (s + 1), "exact": 0.5} for s in range(0, 20, 10)]
    rows += [{"step": 10, "eval": {"train": 1.0, "heldout": 1.0, "test": 1.0}}]
    fig = metrics_figure(rows, "run.pt: tiny TRM on task016")
    try:
        assert fig._suptitle is not None and fig._suptitle.get_text() == "run.pt: tiny TRM on task016"
        evals = [line for line in fig.axes[1].lines if line.get_label().endswith(" exact")
                 and line.get_label() != "batch exact"]
        assert len(evals) == 3
        assert len({line.get_marker() for line in evals}) == 3  # same values, all three visible
        assert len({line.get_markersize() for line in evals}) == 3
        assert all(line.get_fillstyle() == "none" for line in evals)
    finally:
        plt.close(fig)


@pytest.mark.slow
def test_train_then_compile_report_keep_both_pictures_and_say_so(tmp_path, monkeypatch):
    import trmgolf.trainer.train as train_module

    task = tmp_path / "task.json"
    task.write_text(json.dumps(synthetic_colour_map_task(n_arc_gen=8)))
    monkeypatch.setattr(train_module, "stop_early", lambda tcfg, last, done, device: done == 2)
    ckpt = tmp_path / "run.pt"
    res = run("train", "--task", task, "-o", ckpt, "--steps", "4")
    assert res.exit_code == 0, res.output
    assert res.output.count("stopped early at step") == 1, res.output
    curves = tmp_path / "run.curves.png"
    assert f"wrote {curves} (loss and exact-match curves)" in res.output
    assert f"{tmp_path / 'run.metrics.jsonl'}" in res.output
    before = curves.read_bytes()
    res = run("compile", ckpt, "--task", task, "-o", tmp_path / "t.onnx", "--report", tmp_path / "run.json",
              "--quiet")
    assert res.exit_code == 0, res.output
    assert f"wrote {tmp_path / 'run.json'} (cost report) and {tmp_path / 'run.cost.png'}" in res.output
    assert curves.read_bytes() == before and (tmp_path / "run.cost.png").is_file()


def one_line_error(res) -> str:
    assert res.exit_code == 1, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.stderr
    return lines[0]


def test_one_phrasing_for_a_file_that_is_not_onnx_and_hints_for_the_wrong_kind(tmp_path):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\xff\xff not onnx")
    task = tmp_path / "task.json"
    task.write_text(json.dumps(synthetic_colour_map_task(n_arc_gen=2)))
    want = f"Error: {junk}: not a readable ONNX model (not a valid ONNX protobuf file)"
    for args in (["cost", junk], ["verify", junk, "--task", task], ["ir", junk],
                 ["optimize", junk, "-o", tmp_path / "o.onnx"]):
        assert one_line_error(run(*args)) == want, args
    ckpt = tmp_path / "run.pt"
    ckpt.write_bytes(b"PK\x03\x04 a torch zip, as far as the header goes")
    for args in (["cost", ckpt], ["verify", ckpt, "--task", task],
                 ["optimize", ckpt, "-o", tmp_path / "o.onnx"]):
        line = one_line_error(run(*args))
        assert f"{ckpt}: a TRM checkpoint, not an ONNX network" in line and "trmgolf compile" in line
    net = tmp_path / "net.onnx"
    onnx.save(colour_map(), net)
    for args in (["compile", net, "--task", task, "-o", tmp_path / "x.onnx"], ["eval", net, "--task", task]):
        line = one_line_error(run(*args))
        assert f"{net}: not a TRM checkpoint (an .onnx file is a network" in line, line
        assert "trmgolf cost" in line and "trmgolf optimize" in line


def test_an_input_named_x_is_called_x_and_verify_stops_at_invalid(tmp_path):
    path = tmp_path / "x.onnx"
    onnx.save(model([h.make_node("Neg", ["x"], ["output"])], input_name="x"), path)
    line = one_line_error(run("cost", path))
    assert "the graph input is named 'x', not 'input'" in line and "safe_name" not in line
    task = tmp_path / "task.json"
    task.write_text(json.dumps(synthetic_colour_map_task(n_arc_gen=2)))
    res = run("verify", path, "--task", task)
    assert res.exit_code == 1
    assert "INVALID io_signature: the graph input is named 'x'" in res.output
    assert "thread check" not in res.output and "first failure" not in res.output
    assert "not run" in res.output


def test_a_runtime_error_is_kept_whole_and_in_the_users_names():
    from trmgolf.scoring.validity import one_line

    tail = "the part that says what is wrong " * 12
    e = RuntimeError(f"[ONNXRuntimeError] : 1 : FAIL : node safe_name_3 failed:\n{tail}")
    text = one_line(e, {"safe_name_3": "my_conv_out"})
    assert text.endswith(tail.strip()) and "my_conv_out" in text and "\n" not in text
