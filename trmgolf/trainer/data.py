"""The ARC data pipeline: splits, augmented puzzle variants, and token batches.

Encoding (NeuroGolf): class 0 = outside the grid, class k = colour k-1; a grid sits in the
top-left of a ``canvas_h x canvas_w`` canvas (or translated, as an option). Each variant of
a task (dihedral transform x colour permutation, colour 0 fixed) is its own puzzle id; the
identity comes first. Batches are built on the fly from the base grids, so many tasks and
many variants cost no memory; everything is drawn from generators seeded per step, so a
run is deterministic and a resumed run draws the same batches.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from trmgolf.errors import UserError
from trmgolf.tasks import Example, Task, load_task, load_task_file

IDENTITY_PERM = tuple(range(10))


@dataclass(frozen=True)
class Variant:
    """A dihedral transform (0-7: rot90 k%4 times, then transpose if k >= 4) and colour map."""

    dihedral: int = 0
    perm: tuple[int, ...] = IDENTITY_PERM

    @property
    def name(self) -> str:
        digest = hashlib.sha1(bytes(self.perm)).hexdigest()[:6]
        return f"d{self.dihedral}" + ("" if self.perm == IDENTITY_PERM else f"p{digest}")

    def apply(self, grid: np.ndarray) -> np.ndarray:
        out = np.rot90(grid, self.dihedral % 4)
        if self.dihedral >= 4:
            out = out.T
        return np.asarray(self.perm, dtype=np.uint8)[out]

    def swaps_axes(self) -> bool:
        return (self.dihedral % 4 in (1, 3)) != (self.dihedral >= 4)


@dataclass
class TaskSplit:
    """A task's examples for training and for measuring generalisation."""

    name: str
    train: list[Example]  # the `train` split + the training part of arc-gen
    heldout: list[Example]  # the held-out part of arc-gen: never trained on
    test: list[Example]
    heldout_index: list[int] = field(default_factory=list)  # positions in arc-gen

    def max_shape(self) -> tuple[int, int]:
        h = w = 1
        for ex in self.train + self.heldout + self.test:
            for g in (ex.input, ex.output):
                h, w = max(h, len(g)), max(w, len(g[0]))
        return h, w


def split_task(task: Task, heldout_fraction: float, seed: int) -> TaskSplit:
    """Train on `train` + part of arc-gen; hold out ``heldout_fraction`` of arc-gen."""
    gen = task.splits.get("arc-gen", [])
    order = np.random.default_rng([seed, 7919]).permutation(len(gen))
    n_held = int(round(len(gen) * heldout_fraction))
    if heldout_fraction > 0 and len(gen) >= 2:
        n_held = max(1, n_held)
    held = sorted(int(i) for i in order[:n_held])
    held_set = set(held)
    return TaskSplit(
        name=task.name,
        train=task.splits.get("train", []) + [g for i, g in enumerate(gen) if i not in held_set],
        heldout=[gen[i] for i in held],
        test=task.splits.get("test", []),
        heldout_index=held,
    )


def split_from_index(task: Task, heldout_index: list[int]) -> TaskSplit:
    """Rebuild the split a checkpoint recorded."""
    gen = task.splits.get("arc-gen", [])
    held = [i for i in heldout_index if i < len(gen)]
    held_set = set(held)
    return TaskSplit(task.name, task.splits.get("train", []) +
                     [g for i, g in enumerate(gen) if i not in held_set],
                     [gen[i] for i in held], task.splits.get("test", []), held)


def _arrays(examples: list[Example]) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.asarray(e.input, dtype=np.uint8), np.asarray(e.output, dtype=np.uint8))
            for e in examples]


def make_variants(pairs: list[tuple[np.ndarray, np.ndarray]], count: int,
                  canvas: tuple[int, int], rng: np.random.Generator) -> list[Variant]:
    """Up to ``count`` distinct variants that fit the canvas, identity first, then dihedral."""
    h = max(max(a.shape[0], b.shape[0]) for a, b in pairs)
    w = max(max(a.shape[1], b.shape[1]) for a, b in pairs)
    fits_swapped = w <= canvas[0] and h <= canvas[1]
    out: list[Variant] = []
    seen: set[bytes] = set()

    def consider(v: Variant) -> None:
        if len(out) >= count or (v.swaps_axes() and not fits_swapped):
            return
        key = hashlib.sha1(b"".join(
            v.apply(g).tobytes() + bytes(v.apply(g).shape) for p in pairs[:8] for g in p
        )).digest()
        if key not in seen:
            seen.add(key)
            out.append(v)

    for d in range(8):
        consider(Variant(d))
    for _ in range(count * 4):
        if len(out) >= count:
            break
        perm = (0, *(int(c) for c in rng.permutation(np.arange(1, 10))))
        consider(Variant(int(rng.integers(8)), perm))
    return out


