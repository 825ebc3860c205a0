"""trmgolf show and verify --picture write PNGs of examples and answers."""

from __future__ import annotations

import io

import onnx
from click.testing import CliRunner
from matplotlib.image import imread
from onnx_factories import color_map, swap_task

from trmgolf.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _png_shape(path) -> tuple[int, ...]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return imread(io.BytesIO(data)).shape


def test_show_a_task_and_a_networks_answers(tmp_path) -> None:
    task = swap_task(tmp_path)
    wrong = tmp_path / "wrong.onnx"
    onnx.save(color_map({1: 2}), wrong)
    plain, answered = tmp_path / "plain.png", tmp_path / "answered.png"
    res = run("show", task, "-o", plain)
    assert res.exit_code == 0 and "3 of 3 examples" in res.output, res.output
    res = run("show", task, "--network", wrong, "-o", answered, "--splits", "train,test,arc-gen", "--max", 4)
    assert res.exit_code == 0, res.output
    assert "4 of 6 examples" in res.output and "wrong" in res.output
    h1, w1, _ = _png_shape(plain)
    h2, w2, _ = _png_shape(answered)
    assert w2 > w1 and h2 > h1  # a third column (the answers) and a fourth row


def test_show_refuses_an_unknown_split_in_one_line(tmp_path) -> None:
    res = run("show", swap_task(tmp_path), "--splits", "train,eval")
    assert res.exit_code == 1 and res.output.startswith("Error: --splits train,eval")


def test_verify_picture_of_the_first_failures(tmp_path) -> None:
    task = swap_task(tmp_path)
    wrong, good = tmp_path / "wrong.onnx", tmp_path / "good.onnx"
    onnx.save(color_map({1: 2}), wrong)
    onnx.save(color_map({1: 2, 2: 1}), good)
    pic = tmp_path / "fail.png"
    res = run("verify", wrong, "--task", task, "--picture", pic, "--no-threads-check")
    assert res.exit_code == 1 and f"wrote {pic} (4 failing example(s))" in res.output
    assert _png_shape(pic)[0] > 0
    res = run("verify", good, "--task", task, "--picture", pic, "--no-threads-check")
    assert res.exit_code == 0 and "no failing example" in res.output
