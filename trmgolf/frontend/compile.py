"""Compile a TRM checkpoint into a verified NeuroGolf network.

Stages: front end (``trm.build_graph``) -> generic passes (``pipeline.optimize``: constant
folding, sharing, CSE, DCE) -> ``narrow_dtypes`` -> generic passes again -> ``emit`` with
per-node kernel selection. Verification runs the file the way the grader does (renamed,
onnxruntime, ``ORT_DISABLE_ALL``) on every example of the task and compares ``output > 0``
with the PyTorch module's; float16 narrowing is widened step by step (``narrow_levels``)
until the answers agree. Nothing is written unless the network is valid (and, unless
verification is off, exact).

Exact (equal to PyTorch) is not solved: the report also counts, per split, the examples
whose answer equals the task's expected output, and gives points only when every example
passes, as the official scorer does. An untrained model compiles exactly and earns nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import onnx
import torch

from trmgolf.compiler.emit import Emitted, emit, serialize
from trmgolf.compiler.passes.narrow_dtypes import Keep, narrow_dtypes
from trmgolf.compiler.pipeline import PIPELINE, optimize, stages
from trmgolf.compiler.select import check_forced
from trmgolf.compiler.targets import DEFAULT_TARGET, get_target
from trmgolf.errors import UserError
from trmgolf.frontend.trm import Source, build_graph, load_source
from trmgolf.ir.graph import Graph, Node
from trmgolf.scoring.cost import cost_of_view, profiled_run
from trmgolf.scoring.report import CostReport
from trmgolf.scoring.validity import inspect, session_options
from trmgolf.tasks import Example, Task, grid_to_onehot
from trmgolf.trainer.inference import TRMInference

FUSED_OPSET = 23  # Attention / RMSNormalization / RotaryEmbedding
BIG_TORCH_WORK = 32768  # tokens x hidden from which the PyTorch reference uses every core


def _net_call(node: Node) -> str:
    return (node.region or "").split("/block")[0]


def _keep_calls(calls: set[str], residual: bool = False, regions: frozenset[str] = frozenset()) -> Keep:
    """Keep float32: the decode, every node of the named net calls (or exact ``regions``,
    e.g. one block) and, with ``residual``, the residual stream everywhere (the adds and the
    rms_norm outputs: the block's output precision, while the mixer and SwiGLU interiors,
    most of the bytes, run float16)."""
    def keep(node: Node) -> bool:
        return (node.region == "decode" or _net_call(node) in calls or node.region in regions
                or (residual and node.op in ("add", "rms_norm")))
    return keep


def _net_calls(graph: Graph) -> list[str]:
    calls: list[str] = []
    for node in graph.nodes:
        call = _net_call(node)
        if node.region and call.split("/")[-1][:1] in ("L", "H") and call not in calls:
            calls.append(call)
    return calls


def narrow_levels(graph: Graph) -> list[tuple[str, Keep | None]]:
    """Candidate precisions, roughly from cheapest to safest (``compile_checkpoint`` orders
    them by their bytes): float16 everywhere but the decode; the last block; the last 1, one cycle's worth
    and half of the net calls kept float32 (late calls first: errors made there have the
    least time to grow); the residual stream kept float32 (alone and with the last call);
    then all float32 (``None``)."""
    calls = _net_calls(graph)
    levels: list[tuple[str, Keep | None]] = [("float16, decode in float32", _keep_calls(set()))]
    blocks = [n.region for n in graph.nodes if n.region and "/block" in n.region]
    if blocks and len(set(blocks)) > 1:
        levels.append((f"float16, last block ({blocks[-1]}) and decode in float32",
                       _keep_calls(set(), regions=frozenset({blocks[-1]}))))
    per_cycle = sum(1 for c in calls if c.startswith(calls[0].rsplit("/", 1)[0] + "/")) if calls else 0
    for k in sorted({1, per_cycle, len(calls) // 2} - {0}):
        if k < len(calls):
            kept = calls[-k:]
            levels.append((f"float16, last {k} net call(s) ({kept[0]}..) and decode in float32",
                           _keep_calls(set(kept))))
    levels.append(("float16, residual stream and decode in float32", _keep_calls(set(), True)))
    if calls:
        levels.append((f"float16, residual stream, last net call ({calls[-1]}) and decode in float32",
                       _keep_calls({calls[-1]}, True)))
    levels.append(("float32", None))
    return levels


def static_memory(model: onnx.ModelProto) -> int:
    """Bytes of every tensor but ``input``/``output`` from (strict) shape inference: the
    official memory of a network whose shapes are all static, without running it. Used to
    try the cheapest precision first (the IR alone cannot see the lowerings' temporaries)."""
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    total = 0
    for vi in inferred.graph.value_info:
        t = vi.type.tensor_type
        size = onnx.helper.tensor_dtype_to_np_dtype(t.elem_type).itemsize
        total += size * int(np.prod([d.dim_value for d in t.shape.dim], dtype=np.int64))
    return total


@dataclass
class Compiled:
    """A compiled network and everything said about it."""

    emitted: Emitted
    data: bytes
    graph: Graph
    source: Source
    precision: str
    report: CostReport | None = None
    exact: bool | None = None  # thresholded answers equal the PyTorch module's on every example
    examples: int = 0
    task_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # vs expected outputs
    seconds: dict[str, float] = field(default_factory=dict)
    kept_note: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. a --kernel op the network lacks

    @property
    def solved(self) -> bool | None:
        """Whether the network passes every example of the task (None when not verified)."""
        if self.exact is None or not self.task_counts:
            return None
        return all(c["failed"] == 0 for c in self.task_counts.values())

    def verdict(self) -> str:
        """One line: exactness against PyTorch, then the task's pass counts per split."""
        if self.exact is None:
            return "unverified"
        counts = ", ".join(f"{split} {c['passed']}/{c['passed'] + c['failed']}"
                           for split, c in self.task_counts.items())
        solved = "solves the task" if self.solved else "does NOT solve the task: points null"
        return f"exact vs PyTorch on {self.examples} examples; {solved} ({counts})"


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
    cfg = module.config
    # Tiny per-op work (a cropped canvas, a small model): threads only contend. A full
    # 30x30 reference model (916 tokens x 64) answers 1.9x faster on 2 threads.
    big = cfg.seq_len * cfg.hidden >= BIG_TORCH_WORK
    torch.set_num_threads((os.cpu_count() or 1) if big else 1)
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


def grader_session(model_bytes: bytes):
    """One onnxruntime session with the grader's settings (single-threaded kernels)."""
    import onnxruntime as ort

    return ort.InferenceSession(model_bytes, session_options(1), providers=["CPUExecutionProvider"])


def ort_outputs(model: bytes | object, inputs: Sequence[np.ndarray],
                workers: int | None = None) -> list[np.ndarray | Exception]:
    """Raw outputs of the (renamed) model, or of a ``grader_session``. ``workers`` threads
    call the one session concurrently (``run`` is thread-safe and releases the GIL), so
    verification uses every core without changing any kernel's arithmetic."""
    session = grader_session(model) if isinstance(model, bytes) else model

    def one(x: np.ndarray) -> np.ndarray | Exception:
        try:
            return session.run(["output"], {"input": x})[0]
        except Exception as e:  # noqa: BLE001 - onnxruntime's errors share no base class
            return e

    n = workers or min(len(inputs), os.cpu_count() or 1) or 1
    if n <= 1:
        return [one(x) for x in inputs]
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, inputs))


