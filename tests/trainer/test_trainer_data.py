"""The data pipeline: splits, variants, encoding and deterministic batches."""

from __future__ import annotations

import numpy as np
import torch

from trmgolf.tasks import Example, Task
from trmgolf.trainer.data import (
    Variant,
    build_puzzle_set,
    crop_canvas,
    encode_grid,
    make_variants,
    split_task,
)


def _task(n_gen: int = 20) -> Task:
    rng = np.random.default_rng(0)
    ex = [Example(rng.integers(0, 5, (2, 3)).tolist(), rng.integers(0, 5, (3, 3)).tolist())
          for _ in range(n_gen + 3)]
    return Task("task900", {"train": ex[:2], "test": ex[2:3], "arc-gen": ex[3:]})


def test_split_holds_out_part_of_arc_gen_deterministically():
    task = _task()
    a, b = split_task(task, 0.25, seed=1), split_task(task, 0.25, seed=1)
    assert a.heldout_index == b.heldout_index and len(a.heldout) == 5
    assert len(a.train) == 2 + 15 and a.test == task.splits["test"]
    held = {id(e) for e in a.heldout}
    assert not held & {id(e) for e in a.train}
    assert split_task(task, 0.25, seed=2).heldout_index != a.heldout_index


def test_variants_are_distinct_fit_the_canvas_and_start_with_identity():
    pairs = [(np.array([[1, 2, 0]]), np.array([[2, 1, 0]]))]
    vs = make_variants(pairs, 20, (1, 3), np.random.default_rng(0))
    assert vs[0] == Variant()
    assert all(not v.swaps_axes() for v in vs)  # a 1x3 grid cannot be transposed into 1x3
    keys = {tuple(v.apply(g).tobytes() for g in pairs[0]) for v in vs}
    assert len(keys) == len(vs) == 20
    assert all(v.apply(np.array([[0]]))[0, 0] == 0 for v in vs)  # colour 0 stays fixed
    square = make_variants([(np.eye(2, dtype=int), np.eye(2, dtype=int))], 8, (2, 2),
                           np.random.default_rng(0))
    pure = [v for v in square if v.perm == tuple(range(10))]
    assert len(pure) == 2  # the identity matrix has 2 distinct dihedral images


def test_dihedral_transforms_are_the_eight_symmetries():
    g = np.arange(6).reshape(2, 3)
    images = {Variant(d).apply(g).tobytes() + bytes(Variant(d).apply(g).shape) for d in range(8)}
    assert len(images) == 8


def test_encoding_marks_outside_as_class_zero():
    tokens = encode_grid(np.array([[0, 9]]), (2, 3), dy=1, dx=1)
    assert tokens.reshape(2, 3).tolist() == [[0, 0, 0], [0, 1, 10]]


def test_batches_are_deterministic_and_in_range():
    split = split_task(_task(), 0.25, seed=0)
    canvas = crop_canvas([split])
    assert canvas == (3, 3)
    ps = build_puzzle_set([split], canvas, 8, seed=0)
    a = ps.batch(16, np.random.default_rng(5), translate=True)
    b = ps.batch(16, np.random.default_rng(5), translate=True)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert a["tokens"].shape == (16, 9) and int(a["tokens"].max()) <= 10
    assert int(a["puzzle_ids"].max()) < len(ps.puzzle_names)
    assert ps.task_puzzle == {"task900": 0}
