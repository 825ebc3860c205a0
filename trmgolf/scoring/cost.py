"""The official NeuroGolf cost (memory + params) and the legacy one (+ MACs), with breakdowns.

Official rules (scorer of 2026-05-14), on the renamed model of ``rules.scorer_view``:

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
  run (events ``<node>_kernel_time``, ``args.output_type_shape``); Constant
  nodes have no kernel, so their outputs keep the static size.
* points ``max(1, 25 - ln(max(1, memory + params)))``.

Legacy rules (the research notes before 2026-05-04): ``macs + memory + params``,
MACs from :data:`MACS`.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx

from trmgolf.scoring.validity import (
    IO_NAMES,
    IO_SHAPE,
    ModelLike,
    ScorerView,
    Validity,
    inspect,
    session_options,
    tensor_bytes,
)

COST_MODELS = ("official", "legacy")
NO_REGION = "(none)"
GRAPH_REGION = "(graph)"
_REGION_RE = re.compile(r"(?:^|[\s;,])region=([^\s;,]+)")

Shape = tuple[int, ...]


def points(total: int | float) -> float:
    """Points of a network that is exact on every example and costs ``total``."""
    return max(1.0, 25.0 - math.log(max(1.0, float(total))))


@dataclass(frozen=True)
class TensorCost:
    """One counted tensor; ``name`` is the name in the user's file."""

    name: str
    op_type: str
    dtype: str
    shape: tuple[int, ...]
    bytes: int
    static_bytes: int
    region: str


@dataclass(frozen=True)
class ParamCost:
    name: str
    kind: str
    count: int
    region: str
    op_type: str


@dataclass(frozen=True)
class NodeCost:
    name: str
    op_type: str
    region: str
    macs: int


@dataclass
class Cost:
    """Totals and the items they sum; ``macs`` is None unless the legacy model asked for it
    (then every ``NodeCost.macs`` is 0)."""

    memory: int
    params: int
    macs: int | None
    tensors: list[TensorCost] = field(default_factory=list)
    param_items: list[ParamCost] = field(default_factory=list)
    nodes: list[NodeCost] = field(default_factory=list)

    def total(self, cost_model: str = "official") -> int:
        if cost_model == "legacy":
            return self.memory + self.params + (self.macs or 0)
        return self.memory + self.params

    def points(self, cost_model: str = "official") -> float:
        return points(self.total(cost_model))


# --------------------------------------------------------------------------- regions


def node_region(node: onnx.NodeProto, prefix_parts: int | None = None) -> str:
    """A node's region: ``region=...`` in its doc_string, else the first k parts of its name."""
    m = _REGION_RE.search(node.doc_string or "")
    if m:
        return m.group(1)
    if prefix_parts and node.name:
        return "/".join(node.name.split("/")[:prefix_parts]) or NO_REGION
    return NO_REGION


# --------------------------------------------------------------------------- running


def profiled_run(
    model_bytes: bytes, inputs: Sequence[np.ndarray], threads: int = 0
) -> tuple[list[np.ndarray | Exception], list[dict]]:
    """Run the (already renamed) model on each input in one profiled session.

    Returns each output (or the exception that run raised) and the profiler's
    node events. The trace is written to a private temp folder and removed.
    """
    import onnxruntime as ort

    folder = tempfile.mkdtemp(prefix="trmgolf-prof-")
    try:
        so = session_options(threads, profile_prefix=str(Path(folder) / "trace"))
        session = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
        outputs: list[np.ndarray | Exception] = []
        for x in inputs:
            try:
                outputs.append(session.run(["output"], {"input": x})[0])
            except Exception as e:  # noqa: BLE001 - onnxruntime's errors share no base
                outputs.append(e)
        trace = session.end_profiling()
        events = json.loads(Path(trace).read_text())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return outputs, [e for e in events if e.get("cat") == "Node" and "args" in e]


def runtime_bytes(
    events: Sequence[dict], node_outputs: dict[str, list[str]], itemsize: dict[str, int]
) -> dict[str, int]:
    """Largest size in bytes seen per tensor in the trace, as the scorer reads it."""
    seen: dict[str, int] = {}
    for event in events:
        shapes = event.get("args", {}).get("output_type_shape")
        if shapes is None:
            continue
        outs = node_outputs.get(str(event.get("name", "")).replace("_kernel_time", ""))
        if outs is None:
            continue
        for i, shape_dict in enumerate(shapes):
            if i >= len(outs) or outs[i] not in itemsize:
                continue
            elems = sum(math.prod(dims) for dims in shape_dict.values())
            seen[outs[i]] = max(seen.get(outs[i], 0), itemsize[outs[i]] * elems)
    return seen


