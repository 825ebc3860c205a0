"""The one compile path: passes -> narrowing -> clean-up passes -> emit, every stage recorded.

Every network trmgolf writes (``compile``, ``optimize``, ``solve``) comes out of
``compile_graph``, and every IR dump (``ir --after``, ``compile --dump-ir``) reads the stages
recorded for the candidate it returned. So a dump is the IR of the file on disk, not a
re-run that might narrow differently. Recording is cheap: a stage is a copy of the graph's
structure (sharing its constant arrays) taken only when its pass changed the graph.

Narrowing is the caller's policy: it proposes precision levels and accepts or refuses each
emitted candidate (the TRM front end verifies against PyTorch); candidates are tried from
the fewest bytes up, and the first accepted one is returned.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple, Protocol

import numpy as np
import onnx

from trmgolf.compiler.emit import Emitted, emit, lowerable_at
from trmgolf.compiler.importer import carried_nodes_fit
from trmgolf.compiler.passes.narrow_dtypes import Keep, narrow_dtypes
from trmgolf.compiler.pipeline import PIPELINE, Pass, pass_names, stages
from trmgolf.compiler.select import check_forced
from trmgolf.compiler.targets import DEFAULT_TARGET, get_target
from trmgolf.errors import UserError
from trmgolf.ir.graph import Graph
from trmgolf.scoring.cost_model import CostModel, get_cost_model

#: ``(stage name, graph after it)``: the first is the input, then one per pass run.
Stage = tuple[str, Graph]
NARROW_STAGE = "narrow_dtypes"
NARROWED_SUFFIX = "@narrowed"  # clean-up passes after narrowing: "cse@narrowed"
FINAL_STAGE = "final"  # not a pass: the graph that was emitted (a pass name means its first run)


class Level(NamedTuple):
    """One precision to try: a label for reports and which nodes stay float32."""

    label: str
    keep: Keep | None  # None: nothing is narrowed (no narrowing stage runs)


FLOAT32 = Level("float32", None)


@dataclass
class Candidate:
    """One precision level compiled: its stages and its emitted network."""

    level: Level
    stages: list[Stage]
    emitted: Emitted

    @cached_property
    def data(self) -> bytes:
        return self.emitted.to_bytes()


class NarrowingPolicy(Protocol):
    """Which precisions to try and which emitted candidate may be written."""

    def levels(self, graph: Graph) -> Sequence[Level]:
        """Candidate precisions of the optimised ``graph`` (ties in bytes keep this order)."""
        ...

    def check(self, candidate: Candidate) -> str | None:
        """None accepts ``candidate``; otherwise the one-line reason it is refused."""
        ...

    def refusal(self) -> UserError:
        """The error to raise when every candidate was refused."""
        ...


class NoNarrowing:
    """Everything stays float32 and the one candidate is accepted (``optimize``, ``solve``:
    narrowing changes numbers, so it needs a reference to verify against)."""

    def levels(self, graph: Graph) -> Sequence[Level]:
        return [FLOAT32]

    def check(self, candidate: Candidate) -> str | None:
        return None

    def refusal(self) -> UserError:
        return UserError("no candidate network was accepted")


NO_NARROWING = NoNarrowing()


@dataclass
class Compilation:
    """The written network, its bytes, and the IR after every stage that produced it."""

    emitted: Emitted
    data: bytes
    stages: list[Stage]
    precision: str
    rejected: list[str] = field(default_factory=list)  # "level: why" of cheaper candidates
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # e.g. a --kernel op the graph lacks

    @property
    def model(self) -> onnx.ModelProto:
        return self.emitted.model

    @property
    def graph(self) -> Graph:
        """The IR that was emitted (the last stage)."""
        return self.stages[-1][1]

    def stage_names(self) -> list[str]:
        """Each stage name once, in the order they first ran."""
        return list(dict.fromkeys(name for name, _ in self.stages))

    def after(self, name: str) -> Graph:
        """The graph right after the first run of stage ``name`` (``final``: the last stage)."""
        if name == FINAL_STAGE:
            return self.graph
        for stage, graph in self.stages:
            if stage == name:
                return graph
        raise UserError(f"no stage {name!r} in this compile (precision {self.precision}; "
                        f"stages: {', '.join([*self.stage_names(), FINAL_STAGE])})")


def emission_opset(graph: Graph, target_opset: int) -> int | None:
    """The opset to emit ``graph`` at when it cannot be ``target_opset`` (None: it can): the
    highest one below where every carried ``onnx_node`` keeps the meaning it was built with and
    every node has a lowering (a node whose ONNX op has a newer version there, like the
    MaxRoiPool-22 onnxruntime lacks, holds its graph at the opsets before)."""
    carried = [int(n.attrs["opset"]) for n in graph.nodes if n.op == "onnx_node"]
    if not carried and lowerable_at(graph, target_opset):
        return None
    for opset in range(target_opset, 0, -1):
        if carried_nodes_fit(graph, opset) and lowerable_at(graph, opset):
            return None if opset == target_opset else opset
    return max(carried) if carried else None  # nowhere: emission names the node it cannot lower


def compile_graph(graph: Graph, *, target: str = DEFAULT_TARGET, forced: Mapping[str, str] | None = None,
                  narrowing: NarrowingPolicy = NO_NARROWING, cost_model: str | CostModel = "official",
                  source: str = "input", pipeline: list[tuple[str, Pass]] | None = None,
                  opset: int | None = None, other_opsets: Sequence[int] = ()) -> Compilation:
    """Run every stage on ``graph`` and emit for ``target``; ``forced`` maps op -> lowering,
    ``source`` names the input stage, ``pipeline`` the passes (default: ``PIPELINE``; ``[]``:
    none), ``opset`` overrides the target's (by default, a graph carrying ``onnx_node``s built at
    an older opset, or ops lowered only at older opsets, is emitted at the highest one where
    they keep their meaning and their kernel: onnxruntime has no MaxRoiPool-22); each of
    ``other_opsets`` is tried too and kept where its network is cheaper. Raises the policy's
    refusal if no candidate passes."""
    pipeline = PIPELINE if pipeline is None else pipeline
    if opset is None:
        opset = emission_opset(graph, get_target(target).opset)
    t0 = time.perf_counter()
    optimised = [(source, graph), *stages(graph, pipeline, copies=True)]
    seconds = {"passes": time.perf_counter() - t0, "emit": 0.0}
    model = get_cost_model(cost_model)
    # Forced lowerings are checked against the graph about to be emitted: an unknown op or
    # choice, or one that cannot lower a node, is an error; an op the graph lacks, a warning.
    warnings = check_forced(optimised[-1][1].nodes, forced or {}, opset or get_target(target).opset)
    chosen, pipeline = _cheapest_pipeline(optimised, pipeline, target, forced, model, opset, seconds)
    if chosen is not optimised:
        optimised = chosen
        warnings = check_forced(optimised[-1][1].nodes, forced or {}, opset or get_target(target).opset)
    levels = list(narrowing.levels(optimised[-1][1]))
    candidates = []
    for level in levels:
        t1 = time.perf_counter()
        staged = _narrowed(optimised, level, pipeline)
        seconds["passes"] += time.perf_counter() - t1
        t1 = time.perf_counter()
        candidates.append(Candidate(level, staged, _cheapest_emission(staged[-1][1], target, forced, model,
                                                                      opset, other_opsets)))
        seconds["emit"] += time.perf_counter() - t1
    if len(candidates) > 1:
        t1 = time.perf_counter()
        candidates.sort(key=lambda c: static_memory(c.emitted.model))  # stable: ties keep the order
        seconds["emit"] += time.perf_counter() - t1
    rejected: list[str] = []
    for candidate in candidates:
        why = narrowing.check(candidate)
        if why is None:
            return Compilation(candidate.emitted, candidate.data, candidate.stages, candidate.level.label,
                               rejected, seconds, warnings)
        rejected.append(f"{candidate.level.label}: {why}")
    raise narrowing.refusal()


#: Passes whose rewrite is exact but not always cheaper once lowered: a Gather plus a
#: Transpose for an Einsum that fused both, say (the Transpose writes a tensor of its own).
#: When one of them changed the graph, the graph is compiled without it too, and the cheaper
#: network (static memory + params, as the grader counts) wins; ties keep the full pipeline.
OPTIONAL_PASSES = ("channel_gather",)


def _cheapest_emission(graph: Graph, target: str, forced: Mapping[str, str] | None, model: CostModel,
                       opset: int | None, other_opsets: Sequence[int]) -> Emitted:
    """``graph`` emitted at ``opset`` or, when cheaper (static memory + params), at one of
    ``other_opsets``: an imported network written for an older opset reads axes, bounds and
    sizes from attributes there, where the newest opset wants them as initializers. An opset
    at which some op has no lowering is skipped; ties keep ``opset``."""
    best = emit(graph, target, forced, model, opset=opset)
    if not other_opsets:
        return best
    try:
        best_cost = static_cost(best.model)
    except onnx.shape_inference.InferenceError:  # no static shapes to compare by
        return best
    for other in other_opsets:
        try:
            emitted = emit(graph, target, forced, model, opset=other)
            cost = static_cost(emitted.model)
        except (UserError, onnx.shape_inference.InferenceError):  # no lowering of some op there
            continue
        if cost < best_cost:
            best, best_cost = emitted, cost
    return best


def _changed_by(optimised: list[Stage], name: str) -> bool:
    """Whether pass ``name`` changed the graph in a run recorded with ``copies`` (an unchanged
    pass yields the previous snapshot again, the same object)."""
    return any(stage == name and g is not optimised[k][1]
               for k, (stage, g) in enumerate(optimised[1:]))


def static_cost(model: onnx.ModelProto) -> int:
    """Memory + params of a network whose shapes are all static, without running it."""
    from trmgolf.scoring.official import count_params

    return static_memory(model) + sum(p.count for p in count_params(model))


def _cheapest_pipeline(optimised: list[Stage], pipeline: list[tuple[str, Pass]], target: str,
                       forced: Mapping[str, str] | None, model: CostModel, opset: int | None,
                       seconds: dict[str, float]
                       ) -> tuple[list[Stage], list[tuple[str, Pass]]]:
    """The stages (and the pipeline) of the cheapest of: the full pipeline, and the pipeline
    without each ``OPTIONAL_PASSES`` pass that changed the graph."""
    names = [name for name in OPTIONAL_PASSES if _changed_by(optimised, name)]
    if not names:
        return optimised, pipeline
    t0 = time.perf_counter()
    source = optimised[0]

    def cost(staged: list[Stage]) -> int:
        return static_cost(emit(staged[-1][1], target, forced, model, opset=opset).model)

    best, best_pipeline, best_cost = optimised, pipeline, cost(optimised)
    for name in names:
        reduced = [(n, p) for n, p in pipeline if n != name]
        staged = [source, *stages(source[1], reduced, copies=True)]
        c = cost(staged)
        if c < best_cost:
            best, best_pipeline, best_cost = staged, reduced, c
    seconds["passes"] += time.perf_counter() - t0
    return best, best_pipeline


def stage_names(source: str = "input", narrowing: bool = False,
                pipeline: list[tuple[str, Pass]] = PIPELINE) -> list[str]:
    """Every stage name a compile can record (to refuse a misspelt one before compiling)."""
    names = [source, *pass_names(pipeline)]
    if narrowing:
        names += [NARROW_STAGE, *(f"{name}{NARROWED_SUFFIX}" for name in pass_names(pipeline))]
    return [*names, FINAL_STAGE]


def _narrowed(optimised: list[Stage], level: Level, pipeline: list[tuple[str, Pass]]) -> list[Stage]:
    """The stages of one precision: the optimised graph's, then narrowing and clean-up."""
    if level.keep is None:
        return optimised
    narrowed = narrow_dtypes(optimised[-1][1], level.keep).graph
    cleaned = [(f"{name}{NARROWED_SUFFIX}", g) for name, g in stages(narrowed, pipeline, copies=True)]
    return [*optimised, (NARROW_STAGE, narrowed), *cleaned]


def static_memory(model: onnx.ModelProto) -> int:
    """Bytes of every tensor but ``input``/``output`` from (strict) shape inference: the
    official memory of a network whose shapes are all static, without running it. Orders
    the candidates (the IR alone cannot see the lowerings' temporaries)."""
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    total = 0
    for vi in inferred.graph.value_info:
        t = vi.type.tensor_type
        size = onnx.helper.tensor_dtype_to_np_dtype(t.elem_type).itemsize
        total += size * int(np.prod([d.dim_value for d in t.shape.dim], dtype=np.int64))
    return total


__all__ = ["FINAL_STAGE", "FLOAT32", "NO_NARROWING", "Candidate", "Compilation", "Level", "NarrowingPolicy",
           "NoNarrowing", "Stage", "compile_graph", "stage_names", "static_memory"]
