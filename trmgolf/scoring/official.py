"""The official NeuroGolf cost (memory + params) of a model, with its breakdowns.

Official rules (scorer of 2026-05-14), on the renamed model of ``validity.scorer_view``:

* ``params``: element count of every initializer, every sparse initializer's
  ``values`` and every ``Constant`` attribute ``value``, ``sparse_value``,
  ``value_floats``, ``value_ints``, ``value_strings``. A scalar counts 1. The
  scorer does NOT count ``value_float``, ``value_int`` or ``value_string``:
  those Constants cost 0 params (their output still costs memory).
* ``memory``: for every name that a node produces or that ``input``,
  ``value_info`` or ``output`` of the strictly inferred graph declares, except
  ``input``/``output``: elements x numpy itemsize of its dtype (bool 1, float16
  2, int64 8). A ``value_info`` entry that no node produces ("stale") still
  costs its declared size; entries of optional/map type are skipped. Then each
  node output is raised to the largest size seen in the profiler trace of the
  run (:mod:`~trmgolf.scoring.profile`); Constant nodes have no kernel, so their
  outputs keep the static size.
* points ``max(1, 25 - ln(max(1, memory + params)))``.

The legacy model (:mod:`~trmgolf.scoring.cost_model`) adds the MACs of
:mod:`~trmgolf.scoring.legacy_macs`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import onnx

from trmgolf.scoring.cost import Cost, NodeCost, ParamCost, Shape, TensorCost, shape_of
from trmgolf.scoring.cost_model import CostModel, get_cost_model
from trmgolf.scoring.legacy_macs import node_macs, shape_table
from trmgolf.scoring.profile import profiled_run, runtime_bytes
from trmgolf.scoring.validity import (
    IO_NAMES,
    IO_SHAPE,
    ModelLike,
    ScorerView,
    Validity,
    inspect,
    tensor_bytes,
)

NO_REGION = "(none)"
GRAPH_REGION = "(graph)"
_REGION_RE = re.compile(r"(?:^|[\s;,])region=([^\s;,]+)")


def node_region(node: onnx.NodeProto, prefix_parts: int | None = None) -> str:
    """A node's region: ``region=...`` in its doc_string, else the first k parts of its name."""
    m = _REGION_RE.search(node.doc_string or "")
    if m:
        return m.group(1)
    if prefix_parts and node.name:
        return "/".join(node.name.split("/")[:prefix_parts]) or NO_REGION
    return NO_REGION


def _dtype_name(elem_type: int) -> str:
    return onnx.helper.tensor_dtype_to_string(elem_type).replace("TensorProto.", "").lower()


def count_params(model: onnx.ModelProto, regions: dict[str, str] | None = None) -> list[ParamCost]:
    """Every parameter item the scorer counts, in file order (model must pass param_dims)."""
    regions = regions or {}
    consumers: dict[str, str] = {}
    for node in model.graph.node:
        for name in node.input:
            consumers.setdefault(name, node.op_type)
    g = model.graph
    items = [
        ParamCost(init.name, "initializer", math.prod(init.dims), regions.get(init.name, GRAPH_REGION),
                  consumers.get(init.name, ""))
        for init in g.initializer
    ]
    items += [
        ParamCost(sp.values.name, "sparse_initializer", math.prod(sp.values.dims),
                  regions.get(sp.values.name, GRAPH_REGION), consumers.get(sp.values.name, ""))
        for sp in g.sparse_initializer
    ]
    items += [
        ParamCost(node.output[0], "Constant", _constant_params(node),
                  regions.get(node.output[0], NO_REGION), "Constant")
        for node in g.node
        if node.op_type == "Constant"
    ]
    return items


def _constant_params(node: onnx.NodeProto) -> int:
    """Elements of a Constant's counted attributes (``value_float`` and co. cost nothing)."""
    count = 0
    for attr in node.attribute:
        if attr.name == "value":
            count += math.prod(attr.t.dims)
        elif attr.name == "sparse_value":
            count += math.prod(attr.sparse_tensor.values.dims)
        elif attr.name == "value_floats":
            count += len(attr.floats)
        elif attr.name == "value_ints":
            count += len(attr.ints)
        elif attr.name == "value_strings":
            count += len(attr.strings)
    return count


@dataclass
class _Origins:
    """Per renamed tensor: its producer's op type and region; per node: its outputs (the key
    of the profiler's events); per tensor: the region of its producer or first reader."""

    producer: dict[str, tuple[str, str]] = field(default_factory=dict)
    node_outputs: dict[str, list[str]] = field(default_factory=dict)
    tensor_region: dict[str, str] = field(default_factory=dict)
    read: set[str] = field(default_factory=set)  # every name a node (or a subgraph) reads


def read_names(graph: onnx.GraphProto) -> set[str]:
    """The names the nodes of ``graph`` and of its subgraphs (If, Loop, Scan bodies) read."""
    names: set[str] = set()
    for node in graph.node:
        names.update(node.input)
        for attr in node.attribute:
            for sub in [attr.g] if attr.HasField("g") else list(attr.graphs):
                names |= read_names(sub)
    return names