# --------------------------------------------------------------------------- official cost


def _dtype_name(elem_type: int) -> str:
    return onnx.helper.tensor_dtype_to_string(elem_type).replace("TensorProto.", "").lower()


def _shape_of(vi: onnx.ValueInfoProto) -> Shape:
    return tuple(int(d.dim_value) for d in vi.type.tensor_type.shape.dim)


def count_params(model: onnx.ModelProto, regions: dict[str, str] | None = None) -> list[ParamCost]:
    """Every parameter item the scorer counts, in file order (model must pass param_dims)."""
    regions = regions or {}
    consumers: dict[str, str] = {}
    for node in model.graph.node:
        for name in node.input:
            consumers.setdefault(name, node.op_type)
    items: list[ParamCost] = []
    g = model.graph
    for init in g.initializer:
        items.append(
            ParamCost(
                init.name,
                "initializer",
                math.prod(init.dims),
                regions.get(init.name, GRAPH_REGION),
                consumers.get(init.name, ""),
            )
        )
    for sp in g.sparse_initializer:
        name = sp.values.name
        items.append(
            ParamCost(
                name,
                "sparse_initializer",
                math.prod(sp.values.dims),
                regions.get(name, GRAPH_REGION),
                consumers.get(name, ""),
            )
        )
    for node in g.node:
        if node.op_type != "Constant":
            continue
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
        out = node.output[0]
        items.append(ParamCost(out, "Constant", count, regions.get(out, NO_REGION), "Constant"))
    return items


def cost_of_view(
    view: ScorerView,
    events: Sequence[dict] = (),
    *,
    legacy: bool = False,
    region_prefix: int | None = None,
) -> Cost:
    """The cost of a valid model from its scorer view and (optionally) a profiler trace."""
    graph = view.inferred
    assert graph is not None, "cost_of_view needs a model that passed shape inference"
    original_nodes = list(view.original.graph.node)
    producer: dict[str, tuple[str, str]] = {}
    node_outputs: dict[str, list[str]] = {}
    tensor_region: dict[str, str] = {}
    for node, orig in zip(graph.node, original_nodes, strict=True):
        region = node_region(orig, region_prefix)
        node_outputs[node.name] = list(node.output)
        for out in node.output:
            if out:
                producer[out] = (node.op_type, region)
        for name in node.input:
            tensor_region.setdefault(name, region)
    for out, (_, region) in producer.items():
        tensor_region[out] = region

    table = {vi.name: vi for vi in list(graph.input) + list(graph.value_info) + list(graph.output)}
    names = sorted(set(producer) | set(table))
    itemsize: dict[str, int] = {}
    static: dict[str, tuple[int, Shape, int]] = {}
    for name in names:
        vi = table[name]
        if name in IO_NAMES or not vi.type.HasField("tensor_type"):
            continue
        tt = vi.type.tensor_type
        shape = _shape_of(vi)
        itemsize[name] = tensor_bytes(tt.elem_type, 1)
        static[name] = (tt.elem_type, shape, tensor_bytes(tt.elem_type, math.prod(shape)))
    seen = runtime_bytes(events, node_outputs, itemsize)

    tensors = []
    for name, (elem_type, shape, nbytes) in static.items():
        kind = "graph_input" if any(vi.name == name for vi in graph.input) else "value_info"
        op_type, region = producer.get(name, (kind, GRAPH_REGION))
        tensors.append(
            TensorCost(
                view.original_name(name),
                op_type,
                _dtype_name(elem_type),
                shape,
                max(nbytes, seen.get(name, 0)),
                nbytes,
                region,
            )
        )
    tensors.sort(key=lambda t: (-t.bytes, t.name))

    params = [
        ParamCost(
            view.original_name(p.name),
            p.kind,
            p.count,
            tensor_region.get(p.name, p.region),
            p.op_type,
        )
        for p in count_params(view.model)
    ]
    shapes = _shape_table(graph) if legacy else {}
    nodes = [
        NodeCost(
            orig.name or view.original_name(node.name),
            node.op_type,
            node_region(orig, region_prefix),
            node_macs(node, shapes) if legacy else 0,
        )
        for node, orig in zip(graph.node, original_nodes, strict=True)
    ]
    macs_total = sum(n.macs for n in nodes) if legacy else None
    return Cost(
        memory=sum(t.bytes for t in tensors),
        params=sum(p.count for p in params),
        macs=macs_total,
        tensors=tensors,
        param_items=params,
        nodes=nodes,
    )