def task_counts(outputs: Sequence[np.ndarray | Exception],
                examples: Sequence[tuple[str, Example]]) -> dict[str, dict[str, int]]:
    """Per split, how many answers equal the task's expected output (the official check)."""
    counts: dict[str, dict[str, int]] = {}
    for out, (split, ex) in zip(outputs, examples, strict=True):
        ok = isinstance(out, np.ndarray) and np.array_equal(out > 0, grid_to_onehot(ex.output) > 0)
        counts.setdefault(split, {"passed": 0, "failed": 0})["passed" if ok else "failed"] += 1
    return counts


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
    warnings = check_forced(base.nodes, forced, get_target(target).opset)
    seconds = {"frontend+passes": time.perf_counter() - t0}
    t_torch = time.perf_counter()
    examples = source.task.examples() if source.task is not None else []
    if max_examples is not None:
        examples = examples[:max_examples]
    inputs = [grid_to_onehot(ex.input) for _, ex in examples]
    expected = torch_answers(source.module, inputs) if verify else []
    seconds["torch"] = time.perf_counter() - t_torch
    levels = narrow_levels(base) if narrow else [("float32", None)]
    candidates = []
    for label, keep in levels:
        t1 = time.perf_counter()
        graph = base if keep is None else optimize(narrow_dtypes(base, keep))
        emitted = emit(graph, target, forced)
        candidates.append((static_memory(emitted.model) if len(levels) > 1 else 0, label, graph, emitted))
        seconds["emit"] = seconds.get("emit", 0.0) + time.perf_counter() - t1
    candidates.sort(key=lambda c: c[0])  # stable: ties keep the safer order
    notes: list[str] = []
    last_error = ""
    invalid = ""
    hard: list[int] = []  # examples a rejected precision failed: the next one tries them first
    for _, label, graph, emitted in candidates:
        t1 = time.perf_counter()
        data_bytes = emitted.to_bytes()
        validity, view = inspect(data_bytes)
        seconds["emit"] += time.perf_counter() - t1
        if not validity.valid or view is None:
            # e.g. a mixed precision whose float32 copies of the weights exceed the file limit:
            # a safer precision may still be valid.
            invalid = f"refusing to write an invalid network: {validity.line()}"
            notes.append(f"{label}: invalid ({validity.line()})")
            continue
        if not verify:
            return Compiled(emitted, data_bytes, graph, source, label, exact=None,
                            seconds=seconds, kept_note=notes, warnings=warnings)
        t2 = time.perf_counter()
        outputs, bad = _verify(view.model_bytes, inputs, expected, first=hard)
        seconds["verify"] = seconds.get("verify", 0.0) + time.perf_counter() - t2
        if bad is None:
            _, events = profiled_run(view.model_bytes, inputs[:1])  # shapes are static
            cost = cost_of_view(view, events)
            counts = task_counts(outputs, examples)
            solved = all(c["failed"] == 0 for c in counts.values())
            # The report's ``exact`` is the scorer's: every example of the task passes.
            report = CostReport.build(str(ckpt_path), validity, cost, exact=solved, examples=counts)
            report.kernels = kernel_counts(emitted)
            return Compiled(emitted, data_bytes, graph, source, label, report, True, len(inputs),
                            counts, seconds, notes, warnings)
        hard.append(bad)
        split, _ = examples[bad]
        last_error = f"example {bad} ({split}) differs"
        notes.append(f"{label}: {last_error}")
    if not last_error:  # every candidate was invalid
        raise UserError(invalid)
    raise UserError(f"compiled network disagrees with the PyTorch model: {last_error}")