def encode_grid(grid: np.ndarray, canvas: tuple[int, int], dy: int = 0, dx: int = 0
                ) -> np.ndarray:
    """Tokens ``[canvas_h*canvas_w]``: 0 outside, colour+1 inside, grid at offset (dy, dx)."""
    out = np.zeros(canvas, dtype=np.int64)
    out[dy : dy + grid.shape[0], dx : dx + grid.shape[1]] = grid.astype(np.int64) + 1
    return out.reshape(-1)


@dataclass
class PuzzleSet:
    """The training data of one run: tasks, their variants (puzzle ids) and base examples."""

    canvas: tuple[int, int]
    splits: list[TaskSplit]
    variants: list[list[Variant]]  # per task
    first_puzzle: list[int]  # per task: puzzle id of its identity variant
    examples: list[tuple[int, np.ndarray, np.ndarray]]  # (task index, input, output)
    # One puzzle id per task for all its variants: the variants are true augmentations (the
    # task's rule commutes with them), so the identity's vector, the one compiled, learns them.
    shared: bool = False

    @property
    def puzzle_names(self) -> list[str]:
        if self.shared:
            return [f"{s.name}/shared{len(vs)}" for s, vs in zip(self.splits, self.variants, strict=True)]
        return [f"{s.name}/{v.name}" for s, vs in zip(self.splits, self.variants, strict=False) for v in vs]

    @property
    def task_puzzle(self) -> dict[str, int]:
        return {s.name: p for s, p in zip(self.splits, self.first_puzzle, strict=False)}

    def batch(self, size: int, rng: np.random.Generator, translate: bool = False
              ) -> dict[str, torch.Tensor]:
        """A training batch: tokens, labels and puzzle ids, all ``int64``."""
        ch, cw = self.canvas
        idx = rng.integers(len(self.examples), size=size)
        tokens = np.zeros((size, ch * cw), dtype=np.int64)
        labels = np.zeros((size, ch * cw), dtype=np.int64)
        puzzles = np.zeros(size, dtype=np.int64)
        for row, i in enumerate(idx):
            t, a, b = self.examples[int(i)]
            k = int(rng.integers(len(self.variants[t])))
            v = self.variants[t][k]
            a, b = v.apply(a), v.apply(b)
            dy = dx = 0
            if translate:
                hh, ww = max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])
                dy, dx = int(rng.integers(ch - hh + 1)), int(rng.integers(cw - ww + 1))
            tokens[row] = encode_grid(a, self.canvas, dy, dx)
            labels[row] = encode_grid(b, self.canvas, dy, dx)
            puzzles[row] = self.first_puzzle[t] + (0 if self.shared else k)
        return {"tokens": torch.from_numpy(tokens), "labels": torch.from_numpy(labels),
                "puzzle_ids": torch.from_numpy(puzzles)}


def build_puzzle_set(splits: list[TaskSplit], canvas: tuple[int, int], augmentations: int,
                     seed: int, max_examples: int | None = None,
                     given: list[list[Variant]] | None = None) -> PuzzleSet:
    """Variants and base examples of every task (at most ``max_examples`` per task).

    ``given``: the variants of each task, already checked to be true augmentations
    (``trainer.augment.valid_variants``); they share the task's one puzzle id.
    """
    variants, first, examples = [], [], []
    next_id = 0
    for t, split in enumerate(splits):
        pairs = [p for p in _arrays(split.train[:max_examples])
                 if max(p[0].shape[0], p[1].shape[0]) <= canvas[0]
                 and max(p[0].shape[1], p[1].shape[1]) <= canvas[1]]
        if not pairs:
            raise UserError(f"{split.name}: no training example fits the canvas "
                            f"{canvas[0]}x{canvas[1]}")
        vs = given[t] if given is not None else make_variants(
            pairs, max(1, augmentations), canvas, np.random.default_rng([seed, t, 17]))
        variants.append(vs)
        first.append(next_id)
        next_id += 1 if given is not None else len(vs)
        examples.extend((t, a, b) for a, b in pairs)
    return PuzzleSet(canvas, splits, variants, first, examples, shared=given is not None)


def crop_canvas(splits: list[TaskSplit]) -> tuple[int, int]:
    """The smallest canvas holding every grid of every task (train, held-out and test)."""
    shapes = [s.max_shape() for s in splits]
    return max(h for h, _ in shapes), max(w for _, w in shapes)


def load_splits(tasks: list[str | int], data: str | os.PathLike[str] | None,
                heldout_fraction: float, seed: int) -> list[TaskSplit]:
    return [split_task(load_task(t, data), heldout_fraction, seed) for t in tasks]


def load_extra_tasks(folders: list[str | os.PathLike[str]]) -> list[TaskSplit]:
    """ARC-AGI / ConceptARC folders (same JSON format): every example trains, none held out."""
    out = []
    for folder in folders:
        root = Path(folder)
        if not root.is_dir():
            raise UserError(f"extra data folder not found: {root}")
        for path in sorted(root.rglob("*.json")):
            try:
                task = load_task_file(path)
            except UserError:
                continue
            examples = [e for _, e in task.examples()]
            if examples:
                out.append(TaskSplit(f"{root.name}:{path.stem}", examples, [], []))
    return out
