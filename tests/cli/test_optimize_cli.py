"""`trmgolf optimize` and `trmgolf ir` on the built-in wasteful networks."""

import json
import subprocess
import sys

import onnx
import pytest
from click.testing import CliRunner

from trmgolf.cli import cli
from trmgolf.examples import EXAMPLES


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_optimize_is_several_times_cheaper_and_answers_identically(name, tmp_path, neurogolf):
    build, task = EXAMPLES[name]
    src, dst = tmp_path / "in.onnx", tmp_path / "out.onnx"
    onnx.save(build(), src)
    res = CliRunner().invoke(cli, ["optimize", str(src), "-o", str(dst), "--task", str(task),
                                   "--data", str(neurogolf), "--json", "--report",
                                   str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["after"]["valid"] and summary["before"]["valid"]
    assert summary["ratio"] >= 3, summary
    assert summary["checked_examples"] > 100
    assert dst.is_file() and (tmp_path / "r.json").is_file()
    # the written file is what the report describes
    cost = CliRunner().invoke(cli, ["cost", str(dst), "--task", str(task), "--data",
                                    str(neurogolf), "--json"])
    scored = json.loads(cost.output)
    assert scored["valid"] and scored["points"] == pytest.approx(summary["after"]["points"])


def test_optimize_is_deterministic(tmp_path):
    build, _ = EXAMPLES["rotate180"]
    src = tmp_path / "in.onnx"
    onnx.save(build(), src)
    outs = []
    for k in range(2):
        dst = tmp_path / f"o{k}.onnx"
        assert CliRunner().invoke(cli, ["optimize", str(src), "-o", str(dst)]).exit_code == 0
        outs.append(dst.read_bytes())
    assert outs[0] == outs[1]


def test_optimize_refuses_a_result_that_answers_differently(tmp_path, neurogolf, monkeypatch):
    import trmgolf.compiler.optimize as opt

    build, task = EXAMPLES["colour_map"]
    src, dst = tmp_path / "in.onnx", tmp_path / "out.onnx"
    onnx.save(build(), src)
    original = opt.run_examples

    def broken(model, inputs, **kw):
        outs = original(model, inputs, **kw)
        if isinstance(model, bytes):  # the rewritten model (the original is a ModelProto)
            outs[0] = -outs[0]
        return outs

    monkeypatch.setattr(opt, "run_examples", broken)
    res = CliRunner().invoke(cli, ["optimize", str(src), "-o", str(dst), "--task", str(task),
                                   "--data", str(neurogolf)])
    assert res.exit_code != 0
    assert "answers differently" in res.output
    assert not dst.exists()


BAD_INPUTS = {
    "optimize-missing": ["optimize", "{tmp}/missing.onnx", "-o", "{tmp}/x.onnx"],
    "optimize-corrupt": ["optimize", "{bad}", "-o", "{tmp}/x.onnx"],
    "ir-corrupt": ["ir", "{bad}"],
    "ir-unknown-pass": ["ir", "{bad}", "--after", "nope"],
}


def _bad_args(tmp_path, args: list[str]) -> list[str]:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    return [a.format(tmp=tmp_path, bad=bad) for a in args]


@pytest.mark.parametrize("args", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_inputs_give_one_line_and_no_file(tmp_path, args):
    res = CliRunner().invoke(cli, _bad_args(tmp_path, args))
    assert res.exit_code != 0
    assert res.exception is None or isinstance(res.exception, SystemExit)  # no traceback
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.output
    assert not (tmp_path / "x.onnx").exists()


@pytest.mark.slow
@pytest.mark.parametrize("args", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_inputs_in_a_real_process(tmp_path, args):
    """The same through ``python -m trmgolf.cli`` (a process start imports torch: seconds)."""
    proc = subprocess.run([sys.executable, "-m", "trmgolf.cli", *_bad_args(tmp_path, args)],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "x.onnx").exists()


def test_ir_after_pass_shows_the_stage(tmp_path):
    build, _ = EXAMPLES["conv_colour_map"]
    src = tmp_path / "in.onnx"
    onnx.save(build(), src)
    raw = CliRunner().invoke(cli, ["ir", str(src)]).output
    folded = CliRunner().invoke(cli, ["ir", str(src), "--after", "dce"]).output
    assert "exp(" in raw and "exp(" not in folded
    # the 1x1 selection conv is a gather after channel_gather
    assert folded.count("gather(") == 1 and "conv2d(" not in folded and "mul(" not in folded
    unknown = CliRunner().invoke(cli, ["ir", str(src), "--after", "nope"])
    assert unknown.exit_code != 0 and "unknown stage" in unknown.output