def _verify(model_bytes: bytes, inputs: Sequence[np.ndarray], expected: Sequence[np.ndarray],
            chunk: int = 8, first: Sequence[int] = ()) -> tuple[list[np.ndarray | Exception], int | None]:
    """Outputs on every input (in input order) and the index of a disagreement with
    ``expected`` (None if none). Runs the ``first`` indices (examples an earlier precision
    failed, the likeliest to fail again), then the rest, in chunks, and stops at the first
    bad chunk: a rejected precision costs a few examples, not the whole task."""
    session = grader_session(model_bytes)
    head = list(dict.fromkeys(i for i in first if 0 <= i < len(inputs)))
    seen = set(head)
    order = head + [i for i in range(len(inputs)) if i not in seen]
    results: dict[int, np.ndarray | Exception] = {}
    for start in range(0, len(order), chunk):
        ids = order[start:start + chunk]
        for i, o in zip(ids, ort_outputs(session, [inputs[i] for i in ids]), strict=True):
            if not isinstance(o, np.ndarray) or not np.array_equal(o > 0, expected[i]):
                return [], i
            results[i] = o
    return [results[i] for i in range(len(inputs))], None


def kernel_counts(emitted: Emitted) -> dict[str, int]:
    """How many nodes got each lowering, as ``{"op=lowering": n}`` in first-use order."""
    counts: dict[str, int] = {}
    for choice in emitted.choices:
        key = f"{choice.op}={choice.lowering}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def model_from(compiled: Compiled) -> onnx.ModelProto:
    return onnx.ModelProto.FromString(compiled.data)


__all__ = ["Compiled", "Task", "compile_checkpoint", "compile_stages", "serialize", "task_counts"]
