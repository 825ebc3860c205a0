"""Compile a TRM checkpoint into a verified NeuroGolf network.

The front end (``trm.build_graph``) gives the IR; ``compiler.driver.compile_graph`` runs the
rest (generic passes, ``narrow_dtypes``, the passes again, ``emit`` with per-node kernel
selection) with ``VerifiedPrecision`` as its narrowing policy. Verification runs the file
the way the grader does (renamed, onnxruntime, ``ORT_DISABLE_ALL``) on every example of the
task and compares ``output > 0`` with the PyTorch module's; float16 narrowing is widened
step by step (``narrow_levels``) until the answers agree. Nothing is written unless the
network is valid (and, unless verification is off, exact).

Exact (equal to PyTorch) is not solved: the report also counts, per split, the examples
whose answer equals the task's expected output, and gives points only when every example
passes, as the official scorer does. An untrained model compiles exactly and earns nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import onnx
import torch

from trmgolf.compiler.driver import (
    FLOAT32,
    Candidate,
    Compilation,
    Level,
    Stage,
    compile_graph,
    static_memory,
)
from trmgolf.compiler.emit import Emitted, serialize
from trmgolf.compiler.passes.narrow_dtypes import Keep
from trmgolf.compiler.targets import DEFAULT_TARGET, get_target
from trmgolf.errors import UserError
from trmgolf.frontend.trm import Source, build_graph, load_source
from trmgolf.ir.graph import Graph, Node
from trmgolf.scoring.official import cost_of_view
from trmgolf.scoring.profile import profiled_run
from trmgolf.scoring.report import CostReport
from trmgolf.scoring.runtime import grader_session, run_each
from trmgolf.scoring.validity import ScorerView, Validity, inspect
from trmgolf.tasks import Example, Task, exact_on, grid_to_onehot, same_answer
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


def narrow_levels(graph: Graph) -> list[Level]:
    """Candidate precisions, roughly from cheapest to safest (``compile_checkpoint`` orders
    them by their bytes): float16 everywhere but the decode; the last block; the last 1, one cycle's worth
    and half of the net calls kept float32 (late calls first: errors made there have the
    least time to grow); the residual stream kept float32 (alone and with the last call);
    then all float32 (``None``)."""
    calls = _net_calls(graph)
    levels = [Level("float16, decode in float32", _keep_calls(set()))]
    blocks = [n.region for n in graph.nodes if n.region and "/block" in n.region]
    if blocks and len(set(blocks)) > 1:
        levels.append(Level(f"float16, last block ({blocks[-1]}) and decode in float32",
                            _keep_calls(set(), regions=frozenset({blocks[-1]}))))
    per_cycle = sum(1 for c in calls if c.startswith(calls[0].rsplit("/", 1)[0] + "/")) if calls else 0
    for k in sorted({1, per_cycle, len(calls) // 2} - {0}):
        if k < len(calls):
            kept = calls[-k:]
            levels.append(Level(f"float16, last {k} net call(s) ({kept[0]}..) and decode in float32",
                                _keep_calls(set(kept))))
    levels.append(Level("float16, residual stream and decode in float32", _keep_calls(set(), True)))
    if calls:
        levels.append(Level(f"float16, residual stream, last net call ({calls[-1]}) and decode in float32",
                            _keep_calls({calls[-1]}, True)))
    levels.append(FLOAT32)
    return levels


@dataclass
class Compiled:
    """A compiled network and everything said about it."""

    compilation: Compilation  # the network written, its bytes and the IR of every stage
    source: Source
    report: CostReport | None = None
    exact: bool | None = None  # thresholded answers equal the PyTorch module's on every example
    examples: int = 0
    task_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # vs expected outputs
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def emitted(self) -> Emitted:
        return self.compilation.emitted

    @property
    def data(self) -> bytes:
        return self.compilation.data

    @property
    def graph(self) -> Graph:
        return self.compilation.graph

    @property
    def stages(self) -> list[Stage]:
        return self.compilation.stages

    @property
    def precision(self) -> str:
        return self.compilation.precision

    @property
    def kept_note(self) -> list[str]:
        """Why each cheaper precision was refused."""
        return self.compilation.rejected

    @property
    def warnings(self) -> list[str]:
        """E.g. a --kernel op the network lacks."""
        return self.compilation.warnings

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


@dataclass
class Reference:
    """The task's examples and the PyTorch module's thresholded answers (when verifying)."""

    examples: list[tuple[str, Example]]
    inputs: list[np.ndarray]
    expected: list[np.ndarray]
    seconds: float = 0.0


def reference_answers(source: Source, verify: bool, max_examples: int | None = None) -> Reference:
    t0 = time.perf_counter()
    examples = source.task.examples() if source.task is not None else []
    if max_examples is not None:
        examples = examples[:max_examples]
    inputs = [grid_to_onehot(ex.input) for _, ex in examples]
    expected = torch_answers(source.module, inputs) if verify else []
    return Reference(examples, inputs, expected, time.perf_counter() - t0)


@dataclass
class Accepted:
    """What the grader's checks said about the accepted candidate."""

    validity: Validity
    view: ScorerView
    outputs: list[np.ndarray | Exception]  # raw outputs on every example (empty when unverified)


