"""``solve --trm-train``: the augmentation check, the ladder through the gate, and resume."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import solve_fakes as fakes
from click.testing import CliRunner

from trmgolf.cli import cli
from trmgolf.submission.results import Attempt, TaskResult
from trmgolf.submission.runner import owes_trm_training
from trmgolf.trainer.augment import local_table, valid_variants
from trmgolf.trainer.data import IDENTITY_PERM, Variant


def right_of_one(seed: int, n: int, size: int = 3) -> list[tuple[np.ndarray, np.ndarray]]:
    """A directional local rule: a cell right of a 1 becomes 2 (not invariant under any flip,
    rotation or permutation of its colours)."""
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(n):
        g = rng.choice([0, 1, 3], size=(size, size), p=[0.7, 0.15, 0.15]).astype(np.uint8)
        y = g.copy()
        y[:, 1:][g[:, :-1] == 1] = 2
        pairs.append((g, y))
    return pairs


def colour_swap(seed: int, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Swap colours 1 and 2: every dihedral transform commutes with it; of the permutations of
    its colours 1-3, only the swap itself does."""
    rng = np.random.default_rng(seed)
    table = np.array([0, 2, 1, 3, 4, 5, 6, 7, 8, 9], np.uint8)
    return [(g, table[g]) for g in (rng.integers(0, 4, (3, 3)).astype(np.uint8) for _ in range(n))]


def test_local_table_finds_the_smallest_radius():
    pairs = right_of_one(0, 30)
    assert local_table(pairs, 0) is None  # the centre alone does not decide the output
    assert local_table(pairs, 1) is not None


def test_a_non_invariant_task_gets_no_augmentation():
    aug = valid_variants(right_of_one(0, 30), (3, 3), 16, seed=0)
    assert aug.variants == [Variant()]
    assert "radius-1 rule: 1 variants" in aug.reason


def test_only_the_transforms_a_directional_rule_commutes_with_pass():
    """'Right of a 1' survives an up-down flip, and nothing else of the 8 or any colour swap."""
    g = np.arange(9).reshape(3, 3)
    up_down = next(d for d in range(8) if (Variant(d).apply(g) == g[::-1]).all())
    aug = valid_variants(right_of_one(0, 60), (3, 3), 16, seed=0)
    assert aug.variants == [Variant(), Variant(up_down)]


def test_an_invariant_task_gets_every_dihedral_and_valid_permutations():
    pairs = colour_swap(0, 30)
    aug = valid_variants(pairs, (3, 3), 64, seed=0)
    assert aug.variants[0] == Variant()
    assert {v.dihedral for v in aug.variants} == set(range(8))
    perms = {v.perm for v in aug.variants} - {IDENTITY_PERM}
    assert perms == {(0, 2, 1, 3, 4, 5, 6, 7, 8, 9)}


def test_shape_changing_and_non_local_tasks_get_no_augmentation():
    grown = [(g, np.kron(g, np.ones((2, 2), np.uint8))) for g, _ in colour_swap(1, 5)]
    assert "shape differs" in valid_variants(grown, (6, 6), 16, 0).reason
    rng = np.random.default_rng(2)
    flipped = [(g, g[:, ::-1].copy()) for g in (rng.integers(0, 4, (6, 6)).astype(np.uint8)
                                                for _ in range(20))]
    aug = valid_variants(flipped, (6, 6), 16, 0)
    assert aug.variants == [Variant()] and "not local" in aug.reason


def test_finished_results_owe_training_only_when_flagged_unsolved_and_untrained():
    r = TaskResult("task001", 1, route={"train_trm": True})
    assert owes_trm_training(r, 60.0)
    assert not owes_trm_training(r, 0.0)
    r.attempts = [Attempt("trm-train:conv-d8", "trm", "wrong")]
    assert not owes_trm_training(r, 60.0)
    assert not owes_trm_training(TaskResult("task001", 1, route={"train_trm": False}), 60.0)
    assert not owes_trm_training(TaskResult("task001", 1, solved=True, route={"train_trm": True}), 60.0)


def _write(folder: Path) -> Path:
    """task001: swap colours 1 and 2 on 3x3 grids (a tiny conv TRM learns it in seconds)."""
    folder.mkdir(parents=True, exist_ok=True)
    ex = [{"input": g.tolist(), "output": y.tolist()} for g, y in colour_swap(0, 80)]
    (folder / "task001.json").write_text(json.dumps({"train": ex[:4], "test": ex[4:5], "arc-gen": ex[5:]}))
    return folder


@pytest.mark.slow
def test_solve_trains_a_tiny_trm_and_a_rerun_resumes(tmp_path, monkeypatch):
    fakes.install(monkeypatch, ("identity",))  # no solver fits: the router flags the task
    data, out = _write(tmp_path / "data"), tmp_path / "out"
    args = ["solve", "--tasks", "1", "-o", str(out), "--data", str(data), "--router", "heuristic",
            "--jobs", "1", "--quiet", "--search", "0", "--trm-train", "--trm-minutes", "0.5"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    result = json.loads((out / "results" / "task001.json").read_text())
    assert result["route"]["train_trm"] is True
    assert result["solved"] and result["solver"].startswith("trm-train:"), result["attempts"]
    assert result["heldout_passed"] is True  # the gate: test + held-out arc-gen pass too
    assert result["trm_config"] == result["solver"].split(":", 1)[1]
    assert 0 < result["trm_train_s"] <= 0.5 * 60 + 5
    with open(out / "scores.csv") as fh:
        row = next(csv.DictReader(fh))
    assert row["trm_config"] == result["trm_config"] and float(row["trm_train_s"]) > 0
    ckpt = out / "trm" / "task001" / f"{result['trm_config']}.pt"
    stamp = ckpt.stat().st_mtime_ns

    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "resuming: 1 task(s) already finished" in res.output
    assert ckpt.stat().st_mtime_ns == stamp  # not trained again