def _origins(graph: onnx.GraphProto, original_nodes: Sequence[onnx.NodeProto],
             region_prefix: int | None) -> _Origins:
    o = _Origins()
    for node, orig in zip(graph.node, original_nodes, strict=True):
        region = node_region(orig, region_prefix)
        o.node_outputs[node.name] = list(node.output)
        for out in node.output:
            if out:
                o.producer[out] = (node.op_type, region)
        for name in node.input:
            o.tensor_region.setdefault(name, region)
    for out, (_, region) in o.producer.items():
        o.tensor_region[out] = region
    o.read = read_names(graph) | {vi.name for vi in graph.output}
    return o


def _static_tensors(graph: onnx.GraphProto, producer: dict[str, tuple[str, str]]
                    ) -> dict[str, tuple[int, Shape, int]]:
    """Every counted tensor (all but input/output and non-tensor types), sorted by name:
    ``(elem_type, shape, bytes)`` from the inferred shapes."""
    table = {vi.name: vi for vi in list(graph.input) + list(graph.value_info) + list(graph.output)}
    static: dict[str, tuple[int, Shape, int]] = {}
    for name in sorted(set(producer) | set(table)):
        vi = table[name]
        if name in IO_NAMES or not vi.type.HasField("tensor_type"):
            continue
        elem_type, shape = vi.type.tensor_type.elem_type, shape_of(vi)
        static[name] = (elem_type, shape, tensor_bytes(elem_type, math.prod(shape)))
    return static


def _tensor_costs(view: ScorerView, origins: _Origins, events: Sequence[dict]) -> list[TensorCost]:
    """Memory items: static sizes raised to the trace's, largest first."""
    graph = view.inferred
    static = _static_tensors(graph, origins.producer)
    itemsize = {name: tensor_bytes(elem_type, 1) for name, (elem_type, _, _) in static.items()}
    seen = runtime_bytes(events, origins.node_outputs, itemsize)
    tensors = []
    for name, (elem_type, shape, nbytes) in static.items():
        kind = "graph_input" if any(vi.name == name for vi in graph.input) else "value_info"
        op_type, region = origins.producer.get(name, (kind, GRAPH_REGION))
        dead = name in origins.producer and name not in origins.read
        tensors.append(TensorCost(view.original_name(name), op_type, _dtype_name(elem_type), shape,
                                  max(nbytes, seen.get(name, 0)), nbytes, region, dead))
    tensors.sort(key=lambda t: (-t.bytes, t.name))
    return tensors


def _param_costs(view: ScorerView, tensor_region: dict[str, str]) -> list[ParamCost]:
    """Parameter items under the user's names, in the region of their first reader."""
    return [
        ParamCost(view.original_name(p.name), p.kind, p.count, tensor_region.get(p.name, p.region), p.op_type)
        for p in count_params(view.model)
    ]


def _node_costs(view: ScorerView, region_prefix: int | None, counts_macs: bool) -> list[NodeCost]:
    """One item per node; MACs only when the cost model counts them (else 0)."""
    graph = view.inferred
    shapes = shape_table(graph) if counts_macs else {}
    return [
        NodeCost(
            orig.name or view.original_name(node.name),
            node.op_type,
            node_region(orig, region_prefix),
            node_macs(node, shapes) if counts_macs else 0,
        )
        for node, orig in zip(graph.node, view.original.graph.node, strict=True)
    ]


def cost_of_view(
    view: ScorerView,
    events: Sequence[dict] = (),
    *,
    cost_model: str | CostModel = "official",
    region_prefix: int | None = None,
) -> Cost:
    """The cost of a valid model from its scorer view and (optionally) a profiler trace."""
    assert view.inferred is not None, "cost_of_view needs a model that passed shape inference"
    counts_macs = get_cost_model(cost_model).counts_macs
    origins = _origins(view.inferred, list(view.original.graph.node), region_prefix)
    tensors = _tensor_costs(view, origins, events)
    params = _param_costs(view, origins.tensor_region)
    nodes = _node_costs(view, region_prefix, counts_macs)
    return Cost(
        memory=sum(t.bytes for t in tensors),
        params=sum(p.count for p in params),
        macs=sum(n.macs for n in nodes) if counts_macs else None,
        tensors=tensors,
        param_items=params,
        nodes=nodes,
    )


def measure(
    model: ModelLike,
    inputs: Sequence[np.ndarray] | None = None,
    *,
    cost_model: str | CostModel = "official",
    region_prefix: int | None = None,
) -> tuple[Validity, Cost | None]:
    """Validate and cost a model; the trace comes from running ``inputs`` (a zero grid if None).

    Never raises for a bad model: an invalid one gives ``(validity, None)``; an unknown
    cost model is a UserError.
    """
    model_of_cost = get_cost_model(cost_model)
    validity, view = inspect(model)
    if not validity.valid or view is None:
        return validity, None
    feeds = list(inputs) if inputs is not None else [np.zeros(IO_SHAPE, np.float32)]
    _, events = profiled_run(view.model_bytes, feeds)
    return validity, cost_of_view(view, events, cost_model=model_of_cost, region_prefix=region_prefix)
