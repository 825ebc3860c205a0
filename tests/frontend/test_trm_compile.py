"""The TRM front end and ``compile``: exact against PyTorch, valid, deterministic, clear errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from trmgolf.cli import cli
from trmgolf.compiler.driver import NARROW_STAGE, compile_graph
from trmgolf.errors import UserError
from trmgolf.frontend.compile import compile_checkpoint
from trmgolf.frontend.trm import trm_graph
from trmgolf.ir import print_graph, run
from trmgolf.scoring.report import diff
from trmgolf.scoring.validity import validate
from trmgolf.trainer import TRMConfig, load_model

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.checkpoints import make_checkpoint  # noqa: E402

CONFIGS = {
    "attention": TRMConfig(hidden=16, heads=2, expansion=2.0, intermediate=24, layers=2,
                           H_cycles=2, L_cycles=2, puzzle_emb_len=3, canvas_h=5, canvas_w=4,
                           mixer="attention", sup_steps=2),
    "conv": TRMConfig(hidden=16, heads=1, expansion=2.0, intermediate=24, layers=1,
                      H_cycles=2, L_cycles=3, puzzle_emb_len=0, canvas_h=6, canvas_w=6,
                      mixer="conv", sup_steps=1),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    r = np.random.RandomState(0)

    def ex(h: int = 5, w: int = 4) -> dict:
        return {"input": r.randint(0, 10, (r.randint(1, h + 1), r.randint(1, w + 1))).tolist(),
                "output": r.randint(0, 10, (r.randint(1, h + 1), r.randint(1, w + 1))).tolist()}

    for name in ("task001", "task002"):
        (folder / f"{name}.json").write_text(json.dumps(
            {"train": [ex() for _ in range(3)], "test": [ex()], "arc-gen": [ex() for _ in range(8)]}))
    (folder / "task003.json").write_text(json.dumps({"train": [ex(12, 12)], "test": [ex()]}))
    (folder / "task004.json").write_text(json.dumps(
        {"train": [ex(3, 3) for _ in range(2)], "test": [ex(3, 3)], "arc-gen": [ex(3, 3) for _ in range(3)]}))
    return folder


@pytest.fixture(scope="module")
def ckpts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    out = {}
    for name, cfg in CONFIGS.items():
        out[name] = folder / f"{name}.pt"
        make_checkpoint(out[name], cfg, tasks=("task001", "task002", "task003"), seed=3)
    return out


@pytest.mark.parametrize("mixer", [pytest.param("attention", marks=pytest.mark.slow), "conv"])
def test_ir_matches_pytorch(ckpts, mixer):
    graph = trm_graph(ckpts[mixer], "task002")
    module = load_model(ckpts[mixer], "task002")
    r = np.random.RandomState(1)
    for _ in range(3):
        x = np.zeros((1, 10, 30, 30), np.float32)
        h, w = r.randint(1, 5), r.randint(1, 4)
        x[0, r.randint(0, 10, (h, w)), *np.indices((h, w))] = 1
        with torch.no_grad():
            ref = module(torch.from_numpy(x)).numpy() > 0
        assert np.array_equal(run(graph, x) > 0, ref)


@pytest.mark.parametrize("mixer", [pytest.param("attention", marks=pytest.mark.slow), "conv"])
@pytest.mark.parametrize("target", ["ng2026", "opset17"])
def test_compile_is_valid_and_exact(ckpts, data_dir, mixer, target):
    c = compile_checkpoint(ckpts[mixer], "task001", data_dir, target=target)
    assert c.exact and c.examples == 12
    assert validate(c.data).valid
    ops = {n.op_type for n in c.emitted.model.graph.node}
    if mixer == "attention":
        assert ("Attention" in ops) == (target == "ng2026")


def test_compile_is_deterministic(ckpts, data_dir):
    a = compile_checkpoint(ckpts["conv"], "task001", data_dir).data
    b = compile_checkpoint(ckpts["conv"], "task001", data_dir).data
    assert a == b


@pytest.mark.slow
def test_forced_kernel_and_fused_savings(ckpts, data_dir):
    fused = compile_checkpoint(ckpts["attention"], "task001", data_dir, narrow=False)
    dec = compile_checkpoint(ckpts["attention"], "task001", data_dir, narrow=False,
                             forced={"attention": "decomposed", "rms_norm": "decomposed"})
    assert dec.exact and dec.report.memory > fused.report.memory
    assert dec.report.kernels["attention=decomposed"] == sum(
        n for k, n in fused.report.kernels.items() if k.startswith("attention="))
    moved = {r["kernel"]: (r["a"], r["b"]) for r in diff(fused.report, dec.report)["kernels"]}
    assert moved["attention=decomposed"][0] == 0 and moved["rms_norm=decomposed"][0] == 0
    with pytest.raises(UserError, match="kernel attention=nope"):
        compile_checkpoint(ckpts["attention"], "task001", data_dir, forced={"attention": "nope"})


def test_task_larger_than_canvas_is_a_user_error(ckpts, data_dir):
    with pytest.raises(UserError, match="canvas is 6x6"):
        compile_checkpoint(ckpts["conv"], "task003", data_dir)


@pytest.mark.slow
def test_crop_is_exact_against_the_cropped_model(ckpts, data_dir):
    c = compile_checkpoint(ckpts["conv"], "task001", data_dir, crop=True)
    full = compile_checkpoint(ckpts["conv"], "task001", data_dir)
    assert c.exact and c.source.cropped and c.report.memory < full.report.memory


def test_stages_name_every_pass(ckpts, data_dir):
    names = [n for n, _ in compile_checkpoint(ckpts["conv"], "task001", data_dir, verify=False).stages]
    assert names[0] == "frontend" and "narrow_dtypes" in names and names[-1] == "dce@narrowed"


@pytest.mark.parametrize(("mixer", "narrow"), [("conv", True), ("conv", False),
                                               pytest.param("attention", True, marks=pytest.mark.slow)])
def test_last_stage_emitted_again_is_the_network_written(ckpts, data_dir, mixer, narrow):
    """The conv model verifies in float16; the attention one only in float32 (every cheaper
    precision refused): either way the stages are those of the candidate written."""
    c = compile_checkpoint(ckpts[mixer], "task001", data_dir, narrow=narrow)
    names = [n for n, _ in c.stages]
    assert (NARROW_STAGE in names) == (c.precision != "float32")
    assert (c.precision != "float32") == (mixer == "conv" and narrow)
    assert names[0] == "frontend" and c.graph is c.stages[-1][1]
    assert compile_graph(c.graph, pipeline=[]).data == c.data


def _compile_and_show(runner, args: list[str], tmp_path, stage: str, *flags: str):
    """``compile --dump-ir`` with ``flags``: the dumped files, the file written, and what
    ``ir --after stage`` (same flags) prints."""
    out, dump = tmp_path / "n.onnx", tmp_path / "dump"
    res = runner.invoke(cli, ["compile", *args, "-o", str(out), "--dump-ir", str(dump), "-q", *flags])
    assert res.exit_code == 0, res.output
    shown = runner.invoke(cli, ["ir", *args, "--after", stage, *flags])
    return sorted(dump.iterdir()), out.read_bytes(), shown


@pytest.mark.slow
def test_ir_after_a_stage_is_the_dump_of_the_network_written(ckpts, data_dir, tmp_path):
    runner = CliRunner()
    args = [str(ckpts["conv"]), "--task", "1", "--data", str(data_dir)]
    files, written, shown = _compile_and_show(runner, args, tmp_path, NARROW_STAGE)
    narrowed = [f for f in files if f.name.endswith(f"_{NARROW_STAGE}.ir")]
    assert len(narrowed) == 1 and shown.exit_code == 0 and shown.output == narrowed[0].read_text()
    assert "float16" in shown.output
    final = runner.invoke(cli, ["ir", *args, "--after", "final"])
    assert final.output == files[-1].read_text()
    c = compile_checkpoint(ckpts["conv"], "task001", data_dir)
    assert files[-1].read_text() == print_graph(c.graph)
    assert compile_graph(c.graph, pipeline=[]).data == written


@pytest.mark.slow
def test_ir_follows_the_precision_compile_chose(ckpts, data_dir, tmp_path):
    """The attention model verifies only in float32: nothing was narrowed, and ``ir`` says so
    instead of showing a float16 graph; unverified, the cheapest (float16) is written and shown."""
    runner = CliRunner()
    args = [str(ckpts["attention"]), "--task", "1", "--data", str(data_dir)]
    files, _, shown = _compile_and_show(runner, args, tmp_path / "v", NARROW_STAGE)
    assert not any(NARROW_STAGE in f.name for f in files)
    assert shown.exit_code != 0 and "precision float32" in shown.output
    files, _, shown = _compile_and_show(runner, args, tmp_path / "nv", NARROW_STAGE, "--no-verify")
    narrowed = [f for f in files if f.name.endswith(f"_{NARROW_STAGE}.ir")]
    assert len(narrowed) == 1 and shown.exit_code == 0 and shown.output == narrowed[0].read_text()
    unknown = runner.invoke(cli, ["ir", *args, "--after", "narow"])
    assert unknown.exit_code != 0 and "unknown stage 'narow'" in unknown.output


@pytest.mark.slow
def test_cli_compile_refuses_and_writes_nothing(ckpts, data_dir, tmp_path):
    out = tmp_path / "t.onnx"
    res = CliRunner().invoke(cli, ["compile", str(ckpts["conv"]), "--task", "3", "--data",
                                   str(data_dir), "-o", str(out)])
    assert res.exit_code != 0 and "canvas" in res.output and not out.exists()
    res = CliRunner().invoke(cli, ["compile", str(ckpts["conv"]), "--task", "1", "--data",
                                   str(data_dir), "-o", str(out), "--report",
                                   str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    assert out.exists() and (tmp_path / "r.cost.png").exists()
    assert f"wrote {tmp_path / 'r.json'} (cost report) and {tmp_path / 'r.cost.png'}" in res.output
    # An untrained model is exact against PyTorch but fails the task: no points, and it says so.
    assert "points null" in res.output and "does NOT solve the task" in res.output
    assert "largest tensors" in res.output  # the cost table follows the summary
    report = json.loads((tmp_path / "r.json").read_text())
    assert any(k.startswith("step0/cycle0/L0/block0") for k in report["regions"])
    assert report["points"] is None and report["exact"] is False
    quiet = CliRunner().invoke(cli, ["compile", str(ckpts["conv"]), "--task", "1", "--data",
                                     str(data_dir), "-o", str(out), "--quiet"])
    assert quiet.exit_code == 0 and "largest tensors" not in quiet.output


@pytest.mark.slow
def test_exact_but_unsolved_gets_no_points(ckpts, data_dir):
    c = compile_checkpoint(ckpts["conv"], "task001", data_dir)
    assert c.exact is True and c.solved is False
    assert c.report.points is None and c.report.exact is False
    assert sum(v["failed"] for v in c.report.examples.values()) > 0
    assert sum(v["passed"] + v["failed"] for v in c.task_counts.values()) == c.examples


def test_task_counts_follow_the_expected_outputs(data_dir):
    from trmgolf.frontend.compile import task_counts
    from trmgolf.tasks import grid_to_onehot, load_task

    examples = load_task(1, data_dir).examples()
    right = [grid_to_onehot(ex.output) for _, ex in examples]
    assert all(c["failed"] == 0 for c in task_counts(right, examples).values())
    wrong = right[:-1] + [RuntimeError("boom")]
    assert task_counts(wrong, examples)["arc-gen"] == {"passed": 7, "failed": 1}


@pytest.fixture(scope="module")
def preset_ckpts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("presets")
    out = {}
    for preset in ("tiny", "small", "reference"):
        out[preset] = folder / f"{preset}.pt"
        make_checkpoint(out[preset], preset, tasks=("task001", "task002", "task004"), seed=1)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["tiny", "small", "reference"])
@pytest.mark.parametrize("task", ["task001", "task002", "task004"])
def test_presets_compile_exactly(preset_ckpts, data_dir, preset, task):
    """Every preset (conv: tiny; attention: small, reference) on three tasks, on the task's
    cropped canvas (the full 30x30 reference is checked once below: it is slow to run)."""
    c = compile_checkpoint(preset_ckpts[preset], task, data_dir, crop=True)
    assert c.exact and c.source.cropped and validate(c.data).valid
    assert c.examples == len(load_task_examples(data_dir, task))


def load_task_examples(data_dir, task):
    from trmgolf.tasks import load_task

    return load_task(task, data_dir).examples()


@pytest.mark.slow
def test_reference_uncropped_is_exact(preset_ckpts, data_dir):
    """The benchmark's network as is (30x30 canvas, 916 tokens, 30 blocks) on two examples."""
    c = compile_checkpoint(preset_ckpts["reference"], "task004", data_dir, max_examples=2,
                           narrow=False)
    assert c.exact and not c.source.cropped and validate(c.data).valid
    assert c.source.module.config.seq_len == 916