def measure(
    model: ModelLike,
    inputs: Sequence[np.ndarray] | None = None,
    *,
    cost_model: str = "official",
    region_prefix: int | None = None,
) -> tuple[Validity, Cost | None]:
    """Validate and cost a model; the trace comes from running ``inputs`` (a zero grid if None).

    Never raises for a bad model: an invalid one gives ``(validity, None)``.
    """
    if cost_model not in COST_MODELS:
        raise ValueError(f"unknown cost model {cost_model!r}")
    validity, view = inspect(model)
    if not validity.valid or view is None:
        return validity, None
    feeds = list(inputs) if inputs is not None else [np.zeros(IO_SHAPE, np.float32)]
    _, events = profiled_run(view.model_bytes, feeds)
    cost = cost_of_view(view, events, legacy=cost_model == "legacy", region_prefix=region_prefix)
    return validity, cost


# --------------------------------------------------------------------------- legacy MACs


def _shape_table(graph: onnx.GraphProto) -> dict[str, Shape]:
    shapes: dict[str, Shape] = {}
    for vi in list(graph.input) + list(graph.value_info) + list(graph.output):
        if vi.type.HasField("tensor_type"):
            shapes[vi.name] = _shape_of(vi)
    for init in graph.initializer:
        shapes[init.name] = tuple(int(d) for d in init.dims)
    return shapes


def _attr(node: onnx.NodeProto, name: str, default: object = None) -> object:
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def _n(shape: Shape | None) -> int:
    return math.prod(shape) if shape is not None else 0


MacFn = Callable[[onnx.NodeProto, list, list], int]


def _out(node, ins, outs) -> int:
    return sum(_n(s) for s in outs)


def _in0(node, ins, outs) -> int:
    return _n(ins[0]) if ins else 0


def _zero(node, ins, outs) -> int:
    return 0


