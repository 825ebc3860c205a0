"""The emitter: IR graph -> ``onnx.ModelProto`` (IR version 10, the target's opset).

One initializer per distinct constant; each node's lowering picked by cost
(``select.LoweringSession``); the graph's output value is written directly as ``output``
(the final tensor is free). Tensor names come from value names or op names plus the
node's region, and are numbered in graph order, so the same graph always gives a
byte-identical file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import onnx
from onnx import helper

from trmgolf.compiler.select import LoweringSession
from trmgolf.compiler.shared_scalars import share_single_element_initializers
from trmgolf.compiler.targets import DEFAULT_TARGET, get_target
from trmgolf.ir.graph import Graph, Value
from trmgolf.ir.opaque import require_concrete
from trmgolf.ir.verify import verify
from trmgolf.kernels.base import alternatives
from trmgolf.kernels.context import Initializers, onnx_dtype, unique_name
from trmgolf.scoring.cost_model import OFFICIAL, CostModel

IR_VERSION = 10
RESERVED = {"input", "output"}


@dataclass
class Choice:
    """Which lowering a node got and what it added beyond the node's own output."""

    node: str
    op: str
    lowering: str
    extra_cost: int


@dataclass
class Emitted:
    model: onnx.ModelProto
    choices: list[Choice] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        return serialize(self.model)

    def kernel_counts(self) -> dict[str, int]:
        """How many nodes got each lowering, as ``{"op=lowering": n}`` in first-use order."""
        counts: dict[str, int] = {}
        for choice in self.choices:
            key = f"{choice.op}={choice.lowering}"
            counts[key] = counts.get(key, 0) + 1
        return counts


def serialize(model: onnx.ModelProto) -> bytes:
    return model.SerializeToString(deterministic=True)


def _clean(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_./-]", "_", name).strip("/") or "t"
    return "t_" + name if name in RESERVED or name.startswith("safe_name") else name


def _value_hint(v: Value) -> str:
    assert v.producer is not None
    base = v.name or v.producer.op
    region = v.producer.region
    return _clean(f"{region}/{base}" if region else base)


def lowerable_at(graph: Graph, opset: int) -> bool:
    """Whether every node of ``graph`` has a lowering available at ``opset``."""
    return all(any(alt.available(node, opset) for alt in alternatives(node.op))
               for node in graph.nodes if node.op != "constant")


def default_opset(graph: Graph, target_opset: int) -> int:
    """``target_opset``, or, where some node has no lowering there (an ONNX op whose newer
    version onnxruntime lacks, like MaxRoiPool-22), the highest opset below where every node
    has one (``target_opset`` again when none: emission then names the node)."""
    if lowerable_at(graph, target_opset):
        return target_opset
    return next((o for o in range(target_opset - 1, 0, -1) if lowerable_at(graph, o)), target_opset)


def emit(graph: Graph, target: str = DEFAULT_TARGET, forced: Mapping[str, str] | None = None,
         cost_model: str | CostModel = OFFICIAL, *, grid_output: bool = True,
         opset: int | None = None) -> Emitted:
    """Lower ``graph`` to ONNX for ``target``; ``forced`` maps op -> lowering name; the
    lowerings are picked under ``cost_model``.

    ``grid_output=False`` lets the input and output have any type (tests of single ops);
    ``opset`` overrides the target's (an imported network whose carried nodes have no
    equivalent at the target's opset is re-emitted at its own); without it, a graph some of
    whose nodes lower only at older opsets is emitted at the highest of those (``default_opset``).
    """
    verify(graph, grid_output=grid_output)
    for node in graph:
        for value in node.attrs.values():
            require_concrete(value)  # a graph parsed without its arrays cannot be written
    opset = opset or default_opset(graph, get_target(target).opset)
    inits = Initializers(used_names=set(RESERVED))
    # One name space for initializers and tensors: a Split's sizes initializer and its
    # outputs both want the name 'split'.
    session = LoweringSession(opset, inits, inits.used_names, forced, cost_model)
    session.adopt_plan(graph.nodes)
    onnx_name: dict[Value, str] = {graph.input: "input"}
    assert graph.output is not None
    nodes: list[onnx.NodeProto] = []
    choices: list[Choice] = []
    ranks: dict[str, int] = {}  # every node output's rank, for sharing single-element initializers

    for node in graph.nodes:
        if node.op == "constant":
            out = node.output
            if out.uses or out is graph.output:
                onnx_name[out] = inits.add(node.attrs["value"], _clean(out.name or "const"))
                if any(reader.op == "onnx_node" for reader, _ in out.uses):
                    # A carried node reads it as it is, whatever is chosen elsewhere: a lowering
                    # that reads it too adds nothing to the model.
                    inits.committed.add(onnx_name[out])
            continue
        ins = [onnx_name[v] for v in node.inputs]
        outs = []
        for v in node.outputs:
            if v is graph.output:
                onnx_name[v] = "output"
            else:
                onnx_name[v] = unique_name(session.names, _value_hint(v))
            outs.append(onnx_name[v])
        lowered = session.emit(node, ins, outs, node.region)
        nodes.extend(lowered.nodes)
        ranks.update({name: len(v.type.shape) for name, v in zip(outs, node.outputs, strict=True)})
        ranks.update({name: len(t.shape) for name, t in lowered.context.temporaries})
        choices.append(Choice(outs[0], node.op, lowered.lowering.name, lowered.cost))

    if onnx_name[graph.output] != "output":
        # The output is the input itself or a constant: copy it into `output`.
        nodes.append(helper.make_node("Identity", [onnx_name[graph.output]], ["output"],
                                      name="output"))
    read = {n for onnx_node in nodes for n in onnx_node.input}
    grid = list(graph.input.type.shape)
    dtype = onnx_dtype(graph.input.type.dtype)
    g = helper.make_graph(
        nodes, "trmgolf",
        [helper.make_tensor_value_info("input", dtype, grid)],
        [helper.make_tensor_value_info("output", onnx_dtype(graph.output.type.dtype),
                                       list(graph.output.type.shape))],
        initializer=[t for t in inits.tensors if t.name in read],
    )
    model = helper.make_model(g, ir_version=IR_VERSION,
                              opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="trmgolf")
    share_single_element_initializers(model, ranks)
    if any(node.op == "onnx_node" for node in graph.nodes):
        _declare_unknown_shapes(model, onnx_name)
    return Emitted(model, choices)


def _declare_unknown_shapes(model: onnx.ModelProto, onnx_name: Mapping[Value, str]) -> None:
    """Add ``value_info`` for tensors whose static shape ONNX inference cannot derive.

    A carried node can have operands computed at run time (a Slice with computed starts):
    the network it came from declared its result's shape in ``value_info``; without that
    the grader sees a symbolic dimension and refuses the model.
    """
    try:
        inferred = onnx.shape_inference.infer_shapes(model).graph
    except Exception:  # noqa: BLE001 - declare everything the IR knows instead
        inferred = onnx.GraphProto()
    static = {vi.name for vi in inferred.value_info
              if vi.type.tensor_type.HasField("shape")
              and all(d.HasField("dim_value") and d.dim_value > 0 for d in vi.type.tensor_type.shape.dim)}
    produced = {name for node in model.graph.node for name in node.output}
    for value, name in onnx_name.items():
        if name in produced and name not in static and name not in RESERVED:
            model.graph.value_info.append(helper.make_tensor_value_info(
                name, onnx_dtype(value.type.dtype), list(value.type.shape)))

