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

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS.parent), str(TESTS / "submission"), str(TESTS / "trainer")]
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
        assert "not a readable ONNX model (not a valid ONNX protobuf file)" in line


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


# --- --kernel -----------------------------------------------------------------------------

@pytest.fixture()
def swap_model(tmp_path) -> tuple[Path, Path]:
    model = tmp_path / "swap.onnx"
    onnx.save(color_map(SWAP), model)
    return model, swap_task(tmp_path)


@pytest.mark.parametrize("spec, message", [
    ("bogus=fused", "unknown op 'bogus' (ops with a choice of lowering: abs, add,"),
    ("gather=nonsense", "unknown choice 'nonsense' (lowerings of gather: "),
    ("rms_norm=fsued", "unknown choice 'fsued' (lowerings of rms_norm: fused, decomposed)"),
])
def test_an_unknown_kernel_op_or_choice_is_an_error_naming_the_valid_ones(swap_model, tmp_path, spec,
                                                                          message):
    model, _ = swap_model
    line = one_error_line(run("optimize", model, "-o", tmp_path / "o.onnx", "--kernel", spec))
    assert message in line
    assert not (tmp_path / "o.onnx").exists()


def test_a_kernel_op_absent_from_the_graph_is_a_warning(swap_model, tmp_path):
    model, _ = swap_model
    res = run("optimize", model, "-o", tmp_path / "o.onnx", "--kernel", "attention=fused")
    assert res.exit_code == 0, res.output
    assert "warning: --kernel attention=fused: this network has no attention node; ignored" in res.stderr


def test_a_forced_kernel_that_cannot_apply_says_why():
    from trmgolf.compiler.select import check_forced
    from trmgolf.errors import UserError
    from trmgolf.ir.builder import Builder

    b = Builder()
    with b.region("net"):
        y = b.op("rms_norm", b.input, axis=1, eps=1e-6)
    nodes = b.finish(y).nodes
    with pytest.raises(UserError, match="rms_norm node in net: the normalised axis is not the last"):
        check_forced(nodes, {"rms_norm": "fused"}, 24)
    with pytest.raises(UserError, match=r"needs opset 23 or later \(this target has opset 18\)"):
        check_forced(nodes, {"rms_norm": "fused"}, 18)
    assert check_forced(nodes, {"rms_norm": "decomposed"}, 18) == []


def test_compile_help_keeps_choice_names_whole():
    from trmgolf.kernels import alternatives

    res = CliRunner().invoke(cli, ["compile", "--help"], terminal_width=80)
    for op in ("attention", "swiglu", "rms_norm"):
        for alt in alternatives(op):
            assert alt.name in res.output, alt.name


# --- Submission and reports ---------------------------------------------------------------

def test_solve_on_a_subset_keeps_every_finished_task_in_the_zip(tmp_path, monkeypatch):
    import zipfile

    import solve_fakes as fakes

    fakes.install(monkeypatch)
    data = fakes.write_tasks(tmp_path / "data")
    out = tmp_path / "out"
    base = ["solve", "-o", out, "--data", data, "--router", "heuristic", "--jobs", "1", "--quiet"]
    assert run(*base, "--tasks", "1-3").exit_code == 0
    res = run(*base, "--tasks", "1")
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(out / "submission.zip") as zf:
        assert zf.namelist() == ["task001.onnx", "task002.onnx"]
    assert json.loads((out / "scores.json").read_text())["summary"]["solved"] == 2


def test_solve_without_a_terminal_prints_a_line_per_finished_task(tmp_path, monkeypatch):
    import solve_fakes as fakes

    fakes.install(monkeypatch)
    data = fakes.write_tasks(tmp_path / "data")
    res = run("solve", "-o", tmp_path / "out", "--data", data, "--router", "heuristic", "--jobs", "1",
              "--tasks", "1-3")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert any(line.startswith("1/3 task001: solved by") for line in lines), res.stdout
    assert any(line.startswith("3/3 task003: not solved") for line in lines), res.stdout


@pytest.mark.slow
def test_compile_report_names_the_network_and_its_checkpoint(ckpt, tmp_path):
    task = swap_task(tmp_path)
    out = tmp_path / "net.onnx"
    res = run("compile", ckpt, "--task", task, "-o", out, "--report", tmp_path / "r.json")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["model"], report["source"]) == (str(out), str(ckpt))
    assert res.stdout.count(f"{out} (from {ckpt})") == 1


def test_optimize_report_says_what_was_verified_and_which_lowerings(swap_model, tmp_path):
    model, task = swap_model
    res = run("optimize", model, "-o", tmp_path / "o.onnx", "--task", task, "--report", tmp_path / "r.json")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["exact"] is True
    assert report["examples"] == {"train": {"passed": 2, "failed": 0}, "test": {"passed": 1, "failed": 0},
                                  "arc-gen": {"passed": 3, "failed": 0}}
    assert report["kernels"] and all("=" in k for k in report["kernels"])
    assert (report["model"], report["source"]) == (str(tmp_path / "o.onnx"), str(model))
    assert "solves the task (train 2/2, test 1/1, arc-gen 3/3)" in res.stdout


def test_optimize_against_the_wrong_task_says_it_does_not_solve_it(tmp_path):
    model = tmp_path / "wrong.onnx"
    onnx.save(color_map({1: 2}), model)  # colours 1 and 2 both become 2: not the swap
    task = swap_task(tmp_path)
    res = run("optimize", model, "-o", tmp_path / "o.onnx", "--task", task)
    assert res.exit_code == 0, res.output
    assert "does NOT solve the task: points null" in res.stdout
    res = run("optimize", model, "-o", tmp_path / "o.onnx", "--task", task, "--json")
    summary = json.loads(res.stdout)
    assert summary["solved"] is False and summary["after"]["points"] is None