def _conv(node, ins, outs) -> int:
    x, w = ins[0], ins[1]
    if x is None or w is None or not outs or outs[0] is None:
        return 0
    group = int(_attr(node, "group", 1) or 1)
    return _n(outs[0]) * (x[1] // group) * math.prod(w[2:])


def _conv_transpose(node, ins, outs) -> int:
    x, w = ins[0], ins[1]
    if x is None or w is None:
        return 0
    return _n(x) * w[1] * math.prod(w[2:])


def _matmul(node, ins, outs) -> int:
    a = ins[0]
    if a is None or not outs or outs[0] is None:
        return 0
    return _n(outs[0]) * (a[-1] if a else 1)


def _gemm(node, ins, outs) -> int:
    a = ins[0]
    if a is None or not outs or outs[0] is None:
        return 0
    k = a[0] if _attr(node, "transA", 0) else a[-1]
    return _n(outs[0]) * k


def _einsum(node, ins, outs) -> int:
    raw = _attr(node, "equation", b"")
    eq = raw.decode() if isinstance(raw, bytes) else str(raw)
    eq = eq.replace(" ", "")
    lhs = eq.split("->")[0]
    sizes: dict[str, int] = {}
    for term, shape in zip(lhs.split(","), ins, strict=False):
        if shape is None or "." in term:
            return _out(node, ins, outs)
        for letter, dim in zip(term, shape, strict=False):
            sizes[letter] = max(sizes.get(letter, 1), dim)
    return math.prod(sizes.values()) if sizes else 0


def _pool(node, ins, outs) -> int:
    kernel = _attr(node, "kernel_shape", []) or []
    return _n(outs[0]) * math.prod(kernel) if outs and outs[0] is not None else 0


def _attention(node, ins, outs) -> int:
    q, k, v = (ins + [None, None, None])[:3]
    if q is None or k is None or v is None:
        return 0
    if len(q) == 4:  # [B, H, S, D]
        b, h, sq, dq = q
        skv, dv = k[2], v[3]
        return b * h * sq * skv * (dq + dv)
    hq = int(_attr(node, "q_num_heads", 1) or 1)  # [B, S, H*D]
    hkv = int(_attr(node, "kv_num_heads", hq) or hq)
    b, sq, qd = q
    return b * hq * sq * k[1] * (qd // hq + v[2] // hkv)


def _recurrent(gates: int) -> MacFn:
    """RNN (1 gate), GRU (3), LSTM (4): every step multiplies the input and the previous
    state by each gate's weights: seq x batch x gates x hidden x (input + hidden)."""
    def macs(node, ins, outs) -> int:
        x = ins[0] if ins else None
        if x is None or len(x) != 3:
            return 0
        seq, batch, inp = (x[1], x[0], x[2]) if _attr(node, "layout", 0) else x
        hidden = int(_attr(node, "hidden_size", 0) or 0)
        directions = 2 if _attr(node, "direction", b"forward") in (b"bidirectional", "bidirectional") else 1
        return directions * seq * batch * gates * hidden * (inp + hidden)
    return macs


_ELEMENTWISE = (
    "Abs Acos Acosh Add And Asin Asinh Atan Atanh BitShift BitwiseAnd BitwiseNot BitwiseOr "
    "BitwiseXor Ceil Celu Clip Cos Cosh Div Elu Equal Erf Exp Floor Gelu Greater GreaterOrEqual "
    "HardSigmoid HardSwish IsInf IsNaN LeakyRelu Less LessOrEqual Log Max Mean Min Mish Mod Mul "
    "Neg Not Or PRelu Pow Reciprocal Relu Round Selu Sigmoid Sign Sin Sinh Softplus Softsign "
    "Sqrt Sub Sum Tan Tanh ThresholdedRelu Where Xor QuantizeLinear DequantizeLinear Resize "
    "Upsample Trilu"
).split()
_PER_INPUT = (
    "ArgMax ArgMin CumSum GlobalAveragePool GlobalLpPool GlobalMaxPool LayerNormalization "
    "LpNormalization ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean "
    "ReduceMin ReduceProd ReduceSum ReduceSumSquare RMSNormalization Softmax LogSoftmax "
    "Hardmax TopK InstanceNormalization BatchNormalization MeanVarianceNormalization "
    "GroupNormalization RotaryEmbedding"
).split()
_DATA_MOVEMENT = (
    "Cast CastLike Concat Constant ConstantOfShape DepthToSpace Expand EyeLike Flatten Gather "
    "GatherElements GatherND Identity OneHot Pad Range Reshape ScatterElements ScatterND Shape "
    "Size Slice SpaceToDepth Split Squeeze Tile Transpose Unsqueeze ReverseSequence"
).split()

#: MACs per op type, the legacy convention (one table; unknown ops cost their output size).
#: Conv: out_elems x (in_ch/group) x prod(kernel). ConvTranspose: in_elems x out_ch/group x
#: prod(kernel). MatMul/Gemm (and their integer/QLinear forms): out_elems x K, batched.
#: Einsum: the product of every index size (the full contraction). Pooling: out_elems x
#: prod(kernel). Attention: B x H x Sq x Skv x (Dqk + Dv). RNN/GRU/LSTM: seq x batch x
#: gates x hidden x (input + hidden) per direction. Elementwise ops: 1 per output
#: element (the onnx_tool convention the research notes used). Reductions, norms and
#: softmax: 1 per input element. Pure data movement (Reshape, Slice, Cast, ...): 0.
MACS: dict[str, MacFn] = {
    "Conv": _conv,
    "ConvInteger": _conv,
    "QLinearConv": lambda n, i, o: _conv(n, [i[0], i[3]] if len(i) > 3 else i, o),
    "ConvTranspose": _conv_transpose,
    "MatMul": _matmul,
    "MatMulInteger": _matmul,
    "QLinearMatMul": _matmul,
    "Gemm": _gemm,
    "Einsum": _einsum,
    "MaxPool": _pool,
    "AveragePool": _pool,
    "LpPool": _pool,
    "Attention": _attention,
    "RNN": _recurrent(1),
    "GRU": _recurrent(3),
    "LSTM": _recurrent(4),
    **{op: _out for op in _ELEMENTWISE},
    **{op: _in0 for op in _PER_INPUT},
    **{op: _zero for op in _DATA_MOVEMENT},
}


def node_macs(node: onnx.NodeProto, shapes: dict[str, Shape]) -> int:
    """MACs of one node under the legacy table, from the inferred shapes."""
    ins = [shapes.get(name) if name else None for name in node.input]
    outs = [shapes.get(name) if name else None for name in node.output]
    return int(MACS.get(node.op_type, _out)(node, ins, outs))