@pytest.mark.slow
def test_reference_block_stores_nine_token_tensors_and_one_gate(preset_ckpts, data_dir):
    """The README's accounting of a reference block (916 tokens, float16): q, k, v, the
    attention output, ``y W_o^T + h`` (one RNN), rms_norm, the SwiGLU output, the residual
    add and rms_norm are ``[L, D]``; ``sigmoid(gate)`` (one RNN) is the only ``[L, I]``."""
    from collections import Counter

    from trmgolf.scoring.official import measure

    c = compile_checkpoint(preset_ckpts["reference"], "task004", data_dir, verify=False)
    picked = Counter((ch.op, ch.lowering) for ch in c.emitted.choices)
    assert picked[("attention", "fused_rnn_residual")] == 30 and picked[("swiglu", "rnn_sigmoid")] == 30
    _, cost = measure(c.data)
    by_region: Counter[str] = Counter()
    for t in cost.tensors:
        by_region[t.region] += t.bytes
    length, d, inter = 916, 64, 256
    blocks = [r for r in by_region if "/block" in r]
    assert len(blocks) == 30
    assert {by_region[r] for r in blocks} == {(9 * length * d + length * inter) * 2}


def test_an_invalid_candidate_falls_back_to_the_next_precision(ckpts, data_dir, monkeypatch):
    """A precision whose file breaks a rule (say, float32 copies of the weights over the size
    limit) is skipped with a note; only when every candidate is invalid does compile refuse."""
    import trmgolf.frontend.compile as compile_mod
    from trmgolf.scoring.validity import Validity

    real = compile_mod.inspect
    seen: list[int] = []

    def first_too_big(data: bytes):
        seen.append(len(data))
        if len(seen) == 1:
            return Validity(False, "file_size", "too big"), None
        return real(data)

    monkeypatch.setattr(compile_mod, "inspect", first_too_big)
    c = compile_checkpoint(ckpts["conv"], "task001", data_dir)
    assert c.exact and len(seen) >= 2 and "invalid (file_size: too big)" in c.kept_note[0]
    monkeypatch.setattr(compile_mod, "inspect", lambda data: (Validity(False, "file_size", "too big"), None))
    with pytest.raises(UserError, match="refusing to write an invalid network: file_size"):
        compile_checkpoint(ckpts["conv"], "task001", data_dir)