def test_the_png_report_shows_totals_points_and_where_the_cost_goes():
    from trmgolf.scoring.plot import MAX_BARS, cost_figure

    regions = {f"step0/cycle0/L{i}/block{j}": {"bytes": 1000 * (i + 1), "params": 10 * (j + 1)}
               for i in range(20) for j in range(2)}
    report = {"model": "out/task016.onnx", "source": "run.pt", "valid": True, "cost_model": "official",
              "memory": 480_000, "params": 600, "total": 480_600, "points": 11.9,
              "regions": regions, "op_types": {"Einsum": {"bytes": 400_000}, "Add": {"bytes": 80_000}}}
    fig = cost_figure(report)
    title = fig._suptitle.get_text()
    assert "out/task016.onnx" in title and "run.pt" in title
    assert "memory 480,000 B + params 600 = 480,600" in title and "11.900 points" in title
    region_ax, op_ax, param_ax = fig.axes
    assert region_ax.get_title(loc="left").startswith("bytes per region")
    labels = [t.get_text() for t in region_ax.get_yticklabels()]
    assert len(labels) == MAX_BARS and "(5 more)" in labels and "step0/cycle0/L19" in labels
    assert min(t.get_fontsize() for t in region_ax.get_yticklabels()) >= 9
    assert {t.get_text() for t in param_ax.get_yticklabels()} == {"block0", "block1"}
    assert any("kB" in t.get_text() for t in op_ax.texts)  # values in readable units, not 0.010 MB


def test_tables_cut_to_top_say_so(tmp_path):
    from onnx_factories import relu_neg

    model = tmp_path / "two_ops.onnx"
    onnx.save(relu_neg(), model)  # two op types: Relu, Identity
    res = run("cost", model, "--top", "1")
    assert "1 more row; --top 0 shows all" in res.stdout
    res = run("cost", model, "--top", "0")
    assert "--top 0 shows all" not in res.stdout


def test_written_files_follow_the_umask(tmp_path):
    import os

    from trmgolf.fsutil import write_atomic

    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.onnx", b"x")
        assert (tmp_path / "new.onnx").stat().st_mode & 0o777 == 0o644
        (tmp_path / "shared.json").write_text("{}")
        (tmp_path / "shared.json").chmod(0o664)
        write_atomic(tmp_path / "shared.json", "[]")  # a replaced file keeps its mode
        assert (tmp_path / "shared.json").stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)


def test_the_demo_writes_the_wasteful_originals_beside_the_optimised(tmp_path, monkeypatch):
    from trmgolf.examples import EXAMPLES

    monkeypatch.delenv("TRMGOLF_DATA", raising=False)
    monkeypatch.setattr("trmgolf.tasks.BESIDE_CHECKOUT", tmp_path / "nowhere")
    res = run("demo", "--skip-trm", "-o", tmp_path / "demo")
    assert res.exit_code == 0, res.output
    for name in EXAMPLES:
        wasteful, optimised = tmp_path / "demo" / f"{name}.wasteful.onnx", tmp_path / "demo" / f"{name}.onnx"
        assert wasteful.stat().st_size > optimised.stat().st_size
        onnx.checker.check_model(onnx.load(wasteful))


# --- Data lookup, progress, start-up ------------------------------------------------------

def test_every_command_finds_tasks_beside_the_checkout(swap_model, tmp_path, monkeypatch):
    model, task = swap_model
    folder = tmp_path / "shared" / "data" / "neurogolf"
    folder.mkdir(parents=True)
    (folder / "task016.json").write_text(task.read_text())
    monkeypatch.delenv("TRMGOLF_DATA", raising=False)
    monkeypatch.setattr("trmgolf.tasks.BESIDE_CHECKOUT", folder)
    res = run("cost", model, "--task", "16", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["exact"] is True


@pytest.mark.slow
def test_training_that_stops_early_says_so(tmp_path, monkeypatch):
    from trainer_synthetic import colour_map_task, write_tasks

    data = write_tasks(tmp_path / "data", {1: colour_map_task(0, n_gen=6)})
    monkeypatch.setattr("trmgolf.trainer.train.stop_early", lambda cfg, ev, done, dev: done == 2)
    res = run("train", "--task", "1", "--steps", "4", "-o", tmp_path / "t.pt", "--data", data, "--quiet")
    assert res.exit_code == 0, res.output
    assert "stopped early at step 2 of 4: every training example is exact" in res.stdout


def test_start_up_imports_neither_torch_nor_onnx():
    import subprocess

    code = ("import sys\nfrom trmgolf.cli import cli\n"
            "for args in (['--help'], ['--version']):\n"
            "    try:\n        cli(args)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('torch', 'onnx', 'onnxruntime', 'numpy', 'matplotlib', 'rich')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_help_texts_agree():
    def help_of(*cmd: str) -> str:
        return " ".join(CliRunner().invoke(cli, [*cmd, "--help"], terminal_width=200).output.split())

    optimize = help_of("optimize")
    assert "Stop after" not in optimize
    assert "Also print the IR of the network written as it is after" in optimize
    assert "trmgolf.compile" not in help_of("solve")
    assert "[ng2026|opset18|opset17|opset13]" in help_of("compile")
    assert "[ng2026|opset18|opset17|opset13]" in optimize
    from trmgolf.trainer.config import PRESETS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"presets: {', '.join(PRESETS)}" in readme
    assert f"Model and schedule: {', '.join(PRESETS)}." in help_of("train")
