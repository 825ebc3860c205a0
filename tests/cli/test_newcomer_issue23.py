"""Issue 23, "the rest of the newcomer's list": each point through the CLI (click's runner
captures output as a pipe would: not a terminal)."""

from __future__ import annotations

import json

import onnx
from click.testing import CliRunner
from onnx import TensorProto as T
from onnx import helper as h

from trmgolf.cli import cli
from trmgolf.examples import colour_map


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