def test_verify_tries_known_hard_examples_first(monkeypatch):
    import onnx

    import trmgolf.frontend.compile as compile_mod

    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Identity", ["input"], ["output"])], "g",
        [onnx.helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [1, 10, 30, 30])],
        [onnx.helper.make_tensor_value_info("output", onnx.TensorProto.FLOAT, [1, 10, 30, 30])])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 13)])
    model.ir_version = 10
    rng = np.random.default_rng(0)
    inputs = [rng.normal(size=(1, 10, 30, 30)).astype(np.float32) for _ in range(20)]
    expected = [x > 0 for x in inputs]
    calls: list[int] = []
    real = compile_mod.ort_outputs
    monkeypatch.setattr(compile_mod, "ort_outputs", lambda s, xs: calls.append(len(xs)) or real(s, xs))
    outputs, bad = compile_mod._verify(model.SerializeToString(), inputs, expected, chunk=4,
                                       first=[17, 3])
    assert bad is None and all(np.array_equal(o, x) for o, x in zip(outputs, inputs, strict=True))
    expected[17] = ~expected[17]
    calls.clear()
    _, bad = compile_mod._verify(model.SerializeToString(), inputs, expected, chunk=4, first=[17])
    assert bad == 17 and calls == [4]  # found in the first chunk, not the fifth


def test_narrow_levels_go_from_float16_to_float32(ckpts):
    from trmgolf.compiler.pipeline import optimize
    from trmgolf.frontend.compile import narrow_levels

    graph = optimize(trm_graph(ckpts["attention"], "task001"))
    levels = narrow_levels(graph)
    labels = [label for label, _ in levels]
    assert labels[0] == "float16, decode in float32" and labels[-1] == "float32"
    assert labels[1].startswith("float16, last block (step1/cycle1/H/block1)")
    kept = {label: {n.region for n in graph.nodes if keep is not None and keep(n)} for label, keep in levels}
    assert kept[labels[0]] == {"decode"}
    assert kept[labels[1]] == {"decode", "step1/cycle1/H/block1"}
    assert levels[-1][1] is None