@dataclass
class VerifiedPrecision:
    """The TRM's narrowing policy (a ``compiler.driver.NarrowingPolicy``): ``narrow_levels``,
    or float32 alone; a candidate is accepted when its file is valid and, when verifying, its
    thresholded answers equal the PyTorch module's on every example."""

    reference: Reference
    verify: bool = True
    narrow: bool = True
    seconds: dict[str, float] = field(default_factory=dict)
    accepted: Accepted | None = None
    hard: list[int] = field(default_factory=list)  # examples a refused precision failed: tried first
    invalid: str = ""
    disagreement: str = ""

    def levels(self, graph: Graph) -> list[Level]:
        return narrow_levels(graph) if self.narrow else [FLOAT32]

    def check(self, candidate: Candidate) -> str | None:
        t0 = time.perf_counter()
        validity, view = inspect(candidate.data)
        self._count("inspect", t0)
        if not validity.valid or view is None:
            # e.g. a mixed precision whose float32 copies of the weights exceed the file limit:
            # a safer precision may still be valid.
            self.invalid = f"refusing to write an invalid network: {validity.line()}"
            return f"invalid ({validity.line()})"
        if not self.verify:
            self.accepted = Accepted(validity, view, [])
            return None
        t0 = time.perf_counter()
        ref = self.reference
        outputs, bad = _verify(view.model_bytes, ref.inputs, ref.expected, first=self.hard)
        self._count("verify", t0)
        if bad is None:
            self.accepted = Accepted(validity, view, outputs)
            return None
        self.hard.append(bad)
        self.disagreement = f"example {bad} ({ref.examples[bad][0]}) differs"
        return self.disagreement

    def refusal(self) -> UserError:
        if not self.disagreement:  # every candidate was invalid
            return UserError(self.invalid)
        return UserError(f"compiled network disagrees with the PyTorch model: {self.disagreement}")

    def _count(self, what: str, since: float) -> None:
        self.seconds[what] = self.seconds.get(what, 0.0) + time.perf_counter() - since


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


def ort_outputs(model: bytes | object, inputs: Sequence[np.ndarray],
                workers: int | None = None) -> list[np.ndarray | Exception]:
    """Raw outputs of the (renamed) model, or of a ``grader_session``. ``workers`` threads
    call the one session concurrently (``run`` is thread-safe and releases the GIL), so
    verification uses every core without changing any kernel's arithmetic."""
    session = grader_session(model, threads=1) if isinstance(model, bytes) else model
    return run_each(session, inputs, workers or min(len(inputs), os.cpu_count() or 1) or 1)


def task_counts(outputs: Sequence[np.ndarray | Exception],
                examples: Sequence[tuple[str, Example]]) -> dict[str, dict[str, int]]:
    """Per split, how many answers equal the task's expected output (the official check)."""
    counts: dict[str, dict[str, int]] = {}
    for out, (split, ex) in zip(outputs, examples, strict=True):
        ok = exact_on(out, ex.output)
        counts.setdefault(split, {"passed": 0, "failed": 0})["passed" if ok else "failed"] += 1
    return counts


def _check_target(module: TRMInference, target: str) -> None:
    opset = get_target(target).opset
    if opset < 13:
        raise UserError(f"target {target} (opset {opset}) lacks Einsum/Softmax-13 the TRM needs")


