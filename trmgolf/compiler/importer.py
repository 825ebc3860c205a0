"""Import an ONNX model into the IR, so any NeuroGolf network can be inspected,
optimised and re-emitted.

Constant operands that the IR keeps as attributes (shapes, axes, pads, slice
bounds, split sizes) are read from initializers or ``Constant`` nodes. A node the
IR has no op for, or whose operands are not constant where the IR needs them,
becomes an ``onnx_node`` carried through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext as _nothing
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from trmgolf.errors import UserError, not_an_onnx_model
from trmgolf.ir.builder import Builder
from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.onnx_ops import ELEMENTWISE, IR_OP_OF, REDUCTIONS
from trmgolf.ir.registry import IRTypeError, get_op
from trmgolf.ir.types import NUMPY_DTYPES, TensorType
from trmgolf.scoring.validity import IO_SHAPE

#: ONNX ops that become one IR op without attributes; the table is shared with the kernels.
SIMPLE = {op_type: ir for op_type, ir in IR_OP_OF.items() if ir in ELEMENTWISE}
REDUCE = {op_type: ir for op_type, ir in IR_OP_OF.items() if ir in REDUCTIONS}


class _Unsupported(Exception):
    """This node does not map onto an IR op; carry it as ``onnx_node``."""


def load_model(path: str | Path) -> onnx.ModelProto:
    """Read an ONNX file, or raise UserError with one line."""
    try:
        return onnx.load(str(path))
    except FileNotFoundError:
        raise UserError(f"file not found: {path}") from None
    except Exception:  # noqa: BLE001 - protobuf raises several types for corrupt files
        raise not_an_onnx_model(path) from None


#: ONNX ops whose output has the shape of their first input whatever the other inputs hold
#: (Clip's bounds and Shrink's are scalars; CastLike's second input lends only a dtype).
SHAPE_OF_FIRST = frozenset({
    "Cast", "CastLike", "Identity", "Not", "Neg", "Abs", "Relu", "Sigmoid", "Exp", "Log", "Sqrt",
    "Reciprocal", "Tanh", "Sign", "Floor", "Ceil", "Round", "Clip", "Shrink", "LeakyRelu", "Elu",
    "Selu", "HardSigmoid", "Softplus", "Softsign", "Erf", "IsNaN", "IsInf", "ThresholdedRelu",
    "Transpose"})
#: ONNX ops whose output is the multidirectional broadcast of their inputs.
BROADCASTING = frozenset({
    "Add", "Sub", "Mul", "Div", "Pow", "Min", "Max", "Sum", "Mean", "Mod", "Equal", "Less",
    "Greater", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor", "Where", "PRelu",
    "BitwiseAnd", "BitwiseOr", "BitwiseXor"})


def _inferred_shapes(model: onnx.ModelProto, trusted: set[str]) -> set[str] | None:
    """Tensors whose static shape ONNX inference derives from the model's value_info
    entries for ``trusted`` tensors only (None when inference fails outright)."""
    bare = onnx.ModelProto()
    bare.CopyFrom(model)
    kept = [vi for vi in model.graph.value_info if vi.name in trusted]
    del bare.graph.value_info[:]
    bare.graph.value_info.extend(kept)
    try:
        inferred = onnx.shape_inference.infer_shapes(bare).graph
    except Exception:  # noqa: BLE001 - onnx raises several types
        return None
    return {vi.name for vi in [*inferred.value_info, *inferred.output]
            if vi.type.tensor_type.HasField("shape") and vi.type.tensor_type.elem_type
            and all(d.HasField("dim_value") and d.dim_value > 0 for d in vi.type.tensor_type.shape.dim)}


def _ranks(model: onnx.ModelProto) -> dict[str, int]:
    """Every typed tensor's rank, declared or inferred (static in ONNX: strict inference
    checks each declaration)."""
    try:
        g = onnx.shape_inference.infer_shapes(model).graph
    except Exception:  # noqa: BLE001 - onnx raises several types; the declarations alone
        g = model.graph
    return {vi.name: len(vi.type.tensor_type.shape.dim) for vi in [*g.input, *g.output, *g.value_info]
            if vi.type.HasField("tensor_type") and vi.type.tensor_type.HasField("shape")}


def _shapes_implied_backward(model: onnx.ModelProto, known: set[str],
                             constants: dict[str, tuple[int, ...]]) -> set[str]:
    """Tensors whose shape follows from a ``known`` shape downstream: the input of an op that
    keeps its first input's shape, and the input of a broadcasting op whose other inputs are
    that same tensor or single-element constants of no higher rank (they broadcast to it)."""
    ranks = _ranks(model)
    known = set(known)
    for node in reversed(model.graph.node):
        if node.domain not in ("", "ai.onnx") or len(node.output) != 1 or node.output[0] not in known:
            continue
        if node.op_type in SHAPE_OF_FIRST and node.input:
            known.add(node.input[0])
        elif node.op_type in BROADCASTING:
            for x in node.input:
                others = [o for o in node.input if o != x]
                if x and x not in constants and x in ranks and all(
                        o in constants and np.prod(constants[o]) == 1 and len(constants[o]) <= ranks[x]
                        for o in others):
                    known.add(x)
    return known


def _derivable_shapes(model: onnx.ModelProto) -> set[str] | None:
    """Tensors whose static shape is a fact (None when inference fails outright): what ONNX
    inference derives without the model's ``value_info``, the graph output when it is the
    grid every NeuroGolf answer has (an exact network returns that shape on every input), and
    what follows from those backward (``_shapes_implied_backward``) and then forward again.
    Hand-written networks declare shapes for the results of data-dependent ops (a Slice with
    computed bounds); those declarations are the shape of one run, so the IR must not reason
    from them (Squeeze without axes of such a tensor is not a fixed Reshape)."""
    derived = _inferred_shapes(model, set())
    if derived is None:
        return None
    g = model.graph
    # Inference keeps the graph output's declared shape; only the grid's is a fact to reason from.
    grid = len(g.output) == 1 and _tensor_type(g.output[0]) is not None \
        and _tensor_type(g.output[0]).shape == IO_SHAPE
    unproven = set() if grid else {o.name for o in g.output}
    facts = derived - unproven
    constants = {i.name: tuple(i.dims) for i in g.initializer}  # their shapes
    constants.update({n.output[0]: _constant_value(n).shape for n in g.node
                      if n.op_type == "Constant" and n.attribute})
    for _ in range(len(g.node)):  # each round adds a tensor or stops
        implied = _shapes_implied_backward(model, facts, constants)
        grown = (implied | (_inferred_shapes(model, implied) or set())) - unproven
        if grown <= facts:
            break
        facts |= grown
    return derived | facts
    return derived


def _constant_value(node: onnx.NodeProto) -> np.ndarray:
    """The array of a ``Constant`` node, whichever attribute holds it."""
    attr = node.attribute[0]
    if attr.name == "value":
        return numpy_helper.to_array(attr.t)
    if attr.name in ("value_float", "value_floats"):
        return np.asarray(helper.get_attribute_value(attr), dtype=np.float32)
    if attr.name in ("value_int", "value_ints"):
        return np.asarray(helper.get_attribute_value(attr), dtype=np.int64)
    raise UserError(f"cannot import: Constant {node.output[0]!r} holds a {attr.name}")


def _tensor_type(vi: onnx.ValueInfoProto) -> TensorType | None:
    t = vi.type.tensor_type
    if not vi.type.HasField("tensor_type") or not t.HasField("shape"):
        return None
    dims = [d.dim_value if d.HasField("dim_value") else 0 for d in t.shape.dim]
    try:
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(t.elem_type))
    except (KeyError, TypeError):
        return None
    name = next((k for k, v in NUMPY_DTYPES.items() if v == dtype), None)
    if name is None or any(d <= 0 for d in dims):
        return None
    return TensorType(name, tuple(dims))


class _Importer:
    def __init__(self, model: onnx.ModelProto) -> None:
        try:
            self.model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
        except Exception as e:  # noqa: BLE001 - onnx raises InferenceError and others
            raise UserError(f"cannot import: shape inference failed ({str(e).splitlines()[0]})") from None
        g = self.model.graph
        self.opset = source_opset(self.model)
        self.types: dict[str, TensorType] = {}
        for vi in [*g.input, *g.output, *g.value_info]:
            t = _tensor_type(vi)
            if t is not None:
                self.types[vi.name] = t
        if len(g.input) != 1 or len(g.output) != 1:
            raise UserError("cannot import: a NeuroGolf model has one input and one output")
        in_type = self.types.get(g.input[0].name)
        if in_type is None:
            raise UserError("cannot import: the graph input has no static tensor type")
        self.b = Builder(in_type)
        self.b.input.name = g.input[0].name
        self.values: dict[str, Value] = {g.input[0].name: self.b.input}
        self.consts: dict[str, np.ndarray] = {}
        self.derived = _derivable_shapes(model)

    def run(self) -> Graph:
        g = self.model.graph
        for init in g.initializer:
            array = numpy_helper.to_array(init)
            self._constant(init.name, array)
        for node in g.node:
            self._node(node)
        out = g.output[0].name
        if out not in self.values:
            raise UserError(f"cannot import: output {out!r} is not produced by any node")
        graph = self.b.graph
        graph.output = self.values[out]
        # Constants read into attributes (shapes, axes, pads ...) have no reader left.
        for n in graph.nodes:
            if n.op == "constant" and not n.output.uses and n.output is not graph.output:
                graph.remove(n)
        return graph

    def _constant(self, name: str, array: np.ndarray) -> None:
        try:
            TensorType.of(array)
        except TypeError:
            raise UserError(f"cannot import: constant {name!r} has dtype {array.dtype}") from None
        v = self.b.const(array, dtype=TensorType.of(array).dtype)
        v.name = name
        self.values[name] = v
        self.consts[name] = array

    def _const_input(self, node: onnx.NodeProto, i: int) -> np.ndarray:
        if i >= len(node.input) or not node.input[i]:
            raise _Unsupported
        try:
            return self.consts[node.input[i]]
        except KeyError:
            raise _Unsupported from None

    def _node(self, node: onnx.NodeProto) -> None:
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
            self._constant(node.output[0], _constant_value(node))
            return
        if (node.op_type in ("Shape", "Size") and node.domain in ("", "ai.onnx")
                and not (self.derived is not None and self._declared_only(node.input[0]))):
            # Static shapes make both constants; readers such as Reshape then take them as
            # attributes, and the tensor disappears.
            shape = self.values[node.input[0]].type.shape
            if node.op_type == "Size":
                self._constant(node.output[0], np.asarray(int(np.prod(shape, dtype=np.int64)), np.int64))
            else:
                a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
                dims = shape[slice(a.get("start", 0), a.get("end"))]
                self._constant(node.output[0], np.asarray(dims, dtype=np.int64))
            return
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        doc = node.doc_string
        with self.b.region(doc[len("region="):]) if doc.startswith("region=") else _nothing():
            made = self._made(node, attrs)
        for name, v in zip(node.output, made.outputs, strict=True):
            v.name = name
            self.values[name] = v

    def _made(self, node: onnx.NodeProto, attrs: dict[str, Any]) -> Node:
        try:
            if node.domain not in ("", "ai.onnx"):
                raise _Unsupported
            if self.derived is not None and (
                    any(self._declared_only(n) for n in node.input if n)
                    or any(n and n not in self.derived for n in node.output)):
                raise _Unsupported  # a shape here may differ at run time (Reshape to a computed shape)
            op, inputs, ir_attrs = self._translate(node, attrs)
            get_op(op).check_attrs(ir_attrs)
            types = get_op(op).infer_types([self.values[n].type for n in inputs], ir_attrs)
            want = [self.types.get(n) for n in node.output]
            if any(w is not None and w != t for w, t in zip(want, types, strict=False)):
                raise _Unsupported
            return self.b.node(op, [self.values[n] for n in inputs], **ir_attrs)
        except (_Unsupported, IRTypeError):
            return self._foreign(node)

    def _declared_only(self, name: str) -> bool:
        """Whether the static shape of tensor ``name`` comes only from the model's own
        ``value_info`` (a data-dependent Slice or Pad): then it is a guess, not a fact."""
        assert self.derived is not None
        v = self.values[name]
        return not (v.is_constant or v is self.b.input or name in self.derived)

    def _foreign(self, node: onnx.NodeProto) -> Node:
        out_types = []
        for name in node.output:
            t = self.types.get(name)
            if t is None:
                raise UserError(f"cannot import: tensor {name!r} ({node.op_type}) has no static "
                                "shape and dtype")
            out_types.append((t.dtype, t.shape))
        proto = onnx.NodeProto()
        proto.CopyFrom(node)
        # Keep the input slots: an omitted optional input ("") must stay in its place
        # (Clip(x, "", max)); "?" marks a slot bound to one of the node's IR inputs.
        slots = ["?" if n else "" for n in node.input]
        del proto.input[:]
        proto.input.extend(slots)
        del proto.output[:]
        proto.name = ""
        proto.doc_string = ""
        inputs = [self.values[n] for n in node.input if n]
        return self.b.node("onnx_node", inputs, op_type=node.op_type,
                           node=proto.SerializeToString(deterministic=True),
                           opset=self.opset, out_types=tuple(out_types))

    def _translate(self, node: onnx.NodeProto, attrs: dict[str, Any]
                   ) -> tuple[str, list[str], dict[str, Any]]:
        t = node.op_type
        ins = [n for n in node.input]
        out_type = self.types.get(node.output[0])
        handler = _HANDLERS.get(t)
        if t in SIMPLE:
            return SIMPLE[t], ins, {}
        if t == "Einsum":
            equation = attrs["equation"]
            return "einsum", ins, {"equation": equation.decode() if isinstance(equation, bytes) else equation}
        if handler is None or out_type is None:
            raise _Unsupported
        return handler(self, node, attrs, out_type)


def _cast(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    return "cast", [node.input[0]], {"to": out.dtype}


def _matmul(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    return "matmul", list(node.input), {}


def _gemm(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    plain = attrs.get("alpha", 1.0) == 1.0 and attrs.get("beta", 1.0) == 1.0
    if len(node.input) != 2 or not plain or attrs.get("transA", 0) or attrs.get("transB", 0):
        raise _Unsupported
    return "matmul", list(node.input), {}


def _conv(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    w = imp.values[node.input[1]].type
    if w.rank != 4 or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise _Unsupported
    ins = [n for n in node.input if n]
    if len(ins) == 3 and imp.values[ins[2]].type.shape != (w.shape[0],):
        raise _Unsupported
    return "conv2d", ins, {"pads": tuple(attrs.get("pads", (0, 0, 0, 0))),
                           "strides": tuple(attrs.get("strides", (1, 1))),
                           "dilations": tuple(attrs.get("dilations", (1, 1))),
                           "group": attrs.get("group", 1)}


def _softmax(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    if imp.opset < 13:
        raise _Unsupported
    return "softmax", [node.input[0]], {"axis": attrs.get("axis", -1)}


def _reduce(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    if "axes" in attrs:
        axes = tuple(attrs["axes"])
    elif len(node.input) > 1 and node.input[1]:
        axes = tuple(int(a) for a in imp._const_input(node, 1))
    else:
        axes = ()
    if not axes:
        if attrs.get("noop_with_empty_axes", 0):
            raise _Unsupported
        axes = tuple(range(imp.values[node.input[0]].type.rank))
    return REDUCE[node.op_type], [node.input[0]], {"axes": axes,
                                                    "keepdims": attrs.get("keepdims", 1)}


def _argmax(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    """ArgMax (first or last index on ties) and ArgMin (first index only)."""
    last = attrs.get("select_last_index", 0)
    if last and node.op_type == "ArgMin":
        raise _Unsupported
    extra = {"select_last_index": 1} if last else {}
    return node.op_type.lower(), [node.input[0]], {"axis": attrs.get("axis", 0),
                                                   "keepdims": attrs.get("keepdims", 1), **extra}


def _reshape(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    return "reshape", [node.input[0]], {"shape": out.shape}


def _transpose(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    rank = imp.values[node.input[0]].type.rank
    return "transpose", [node.input[0]], {"perm": tuple(attrs.get("perm", range(rank)[::-1]))}


def _slice(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    if imp.opset < 10:
        raise _Unsupported  # Slice-1 takes its bounds as attributes
    starts = [int(v) for v in imp._const_input(node, 1)]
    ends = [int(v) for v in imp._const_input(node, 2)]
    rank = imp.values[node.input[0]].type.rank
    axes = ([int(v) for v in imp._const_input(node, 3)] if len(node.input) > 3 and node.input[3]
            else list(range(len(starts))))
    steps = ([int(v) for v in imp._const_input(node, 4)] if len(node.input) > 4 and node.input[4]
             else [1] * len(starts))
    if any(s == 0 for s in steps):
        raise _Unsupported
    shape = imp.values[node.input[0]].type.shape
    axes = [a % rank for a in axes]
    bounds = [_slice_bounds(s, e, st, shape[a])
              for a, s, e, st in zip(axes, starts, ends, steps, strict=True)]
    attrs_out: dict[str, Any] = {"starts": tuple(b[0] for b in bounds),
                                 "ends": tuple(b[1] for b in bounds)}
    if len(node.input) > 3 and node.input[3]:
        attrs_out["axes"] = tuple(axes)  # left implicit when the network did
    if any(s != 1 for s in steps):
        attrs_out["steps"] = tuple(steps)
    return "slice", [node.input[0]], attrs_out


def _slice_bounds(start: int, end: int, step: int, dim: int) -> tuple[int, int]:
    """Bounds that numpy and ONNX read alike. A positive step only needs clamping to
    [-dim, dim]; a negative one takes ONNX's clamping ([0, dim-1] and [-1, dim-1] after
    adding dim to negatives), and an end before index 0 is written -(dim + 1)."""
    if step > 0:
        return max(-dim, min(start, dim)), max(-dim, min(end, dim))
    start = max(0, min(start + dim if start < 0 else start, dim - 1))
    end = max(-1, min(end + dim if end < 0 else end, dim - 1))
    return start, -(dim + 1) if end == -1 else end


def _pad(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    mode = attrs.get("mode", b"constant")
    if mode not in (b"constant", "constant") or imp.opset < 11:
        raise _Unsupported
    pads = [int(p) for p in imp._const_input(node, 1)]
    value = 0.0
    if len(node.input) > 2 and node.input[2]:
        value = float(np.asarray(imp._const_input(node, 2)).reshape(-1)[0])
    rank = imp.values[node.input[0]].type.rank
    if len(node.input) > 3 and node.input[3]:  # opset 18: pads for these axes only
        axes = [int(a) % rank for a in imp._const_input(node, 3)]
        full = [0] * (2 * rank)
        for k, a in enumerate(axes):
            full[a], full[a + rank] = pads[k], pads[k + len(axes)]
        pads = full
    ir_attrs: dict[str, Any] = {"pads": tuple(pads)}
    if value != 0:
        ir_attrs["value"] = value
    return "pad", [node.input[0]], ir_attrs


def _concat(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    return "concat", list(node.input), {"axis": attrs["axis"]}


def _split(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    axis = attrs.get("axis", 0)
    sizes = []
    for name in node.output:
        t = imp.types.get(name)
        if t is None:
            raise _Unsupported
        sizes.append(t.shape[axis])
    return "split", [node.input[0]], {"axis": axis, "sizes": tuple(sizes)}


def _gather(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    return "gather", list(node.input), {"axis": attrs.get("axis", 0)}


def _expand(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    return "expand", [node.input[0]], {"shape": tuple(int(v) for v in imp._const_input(node, 1))}


def _cast_like(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    return "cast", [node.input[0]], {"to": out.dtype}


def _mod(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    return "mod", list(node.input), {"fmod": int(attrs.get("fmod", 0))}


def _clip(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    """Clip's bounds become attributes: from Clip-6's attributes, or constant inputs."""
    bounds: dict[str, Any] = {}
    for k, name in ((1, "min"), (2, "max")):
        if imp.opset < 11:
            value = attrs.get(name)
        elif len(node.input) > k and node.input[k]:
            value = np.asarray(imp._const_input(node, k)).reshape(-1)[0]
        else:
            value = None
        if value is not None:
            as_float = float(value)
            if np.asarray(as_float).astype(out.np_dtype) != np.asarray(value).astype(out.np_dtype):
                raise _Unsupported  # not exact as a float attribute (huge int64 bounds)
            bounds[name] = as_float
    return "clip", [node.input[0]], bounds


def _tile(imp: _Importer, node: onnx.NodeProto, attrs: dict[str, Any], out: TensorType):
    return "tile", [node.input[0]], {"repeats": tuple(int(r) for r in imp._const_input(node, 1))}


_HANDLERS: dict[str, Callable[..., tuple[str, list[str], dict[str, Any]]]] = {
    "Cast": _cast, "CastLike": _cast_like, "MatMul": _matmul, "Gemm": _gemm,
    "Conv": _conv, "Softmax": _softmax, "ArgMax": _argmax, "ArgMin": _argmax, "Reshape": _reshape,
    "Flatten": _reshape, "Squeeze": _reshape, "Unsqueeze": _reshape, "Transpose": _transpose,
    "Slice": _slice, "Pad": _pad, "Concat": _concat, "Split": _split, "Gather": _gather,
    "Expand": _expand, "Mod": _mod, "Clip": _clip, "Tile": _tile,
    **dict.fromkeys(REDUCE, _reduce),
}


def _schema_version(op_type: str, opset: int) -> int | None:
    try:
        return onnx.defs.get_schema(op_type, max_inclusive_version=opset, domain="").since_version
    except onnx.defs.SchemaError:
        return None


def emit_opset(graph: Graph, target_opset: int, source: int) -> int:
    """The highest opset from ``target_opset`` down to ``source`` at which every carried node
    means what it meant where it was imported from (``source`` when none is)."""
    return next((o for o in range(target_opset, source, -1) if carried_nodes_fit(graph, o)), source)


def carried_nodes_fit(graph: Graph, opset: int) -> bool:
    """Whether every carried ``onnx_node`` means the same at ``opset`` as where it was
    imported from (the same schema version of its op type applies at both)."""
    for node in graph.nodes:
        if node.op != "onnx_node" or node.attrs["opset"] == opset:
            continue
        version = _schema_version(node.attrs["op_type"], opset)
        if version is None or version != _schema_version(node.attrs["op_type"], node.attrs["opset"]):
            return False
    return True


def source_opset(model: onnx.ModelProto) -> int:
    """The default-domain opset a model imports."""
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)


def import_model(model: onnx.ModelProto) -> Graph:
    """The IR of an ONNX model (raises UserError when it cannot be represented)."""
    return _Importer(model).run()


def import_file(path: str | Path) -> Graph:
    return import_model(load_model(path))
