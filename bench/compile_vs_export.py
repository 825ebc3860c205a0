"""torch.onnx.export (+ onnxsim) vs ``trmgolf compile`` on one checkpoint of a preset.

    python bench/compile_vs_export.py [--preset reference] [--task 20] [--data DIR]
        [--checkpoint CKPT | --train-steps N] [--examples N] [--baseline-examples N]
        [--seed S] [--puzzle-std X]

The checkpoint is freshly initialised by default; ``--train-steps N`` trains the preset's
architecture on the task for N steps first (batch 4, lr 1e-3, 10 warm-up steps, no
weight averaging, no augmentation: a short run whose logits are decisive, not one that
solves the task), and ``--checkpoint`` uses one you trained.

For each: nodes, memory bytes, params, points, file size, whether ``output > 0`` equals
the PyTorch model's on the task's examples, and the seconds taken. The baselines
(``torch.onnx.export`` and + onnxsim, 1.2 GB of intermediates) are checked on the first
``--baseline-examples``; trmgolf is compiled and verified by ``compile_checkpoint`` itself
on the first ``--examples`` (all when 0: the precision it picks must hold on every one),
with its compile (front end + passes + emit) and verification times apart. Then the ratio
of the best baseline's cost to trmgolf's (uncropped and cropped).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import onnx
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.checkpoints import make_checkpoint  # noqa: E402
from trmgolf.demo import task_folder  # noqa: E402
from trmgolf.errors import UserError  # noqa: E402
from trmgolf.frontend.compile import compile_checkpoint, torch_answers  # noqa: E402
from trmgolf.scoring.answers import run_examples  # noqa: E402
from trmgolf.scoring.official import measure  # noqa: E402
from trmgolf.tasks import grid_to_onehot, load_task, same_answer  # noqa: E402
from trmgolf.trainer import load_model  # noqa: E402
from trmgolf.trainer.runs import Overrides, train_tasks  # noqa: E402


def row(name: str, data: bytes, inputs, expected, seconds: float, same: bool | None = None,
        extra: dict | None = None) -> dict:
    model = onnx.ModelProto.FromString(data)
    validity, cost = measure(data)
    if same is None:
        try:
            outs = run_examples(data, inputs)
            same = all(same_answer(o, e) for o, e in zip(outs, expected, strict=True))
        except RuntimeError:
            same = False
    r = {"name": name, "nodes": len(model.graph.node), "valid": validity.valid,
         "memory": cost.memory if cost else None, "params": cost.params if cost else None,
         "points": round(cost.points(), 3) if cost else None, "file": len(data),
         "same": same, "seconds": round(seconds, 2),
         **({} if validity.valid else {"reason": validity.line()}), **(extra or {})}
    print(" | ".join(f"{k}={v}" for k, v in r.items()), flush=True)
    return r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="reference")
    ap.add_argument("--task", default="20")
    ap.add_argument("--data", help="task folder (default: $TRMGOLF_DATA or ../shared/data/neurogolf)")
    ap.add_argument("--checkpoint", help="compile this checkpoint instead of a fresh one")
    ap.add_argument("--train-steps", type=int, default=0,
                    help="train the preset on the task this many steps first (0: fresh init)")
    ap.add_argument("--examples", type=int, default=0)
    ap.add_argument("--baseline-examples", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--puzzle-std", type=float, default=1.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="trmgolf-bench-"))
    args.data = str(task_folder(args.data))
    task = load_task(args.task, args.data)
    ckpt = tmp / "model.pt"
    if args.checkpoint:
        ckpt = Path(args.checkpoint)
    elif args.train_steps > 0:
        t = time.perf_counter()
        train_tasks([task.name], args.preset, ckpt, args.data,
                    Overrides(steps=args.train_steps, seed=args.seed, batch_size=4, lr=1e-3,
                              augmentations=1, warmup_steps=10, ema_decay=0.0), progress=False)
        print(f"trained {args.preset} on {task.name} for {args.train_steps} steps in "
              f"{time.perf_counter() - t:.0f} s", flush=True)
    else:
        make_checkpoint(ckpt, args.preset, tasks=(task.name,), seed=args.seed, puzzle_std=args.puzzle_std)
    module = load_model(ckpt, task.name)
    examples = task.examples()[: args.baseline_examples or None]
    inputs = [grid_to_onehot(ex.input) for _, ex in examples]
    expected = torch_answers(module, inputs)
    rows = []
    t = time.perf_counter()
    path = tmp / "export.onnx"
    torch.onnx.export(module, torch.zeros(1, 10, 30, 30), str(path), dynamo=False, opset_version=17,
                      input_names=["input"], output_names=["output"])
    rows.append(row("torch.onnx.export", path.read_bytes(), inputs, expected,
                    time.perf_counter() - t))
    try:
        import onnxsim

        t = time.perf_counter()
        simple, ok = onnxsim.simplify(onnx.load(str(path)))
        rows.append(row("export+onnxsim", simple.SerializeToString(), inputs, expected,
                        time.perf_counter() - t))
    except Exception as e:  # noqa: BLE001 - the baseline may fail; say so and go on
        print(f"onnxsim failed: {e}")
    for crop in (False, True):
        t = time.perf_counter()
        name = f"trmgolf{' --crop' if crop else ''}"
        try:
            c = compile_checkpoint(ckpt, task.name, args.data, crop=crop,
                                   max_examples=args.examples or None)
        except UserError as e:
            # No precision matched PyTorch on every example: report the float32 network
            # anyway, marked inexact, so the cost comparison is still visible.
            print(f"{name}: {e}")
            c = compile_checkpoint(ckpt, task.name, args.data, crop=crop, verify=False, narrow=False)
            rows.append(row(f"{name} (float32, unverified)", c.data, inputs, None,
                            time.perf_counter() - t, same=False))
            continue
        total = time.perf_counter() - t
        for note in c.kept_note:
            print(f"{name}: rejected {note}")
        compile_s = c.seconds["frontend+passes"] + c.seconds["emit"]
        rows.append(row(f"{name} ({c.precision})", c.data, inputs, None,
                        total, same=c.exact,
                        extra={"examples": c.examples, "compile_s": round(compile_s, 2),
                               "torch_s": round(c.seconds["torch"], 1),
                               "verify_s": round(c.seconds["verify"], 1),
                               "rejected": len(c.kept_note), "solved": c.solved}))
    base = [r["memory"] + r["params"] for r in rows[:2] if r["memory"] is not None]
    if base:
        best = min(base)
        for r in rows[2:]:
            print(f"{r['name']}: best baseline / trmgolf = {best / (r['memory'] + r['params']):.1f}x")


if __name__ == "__main__":
    main()