def compile_checkpoint(ckpt_path: str | os.PathLike[str], task: str | int | None = None,
                       data: str | os.PathLike[str] | None = None, *,
                       target: str = DEFAULT_TARGET, forced: Mapping[str, str] | None = None,
                       crop: bool = False, verify: bool = True, narrow: bool = True,
                       max_examples: int | None = None) -> Compiled:
    """Compile, verify (unless told not to) and cost a checkpoint; raises UserError when
    the result would be invalid or inexact. The stages recorded are those of the network
    returned (``Compiled.stages``): what ``--dump-ir`` and ``ir --after`` print."""
    t0 = time.perf_counter()
    source = _load_checked(ckpt_path, task, data, target=target, crop=crop, verify=verify)
    graph = build_graph(source.module)
    frontend_s = time.perf_counter() - t0
    policy = VerifiedPrecision(reference_answers(source, verify, max_examples), verify=verify, narrow=narrow)
    compilation = compile_graph(graph, target=target, forced=forced, narrowing=policy, source="frontend")
    seconds = {"frontend+passes": frontend_s + compilation.seconds["passes"],
               "torch": policy.reference.seconds,
               "emit": compilation.seconds["emit"] + policy.seconds.get("inspect", 0.0)}
    if not verify:
        return Compiled(compilation, source, exact=None, seconds=seconds)
    seconds["verify"] = policy.seconds.get("verify", 0.0)
    return _with_report(Compiled(compilation, source, seconds=seconds), policy, str(ckpt_path))


def _load_checked(ckpt_path: str | os.PathLike[str], task: str | int | None,
                  data: str | os.PathLike[str] | None, *, target: str, crop: bool, verify: bool) -> Source:
    source = load_source(ckpt_path, task, data, crop=crop, need_task=verify)
    if verify and source.task is None:
        raise UserError("verification needs the task (--task N, --data DIR) or --no-verify")
    _check_target(source.module, target)
    return source


def _with_report(compiled: Compiled, policy: VerifiedPrecision, name: str) -> Compiled:
    """Cost the verified network as the grader does and count the task's passes."""
    accepted, ref = policy.accepted, policy.reference
    assert accepted is not None
    _, events = profiled_run(accepted.view.model_bytes, ref.inputs[:1])  # shapes are static
    counts = task_counts(accepted.outputs, ref.examples)
    solved = all(c["failed"] == 0 for c in counts.values())
    # The report's ``exact`` is the scorer's: every example of the task passes.
    report = CostReport.build(name, accepted.validity, cost_of_view(accepted.view, events),
                              exact=solved, examples=counts)
    report.kernels = compiled.emitted.kernel_counts()
    compiled.report, compiled.exact = report, True
    compiled.examples, compiled.task_counts = len(ref.inputs), counts
    return compiled


def _verify(model_bytes: bytes, inputs: Sequence[np.ndarray], expected: Sequence[np.ndarray],
            chunk: int = 8, first: Sequence[int] = ()) -> tuple[list[np.ndarray | Exception], int | None]:
    """Outputs on every input (in input order) and the index of a disagreement with
    ``expected`` (None if none). Runs the ``first`` indices (examples an earlier precision
    failed, the likeliest to fail again), then the rest, in chunks, and stops at the first
    bad chunk: a rejected precision costs a few examples, not the whole task."""
    session = grader_session(model_bytes, threads=1)
    head = list(dict.fromkeys(i for i in first if 0 <= i < len(inputs)))
    seen = set(head)
    order = head + [i for i in range(len(inputs)) if i not in seen]
    results: dict[int, np.ndarray | Exception] = {}
    for start in range(0, len(order), chunk):
        ids = order[start:start + chunk]
        for i, o in zip(ids, ort_outputs(session, [inputs[i] for i in ids]), strict=True):
            if not same_answer(o, expected[i]):
                return [], i
            results[i] = o
    return [results[i] for i in range(len(inputs))], None


def model_from(compiled: Compiled) -> onnx.ModelProto:
    return onnx.ModelProto.FromString(compiled.data)


__all__ = ["Compiled", "Task", "VerifiedPrecision", "compile_checkpoint", "serialize", "static_memory",
           "task_counts"]
