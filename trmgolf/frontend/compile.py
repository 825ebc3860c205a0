"""Compile a TRM checkpoint into a verified NeuroGolf network.

Stages: front end (``trm.build_graph``) -> generic passes (``pipeline.optimize``: constant
folding, sharing, CSE, DCE) -> ``narrow_dtypes`` -> generic passes again -> ``emit`` with
per-node kernel selection. Verification runs the file the way the grader does (renamed,
onnxruntime, ``ORT_DISABLE_ALL``) on every example of the task and compares ``output > 0``
with the PyTorch module's; float16 narrowing is widened step by step (``NARROW_LEVELS``)
until the answers agree. Nothing is written unless the network is valid (and, unless
verification is off, exact).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import torch

from trmgolf.compiler.cost import cost_of_view, profiled_run
from trmgolf.compiler.emit import Emitted, emit, serialize
from trmgolf.compiler.passes.narrow_dtypes import Keep, narrow_dtypes
from trmgolf.compiler.pipeline import PIPELINE, optimize, stages
from trmgolf.compiler.report import CostReport
from trmgolf.compiler.rules import inspect, session_options
from trmgolf.compiler.targets import DEFAULT_TARGET, get_target
from trmgolf.errors import UserError
from trmgolf.frontend.trm import Source, build_graph, load_source
from trmgolf.ir.graph import Graph, Node
from trmgolf.tasks import Task, grid_to_onehot
from trmgolf.trainer.inference import TRMInference

FUSED_OPSET = 23  # Attention / RMSNormalization / RotaryEmbedding


def _net_call(node: Node) -> str:
    return (node.region or "").split("/block")[0]


def _keep_calls(calls: set[str]) -> Keep:
    return lambda node: node.region == "decode" or _net_call(node) in calls


def narrow_levels(graph: Graph) -> list[tuple[str, Keep | None]]:
    """From cheapest to safest: float16 everywhere but the decode; then the last 1, one
    cycle's worth, and half of the unrolled net calls kept float32; then all float32
    (``None``). Late calls go first: errors made there have the least time to grow."""
    calls: list[str] = []
    for node in graph.nodes:
        call = _net_call(node)
        if node.region and call.split("/")[-1][:1] in ("L", "H") and call not in calls:
            calls.append(call)
    levels: list[tuple[str, Keep | None]] = [("float16, decode in float32", _keep_calls(set()))]
    per_cycle = sum(1 for c in calls if c.startswith(calls[0].rsplit("/", 1)[0] + "/")) if calls else 0
    for k in sorted({1, per_cycle, len(calls) // 2} - {0}):
        if k < len(calls):
            kept = calls[-k:]
            levels.append((f"float16, last {k} net call(s) ({kept[0]}..) and decode in float32",
                           _keep_calls(set(kept))))
    levels.append(("float32", None))
    return levels


@dataclass
class Compiled:
    """A compiled network and everything said about it."""

    emitted: Emitted
    data: bytes
    graph: Graph
    source: Source
    precision: str
    report: CostReport | None = None
    exact: bool | None = None
    examples: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    kept_note: list[str] = field(default_factory=list)


def compile_stages(ckpt_path: str | os.PathLike[str], task: str | int | None = None,
                   data: str | os.PathLike[str] | None = None, *, crop: bool = False,
                   narrow: bool = True) -> Iterator[tuple[str, Graph]]:
    """``(stage name, graph)`` after the front end, each generic pass, narrowing, and the
    clean-up passes after it (unverified narrowing: this is for looking at the IR)."""
    graph = build_graph(load_source(ckpt_path, task, data, crop=crop).module)
    yield "frontend", graph
    for name, g in stages(graph, PIPELINE):
        graph = g
        yield name, g
    if narrow:
        graph = narrow_dtypes(graph, _keep_calls(set()))
        yield "narrow_dtypes", graph
        for name, g in stages(graph, PIPELINE):
            yield f"{name}@narrowed", g


def torch_answers(module: TRMInference, inputs: list[np.ndarray], batch: int = 16) -> list[np.ndarray]:
    """``module(x) > 0`` for each input, in batches."""
    out: list[np.ndarray] = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny per-op work: threads only contend (2 shared cores)
    try:
        _torch_batches(module, inputs, batch, out)
    finally:
        torch.set_num_threads(threads)
    return out


def _torch_batches(module: TRMInference, inputs: list[np.ndarray], batch: int,
                   out: list[np.ndarray]) -> None:
    with torch.no_grad():
        for i in range(0, len(inputs), batch):
            x = torch.from_numpy(np.concatenate(inputs[i:i + batch]))
            ans = (module(x) > 0).numpy()
            out.extend(ans[j:j + 1] for j in range(ans.shape[0]))


def ort_outputs(model_bytes: bytes, inputs: list[np.ndarray]) -> list[np.ndarray | Exception]:
    """Raw outputs of the (renamed) model, one single-threaded grader-settings session."""
    import onnxruntime as ort

    session = ort.InferenceSession(model_bytes, session_options(1),
                                   providers=["CPUExecutionProvider"])
    out: list[np.ndarray | Exception] = []
    for x in inputs:
        try:
            out.append(session.run(["output"], {"input": x})[0])
        except Exception as e:  # noqa: BLE001 - onnxruntime's errors share no base class
            out.append(e)
    return out


def _check_target(module: TRMInference, target: str, forced: Mapping[str, str]) -> None:
    opset = get_target(target).opset
    if opset < 13:
        raise UserError(f"target {target} (opset {opset}) lacks Einsum/Softmax-13 the TRM needs")


def compile_checkpoint(ckpt_path: str | os.PathLike[str], task: str | int | None = None,
                       data: str | os.PathLike[str] | None = None, *,
                       target: str = DEFAULT_TARGET, forced: Mapping[str, str] | None = None,
                       crop: bool = False, verify: bool = True, narrow: bool = True,
                       max_examples: int | None = None) -> Compiled:
    """Compile, verify (unless told not to) and cost a checkpoint; raises UserError when
    the result would be invalid or inexact."""
    t0 = time.perf_counter()
    forced = dict(forced or {})
    source = load_source(ckpt_path, task, data, crop=crop, need_task=verify)
    if verify and source.task is None:
        raise UserError("verification needs the task (--task N, --data DIR) or --no-verify")
    _check_target(source.module, target, forced)
    base = optimize(build_graph(source.module))
    seconds = {"frontend+passes": time.perf_counter() - t0}
    examples = source.task.examples() if source.task is not None else []
    if max_examples is not None:
        examples = examples[:max_examples]
    inputs = [grid_to_onehot(ex.input) for _, ex in examples]
    expected = torch_answers(source.module, inputs) if verify else []
    seconds["torch"] = time.perf_counter() - t0 - sum(seconds.values())
    levels = narrow_levels(base) if narrow else [("float32", None)]
    notes: list[str] = []
    last_error = ""
    for label, keep in levels:
        t1 = time.perf_counter()
        graph = base if keep is None else optimize(narrow_dtypes(base, keep))
        emitted = emit(graph, target, forced)
        data_bytes = emitted.to_bytes()
        validity, view = inspect(data_bytes)
        if not validity.valid or view is None:
            raise UserError(f"refusing to write an invalid network: {validity.line()}")
        seconds["emit"] = seconds.get("emit", 0.0) + time.perf_counter() - t1
        if not verify:
            return Compiled(emitted, data_bytes, graph, source, label, exact=None,
                            seconds=seconds, kept_note=notes)
        t2 = time.perf_counter()
        outputs = ort_outputs(view.model_bytes, inputs)
        seconds["verify"] = seconds.get("verify", 0.0) + time.perf_counter() - t2
        bad = [i for i, (o, e) in enumerate(zip(outputs, expected, strict=True))
               if not isinstance(o, np.ndarray) or not np.array_equal(o > 0, e)]
        if not bad:
            _, events = profiled_run(view.model_bytes, inputs[:1])  # shapes are static
            cost = cost_of_view(view, events)
            counts: dict[str, dict[str, int]] = {}
            for split, _ in examples:
                counts.setdefault(split, {"passed": 0, "failed": 0})["passed"] += 1
            report = CostReport.build(str(ckpt_path), validity, cost, exact=True, examples=counts)
            return Compiled(emitted, data_bytes, graph, source, label, report, True, len(inputs),
                            seconds, notes)
        split, _ = examples[bad[0]]
        last_error = f"{len(bad)} of {len(inputs)} examples differ (first: {split})"
        notes.append(f"{label}: {last_error}")
    raise UserError(f"compiled network disagrees with the PyTorch model: {last_error}")


def write_atomic_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write to a temporary name in the same folder, then ``os.replace``: never half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def model_from(compiled: Compiled) -> onnx.ModelProto:
    return onnx.ModelProto.FromString(compiled.data)


__all__ = ["Compiled", "compile_checkpoint", "compile_stages", "serialize", "write_atomic_bytes",
           "Task"]
