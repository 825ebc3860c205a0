"""Training end to end on synthetic tasks: learning, checkpoints, resume, modes, CLI."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch
from click.testing import CliRunner
from trainer_synthetic import colour_map_task, write_tasks

from trmgolf.cli import cli
from trmgolf.trainer import PRESETS, load_model
from trmgolf.trainer.runs import Overrides, evaluate_checkpoint, finetune, train_tasks


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tasks")
    other = {0: 0, 1: 3, 2: 2, 3: 1, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9}
    return write_tasks(folder, {1: colour_map_task(0), 2: colour_map_task(1, mapping=other),
                                3: colour_map_task(2, size=2)})


MAX_STEPS, EVAL_EVERY = 400, 50


@pytest.fixture(scope="module")
def trained(data_dir, tmp_path_factory):
    """The tiny preset, evaluated every 50 steps: it stops once every training example is
    exact (about 150 steps on this colour map), long before its step limit."""
    out = tmp_path_factory.mktemp("run") / "run.pt"
    tiny = PRESETS["tiny"]
    assert tiny.train.stop_when_exact
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(PRESETS, "tiny", replace(tiny, train=replace(tiny.train, eval_every=EVAL_EVERY)))
        result = train_tasks([1], "tiny", out, str(data_dir), Overrides(steps=MAX_STEPS),
                             progress=False)
    return out, result


@pytest.mark.slow
def test_tiny_learns_a_colour_map_including_held_out_examples(trained, data_dir):
    out, result = trained
    assert result["train"] == 1.0 and result["heldout"] == 1.0
    assert EVAL_EVERY <= result["step"] < MAX_STEPS and result["step"] % EVAL_EVERY == 0
    name, splits = evaluate_checkpoint(out, None, str(data_dir))
    assert name == "task001"
    assert {s.name: s.exact for s in splits} == {
        "train": 1.0, "arc-gen (trained)": 1.0, "arc-gen (held-out)": 1.0, "test": 1.0}
    assert out.with_suffix(".curves.png").exists()
    rows = [json.loads(x) for x in out.with_suffix(".metrics.jsonl").read_text().splitlines()]
    assert any("eval" in r for r in rows) and any("loss" in r for r in rows)


@pytest.mark.slow
def test_checkpoint_is_weights_only_and_the_module_keeps_the_contract(trained):
    out, _ = trained
    ckpt = torch.load(out, weights_only=True)
    assert ckpt["task_puzzle"] == {"task001": 0}
    assert ckpt["meta"]["complete"] and ckpt["meta"]["step"] == ckpt["meta"]["eval"]["step"]
    assert ckpt["meta"]["step"] < MAX_STEPS  # stopped early: every training example exact
    rows = [json.loads(x) for x in out.with_suffix(".metrics.jsonl").read_text().splitlines()]
    assert max(r["step"] for r in rows if "loss" in r) == ckpt["meta"]["step"] - 1
    evals = [r["eval"] for r in rows if "eval" in r]
    assert all(e["train"] < 1.0 for e in evals[:-2]) and evals[-1]["train"] == 1.0
    module = load_model(out)
    assert module.config.canvas_h == 3 and module.config.mixer == "conv"
    x = torch.zeros(1, 10, 30, 30)
    x[0, 1, :3, :3] = 1  # all colour 1 -> all colour 2
    y = module(x)
    assert (y[0, 2, :3, :3] > 0).all() and (y > 0).sum() == 9


def test_training_is_deterministic_and_resume_continues_exactly(data_dir, tmp_path):
    full, part = tmp_path / "full.pt", tmp_path / "part.pt"
    # 5 of 10 steps: the resume lands inside a supervision sequence (tiny halts every 2 steps),
    # so the ACT carry, the optimiser and the EMA must all come back exactly.
    train_tasks([3], "tiny", full, str(data_dir), Overrides(steps=10), progress=False)
    train_tasks([3], "tiny", part, str(data_dir), Overrides(steps=5), progress=False)
    train_tasks([3], "tiny", part, str(data_dir), Overrides(steps=10), resume=True,
                progress=False)
    a = torch.load(full, weights_only=True)["weights"]
    b = torch.load(part, weights_only=True)["weights"]
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.slow
def test_multi_task_then_finetune(data_dir, tmp_path):
    multi = tmp_path / "multi.pt"
    train_tasks([1, 2, 3], "tiny", multi, str(data_dir), Overrides(steps=6, augmentations=2),
                progress=False)
    ckpt = torch.load(multi, weights_only=True)
    assert set(ckpt["task_puzzle"]) == {"task001", "task002", "task003"}
    assert ckpt["config"]["num_puzzles"] == len(ckpt["puzzles"]) == 6
    for t in (1, 2, 3):
        assert load_model(multi, task=t)(torch.zeros(1, 10, 30, 30)).shape == (1, 10, 30, 30)
    tuned = tmp_path / "tuned.pt"
    finetune(2, multi, tuned, str(data_dir), Overrides(steps=4), progress=False)
    t = torch.load(tuned, weights_only=True)
    assert t["task_puzzle"] == {"task002": 0} and t["meta"]["mode"] == "finetune"
    start = ckpt["weights"]["puzzle_emb.weight"][ckpt["task_puzzle"]["task002"]]
    assert t["config"]["canvas_h"] == ckpt["config"]["canvas_h"]
    assert not torch.equal(t["weights"]["puzzle_emb.weight"][0], torch.zeros_like(start))


def test_cli_train_and_eval(data_dir, tmp_path):
    out = tmp_path / "cli.pt"
    runner = CliRunner()
    res = runner.invoke(cli, ["train", "--task", "3", "--steps", "5", "-o", str(out),
                              "--data", str(data_dir), "--quiet"])
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output
    res = runner.invoke(cli, ["eval", str(out), "--data", str(data_dir), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["task"] == "task003" and "arc-gen (held-out)" in report["splits"]
    res = runner.invoke(cli, ["eval", str(out), "--data", str(data_dir)])
    assert res.exit_code == 0 and "task003" in res.output


@pytest.mark.parametrize("args, message", [
    (["train", "--task", "77", "-o", "x.pt"], "task 77 not found"),
    (["train", "--task", "1", "--preset", "huge", "-o", "x.pt"], "unknown preset"),
    (["train", "--task", "1", "--tasks", "1-2", "-o", "x.pt"], "exactly one of"),
    (["train", "--task", "1", "--steps", "0", "-o", "x.pt"], "--steps must be"),
    (["train", "--task", "1", "--device", "tpu", "-o", "x.pt"], "unknown device"),
    (["train", "--task", "1", "--warmup", "-1", "-o", "x.pt"], "--warmup must be"),
    (["train", "--task", "1", "--ema-decay", "1.0", "-o", "x.pt"], "--ema-decay must be"),
    (["train", "--tasks", "1-x", "-o", "x.pt"], "not a task range"),
    (["eval", "missing.pt", "--task", "1"], "checkpoint not found"),
    (["eval", "corrupt.pt", "--task", "1"], "not a readable trmgolf checkpoint"),
])
def test_bad_input_is_one_line_and_non_zero(data_dir, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corrupt.pt").write_bytes(b"\x00garbage")
    res = CliRunner().invoke(cli, [*args, "--data", str(data_dir)])
    assert res.exit_code != 0
    assert message in res.output and len(res.output.strip().splitlines()) == 1, res.output
    assert "Traceback" not in res.output


def test_eval_of_a_task_missing_from_a_checkpoint(data_dir, tmp_path):
    out = tmp_path / "one.pt"
    train_tasks([1], "tiny", out, str(data_dir), Overrides(steps=2), progress=False)
    res = CliRunner().invoke(cli, ["eval", str(out), "--task", "2", "--data", str(data_dir)])
    assert res.exit_code == 1 and "not in this checkpoint" in res.output


def test_overrides_set_warmup_and_ema_decay():
    from trmgolf.trainer.config import get_preset

    cfg = Overrides(steps=40, warmup_steps=3, ema_decay=0.0).apply(get_preset("reference").train)
    assert (cfg.steps, cfg.warmup_steps, cfg.ema_decay, cfg.eval_every) == (40, 3, 0.0, 40)


def test_stop_early_needs_this_steps_evaluation_exact_on_training_of_every_task():
    from trmgolf.trainer.config import TrainConfig
    from trmgolf.trainer.train import stop_early

    cfg = TrainConfig(steps=1000, eval_every=50, stop_when_exact=True)
    cpu = torch.device("cpu")
    exact = {"step": 100, "tasks": {"a": {"train": 1.0, "heldout": 0.0},
                                    "b": {"train": 1.0, "heldout": None}}}
    assert stop_early(cfg, exact, 100, cpu)  # held-out results play no part
    assert not stop_early(cfg, exact, 150, cpu)  # a stale evaluation
    assert not stop_early(cfg, {**exact, "step": 120}, 120, cpu)  # not an evaluation step
    assert not stop_early(cfg, {**exact, "step": 1000}, 1000, cpu)  # the end: no early stop
    miss = {"step": 100, "tasks": {"a": {"train": 1.0}, "b": {"train": 0.99}}}
    assert not stop_early(cfg, miss, 100, cpu) and not stop_early(cfg, {}, 100, cpu)
