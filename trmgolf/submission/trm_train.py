"""``solve --trm-train``: train a tiny TRM on a task's fit examples, smallest config first.

The ladder goes from the cheapest network to the most capable (conv mixers of growing width,
then attention); each rung trains until every fit example is exact or its share of the
wall-clock budget is spent, and the first whose compiled network passes the gate is kept by
the worker (a smaller network always costs less, so a later rung is only tried when an
earlier one failed). Checkpoints live in ``OUT/trm/taskNNN/RUNG.pt``: a rerun reuses a
finished rung and resumes an interrupted one. Seeds are fixed and torch runs on one thread,
so the same number of steps gives the same weights; where a rung stops depends on the clock.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trmgolf.submission.limits import TaskTimeout, first_line
from trmgolf.submission.split import Split
from trmgolf.tasks import Example, load_task_file

MIN_RUNG_S = 1.0  # a rung with less time than this is not started


@dataclass(frozen=True)
class Rung:
    """One configuration of the ladder (the model fields change ``trainer.TRMConfig``'s
    defaults; the canvas is the task's)."""

    name: str
    model: dict
    lr: float = 3e-3
    eval_every: int = 50


_CONV = dict(heads=1, expansion=2.0, puzzle_emb_len=0, mixer="conv", H_cycles=2, L_cycles=2,
             sup_steps=1, halt_max_steps=1)
LADDER: tuple[Rung, ...] = (
    Rung("conv-d8", {**_CONV, "hidden": 8, "intermediate": 16, "layers": 1}),
    Rung("conv-d16", {**_CONV, "hidden": 16, "intermediate": 32, "layers": 2}),
    Rung("conv-d32", {**_CONV, "hidden": 32, "intermediate": 48, "layers": 2, "sup_steps": 2}),
    Rung("attn-d32", dict(hidden=32, heads=2, expansion=2.0, intermediate=64, layers=2, H_cycles=2,
                          L_cycles=2, puzzle_emb_len=1, mixer="attention", sup_steps=1,
                          halt_max_steps=1), lr=1e-3),
)
MAX_STEPS = 20000  # the budget, not this, ends a rung that does not learn
AUGMENTATIONS = 16


@dataclass
class RungRun:
    """One rung on one task: what the worker turns into an attempt."""

    rung: str
    train_s: float = 0.0
    compile_s: float = 0.0
    steps: int = 0
    fit_exact: float | None = None  # share of fit examples exact after training
    data: bytes | None = None  # the compiled network, when training was exact on every fit example
    note: str = ""
    error: str = ""


def _pairs(examples: list[Example]) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.asarray(e.input, dtype=np.uint8), np.asarray(e.output, dtype=np.uint8)) for e in examples]


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """One torch thread: --jobs spreads tasks over the cores, and sums stay reproducible."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _finished(ckpt: Path) -> dict | None:
    """The final evaluation and wall time of a rung trained to completion earlier."""
    if not ckpt.is_file():
        return None
    from trmgolf.errors import UserError
    from trmgolf.trainer.checkpoint import load_checkpoint

    try:
        meta = load_checkpoint(ckpt)["meta"]
    except UserError:
        return None
    if not meta.get("complete"):
        return None
    return {**meta.get("eval", {}), "wall_s": float(meta.get("wall_s", 0.0)),
            "steps_done": int(meta.get("step", 0))}


def train_rung(rung: Rung, name: str, fit: list[Example], canvas: tuple[int, int], ckpt: Path,
               budget_s: float, seed: int = 0) -> tuple[dict, str]:
    """Train (or reuse) one rung; returns the trainer's final evaluation and the augmentation note."""
    from trmgolf.trainer.augment import valid_variants
    from trmgolf.trainer.config import TrainConfig, TRMConfig
    from trmgolf.trainer.data import TaskSplit
    from trmgolf.trainer.runs import train_examples
    from trmgolf.trainer.train import RunSpec

    aug = valid_variants(_pairs(fit), canvas, AUGMENTATIONS, seed)
    done = _finished(ckpt)
    if done is not None:
        return done, aug.reason
    # One supervision step and no ACT at inference: the halting head is never compiled, so its
    # loss would only pull on the shared weights.
    tcfg = TrainConfig(steps=MAX_STEPS, batch_size=32, lr=rung.lr, warmup_steps=20, lr_min_ratio=1.0,
                       ema_decay=0.95, augmentations=len(aug.variants), eval_every=rung.eval_every,
                       stop_when_exact=True, heldout_fraction=0.0, halt_loss_weight=0.0, seed=seed)
    spec = RunSpec(ckpt, f"trm-train:{rung.name}", "single", progress=False, resume=True, plot=False,
                   budget_s=budget_s)
    with _one_thread():
        out = train_examples(TaskSplit(name, list(fit), [], []), TRMConfig(**rung.model), tcfg, spec,
                             canvas, aug.variants)
    return out, aug.reason


def ladder(task_path: str, split: Split, folder: Path, budget_s: float,
           rungs: tuple[Rung, ...] = LADDER) -> Iterator[RungRun]:
    """Train, then compile (cropped, narrowed, checked against PyTorch) each rung in turn; the
    caller gates each network and stops the generator at the first that passes."""
    from trmgolf.frontend.compile import compile_checkpoint

    task = load_task_file(task_path)
    canvas = task.max_shape()
    folder.mkdir(parents=True, exist_ok=True)
    spent = 0.0
    for i, rung in enumerate(rungs):
        share = (budget_s - spent) / (len(rungs) - i)
        if share < MIN_RUNG_S:
            return
        run = RungRun(rung.name)
        ckpt = folder / f"{rung.name}.pt"
        t0 = time.perf_counter()
        try:
            # A resumed rung counts its earlier time against its share (budget_s is cumulative).
            evaluation, reason = train_rung(rung, task.name, list(split.fit), canvas, ckpt, share)
        except TaskTimeout:
            raise
        except Exception as e:  # noqa: BLE001 - a training failure is this rung's outcome
            run.error = first_line(e)
            run.train_s = time.perf_counter() - t0
            spent += run.train_s
            yield run
            continue
        run.train_s = float(evaluation.get("wall_s", time.perf_counter() - t0))
        spent += run.train_s
        run.steps = int(evaluation.get("steps_done", 0))
        run.fit_exact = evaluation.get("train")
        run.note = f"{run.steps} steps in {run.train_s:.1f}s; {reason}"
        if run.fit_exact == 1.0:
            t1 = time.perf_counter()
            try:
                run.data = compile_checkpoint(ckpt, task_path, crop=True).data
            except TaskTimeout:
                raise
            except Exception as e:  # noqa: BLE001 - e.g. no precision agrees with PyTorch
                run.error = first_line(e)
            run.compile_s = time.perf_counter() - t1
        yield run
