"""The NeuroGolf 2026 validity rules, checked the way the official scorer checks them.

The official scorer (``neurogolf_utils.py``, version of 2026-05-14) does not
reject a model with one message; it returns ``None`` for memory or params, or
crashes, or fails to load the model, and the task then scores 0. This module
turns each of those paths into one named rule, so that the compiler can refuse
a network before it wastes a submission slot. The scorer's order is kept:

1. the file is at most 1.44 x 1024 x 1024 bytes;
2. every tensor is renamed ``safe_name_k`` and every node named after its first
   output (:func:`scorer_view`); a name containing ``kernel_time`` is refused
   (the profiler appends that suffix to node names, so such a name would alias);
3. onnxruntime must load the renamed model (CPU, ``ORT_DISABLE_ALL``);
4. banned op types, then the structural and shape rules of ``calculate_memory``
   and the dims rule of ``calculate_params``, all on the renamed model.

Everything here runs on the renamed model, as the scorer does; two consequences
are deliberate: duplicate node names are harmless (the renaming removes them,
while onnxruntime alone would refuse them), and a sparse initializer is never
renamed by the scorer, so a node that reads one ends up reading an undefined
name and the checker refuses the model.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx

from trmgolf.errors import NOT_ONNX, UserError
from trmgolf.scoring.runtime import grader_session

SAFE_NAME = re.compile(r"\bsafe_name_\d+\b")

MAX_FILE_BYTES = 1.44 * 1024 * 1024
BANNED_OP_TYPES = ("LOOP", "SCAN", "NONZERO", "UNIQUE", "SCRIPT", "FUNCTION", "COMPRESS")
IO_SHAPE = (1, 10, 30, 30)
IO_NAMES = ("input", "output")
DEFAULT_DOMAINS = ("", "ai.onnx")
_T = onnx.TensorProto
#: ``output`` dtypes for which the scorer's ``output > 0.0`` is defined in numpy.
OUTPUT_ELEM_TYPES = (_T.BOOL, _T.INT8, _T.INT16, _T.INT32, _T.INT64, _T.UINT8, _T.UINT16, _T.UINT32,
                     _T.UINT64, _T.FLOAT16, _T.FLOAT, _T.DOUBLE)

ModelLike = onnx.ModelProto | bytes | str | os.PathLike[str]

# Rule ids, in the order they are checked. Each is one short word the CLI prints.
RULES = (
    "file_size",
    "parse",
    "node_outputs",
    "kernel_time",
    "banned_op",
    "functions",
    "domain",
    "subgraph",
    "io_count",
    "initializer_io_name",
    "checker",
    "shape_inference",
    "duplicate_value_info",
    "untyped_tensor",
    "sequence_type",
    "static_shape",
    "param_dims",
    "io_signature",
    "ort_load",
)


@dataclass(frozen=True)
class Validity:
    """Whether the official scorer would score a model; ``rule`` names the first broken rule."""

    valid: bool
    rule: str | None = None
    reason: str | None = None

    def line(self) -> str:
        return "valid" if self.valid else f"{self.rule}: {self.reason}"


@dataclass
class ScorerView:
    """A model as the scorer sees it: renamed, and with strict shape inference applied.

    ``names`` maps each ``safe_name_k`` back to the name in the original file, so
    reports can speak of the tensors the user wrote.
    """

    original: onnx.ModelProto
    model: onnx.ModelProto
    names: dict[str, str]
    file_bytes: int
    inferred: onnx.GraphProto | None = None
    model_bytes: bytes = b""
    extra: dict[str, object] = field(default_factory=dict)

    def original_name(self, name: str) -> str:
        return self.names.get(name, name)


def read_model(model: ModelLike) -> tuple[bytes, onnx.ModelProto | None]:
    """The serialized bytes and the parsed model (None when the bytes do not parse).

    A missing file is a user mistake (UserError); a corrupt one is an unscorable
    model, which :func:`validate` reports as rule ``parse``.
    """
    if isinstance(model, onnx.ModelProto):
        return model.SerializeToString(), model
    if isinstance(model, bytes):
        data = model
    else:
        path = Path(model)
        if not path.is_file():
            raise UserError(f"model file not found: {path}")
        data = path.read_bytes()
    try:
        proto = onnx.load_model_from_string(data)
    except Exception:  # noqa: BLE001 - protobuf raises several unrelated types
        return data, None
    return data, proto


def scorer_view(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of ``model`` renamed exactly as the official scorer renames it."""
    return _rename(model)[0]


def _rename(model: onnx.ModelProto) -> tuple[onnx.ModelProto, dict[str, str]]:
    """Rename like the scorer: graph inputs, initializers, node inputs/outputs, outputs,
    value_info, in that order, each new name once; ``input``/``output``/"" kept.

    Sparse initializers keep their names (the scorer does not visit them).
    """
    view = copy.deepcopy(model)
    forward: dict[str, str] = {}

    def safe(name: str) -> str:
        if not name or name in IO_NAMES:
            return name
        if name not in forward:
            forward[name] = f"safe_name_{len(forward)}"
        return forward[name]

    g = view.graph
    for vi in g.input:
        vi.name = safe(vi.name)
    for init in g.initializer:
        init.name = safe(init.name)
    for node in g.node:
        for i, name in enumerate(node.input):
            node.input[i] = safe(name)
        for i, name in enumerate(node.output):
            node.output[i] = safe(name)
    for vi in g.output:
        vi.name = safe(vi.name)
    for vi in g.value_info:
        vi.name = safe(vi.name)
    for node in g.node:
        node.name = node.output[0] if node.output else ""
    return view, {v: k for k, v in forward.items()}


def _bad(rule: str, reason: str) -> Validity:
    return Validity(False, rule, reason)


def _all_names(model: onnx.ModelProto) -> list[str]:
    g = model.graph
    names = [t.name for t in list(g.input) + list(g.output) + list(g.value_info)]
    names += [t.name for t in g.initializer]
    names += [s.values.name for s in g.sparse_initializer]
    for node in g.node:
        names += list(node.input) + list(node.output)
    return names


def _structure(model: onnx.ModelProto) -> Validity | None:
    """Rules that need no shape inference: op types, functions, domains, subgraphs, io."""
    g = model.graph
    for node in g.node:
        op = node.op_type
        if op.upper() in BANNED_OP_TYPES or "Sequence" in op:
            return _bad("banned_op", f"op type {op} is not allowed")
    if model.functions:
        return _bad("functions", f"the model defines {len(model.functions)} function(s)")
    for opset in model.opset_import:
        if opset.domain not in DEFAULT_DOMAINS:
            return _bad("domain", f"opset domain {opset.domain!r} is not the default domain")
    for node in g.node:
        if node.domain not in DEFAULT_DOMAINS:
            return _bad("domain", f"node {node.op_type} uses domain {node.domain!r}")
        for attr in node.attribute:
            if attr.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
                return _bad("subgraph", f"{node.op_type} has a subgraph attribute {attr.name!r}")
    if len(g.input) != 1 or len(g.output) != 1:
        return _bad(
            "io_count",
            f"the graph needs exactly one input and one output, has {len(g.input)} "
            f"input(s) and {len(g.output)} output(s)",
        )
    inits = {t.name for t in g.initializer} | {s.values.name for s in g.sparse_initializer}
    clash = sorted(inits & {g.input[0].name, g.output[0].name})
    if clash:
        return _bad("initializer_io_name", f"an initializer is named {clash[0]!r}")
    return None


def tensor_bytes(elem_type: int, elements: int) -> int:
    """Bytes of a tensor as the scorer counts them: numpy itemsize of the onnx dtype."""
    return elements * np.dtype(onnx.helper.tensor_dtype_to_np_dtype(elem_type)).itemsize


def _tensors(graph: onnx.GraphProto) -> Validity | None:
    """The per-tensor rules of the scorer's ``calculate_memory`` on the inferred graph."""
    declared = list(graph.input) + list(graph.value_info) + list(graph.output)
    seen: set[str] = set()
    for vi in declared:
        if vi.name in seen:
            return _bad("duplicate_value_info", f"tensor {vi.name!r} is declared twice")
        seen.add(vi.name)
    table = {vi.name: vi for vi in declared}
    produced = [o for node in graph.node for o in node.output if o]
    for name in produced:
        vi = table.get(name)
        if vi is None or not vi.type.HasField("tensor_type"):
            return _bad("untyped_tensor", f"node output {name!r} has no tensor type")
        if vi.type.tensor_type.elem_type == onnx.TensorProto.UNDEFINED:
            return _bad("untyped_tensor", f"node output {name!r} has no element type")
    for name in sorted(set(produced) | set(table)):
        ttype = table[name].type
        if ttype.HasField("sequence_type"):
            return _bad("sequence_type", f"tensor {name!r} is a sequence")
        if not ttype.HasField("tensor_type"):
            continue  # the scorer skips optional/map entries that no node produces
        tt = ttype.tensor_type
        if not tt.HasField("shape"):
            return _bad("static_shape", f"tensor {name!r} has no shape")
        for dim in tt.shape.dim:
            if dim.HasField("dim_param") or not dim.HasField("dim_value") or dim.dim_value <= 0:
                shown = dim.dim_param or (dim.dim_value if dim.HasField("dim_value") else "?")
                return _bad("static_shape", f"tensor {name!r} has dimension {shown!r}")
        if name not in IO_NAMES:
            try:
                tensor_bytes(tt.elem_type, 1)
            except (KeyError, TypeError, ValueError):
                return _bad("untyped_tensor", f"tensor {name!r} has an unknown element type")
    return None


def param_dims_problem(model: onnx.ModelProto) -> str | None:
    """Why the scorer's ``calculate_params`` would return None (a dim <= 0), else None."""
    g = model.graph
    for init in g.initializer:
        if any(d <= 0 for d in init.dims):
            return f"initializer {init.name!r} has dims {list(init.dims)}"
    for sp in g.sparse_initializer:
        if any(d <= 0 for d in sp.values.dims):
            return f"sparse initializer values have dims {list(sp.values.dims)}"
    for node in g.node:
        if node.op_type != "Constant":
            continue
        for attr in node.attribute:
            if attr.name == "value" and any(d <= 0 for d in attr.t.dims):
                return f"Constant value has dims {list(attr.t.dims)}"
            if attr.name == "sparse_value" and any(d <= 0 for d in attr.sparse_tensor.values.dims):
                return f"Constant sparse_value has dims {list(attr.sparse_tensor.values.dims)}"
    return None


def _io_signature(graph: onnx.GraphProto, names: dict[str, str]) -> Validity | None:
    """``input`` is float32 [1,10,30,30] (the scorer feeds a float32 array, onnxruntime refuses
    any other type); ``output`` is [1,10,30,30] of any dtype numpy compares with 0.0, since the
    scorer only evaluates ``output > 0.0`` (bool and integer outputs score)."""
    for vi, name, dtypes, want in ((graph.input[0], "input", (onnx.TensorProto.FLOAT,), "float"),
                                   (graph.output[0], "output", OUTPUT_ELEM_TYPES, "bool/int/float")):
        if vi.name != name:
            user = names.get(vi.name, vi.name)  # the scorer renamed it: say what the user wrote
            return _bad("io_signature", f"the graph {name} is named {user!r}, not {name!r}")
        tt = vi.type.tensor_type
        shape = tuple(d.dim_value for d in tt.shape.dim)
        if tt.elem_type not in dtypes or shape != IO_SHAPE:
            dtype = onnx.helper.tensor_dtype_to_string(tt.elem_type).replace("TensorProto.", "")
            return _bad("io_signature", f"{name} is {dtype.lower()} {list(shape)}, not {want} [1,10,30,30]")
    return None


def one_line(e: BaseException, names: dict[str, str] | None = None) -> str:
    """The whole message of ``e`` on one line (never cut: the end often says what is wrong),
    with the scorer's ``safe_name_k`` replaced by the user's tensor names."""
    text = " ".join(part.strip() for part in str(e).splitlines() if part.strip())
    return user_names(text or type(e).__name__, names or {})


def user_names(text: str, names: dict[str, str]) -> str:
    """``text`` with every ``safe_name_k`` the scorer gave a tensor back to the user's name."""
    return SAFE_NAME.sub(lambda m: names.get(m.group(0), m.group(0)), text)


def inspect(model: ModelLike, *, runtime: bool = True) -> tuple[Validity, ScorerView | None]:
    """Check every rule; return the verdict and the scorer's view of the model.

    The view is returned whenever the model parsed and renamed (even if invalid), so
    callers can still run it; ``view.inferred`` is set when shape inference worked.
    With ``runtime=False`` the onnxruntime load check is skipped (faster, for unit use).
    """
    data, proto = read_model(model)
    if len(data) > MAX_FILE_BYTES:
        return _bad("file_size", f"file is {len(data)} bytes, over {int(MAX_FILE_BYTES)}"), None
    if proto is None:
        return _bad("parse", NOT_ONNX), None
    for node in proto.graph.node:
        if not node.output:
            return _bad("node_outputs", f"a {node.op_type} node has no outputs"), None
    for name in _all_names(proto):
        if "kernel_time" in name:
            return _bad("kernel_time", f"tensor name {name!r} contains 'kernel_time'"), None
    renamed, names = _rename(proto)
    view = ScorerView(proto, renamed, names, len(data), model_bytes=renamed.SerializeToString())
    verdict = _structure(renamed)
    if verdict:
        return verdict, view
    try:
        onnx.checker.check_model(renamed, full_check=True)
    except Exception as e:  # noqa: BLE001 - the checker raises several types
        return _bad("checker", one_line(e, names)), view
    try:
        inferred = onnx.shape_inference.infer_shapes(renamed, strict_mode=True).graph
    except Exception as e:  # noqa: BLE001
        return _bad("shape_inference", one_line(e, names)), view
    view.inferred = inferred
    verdict = _tensors(inferred)
    if verdict:
        return verdict, view
    problem = param_dims_problem(renamed)
    if problem:
        return _bad("param_dims", problem), view
    verdict = _io_signature(inferred, names)
    if verdict:
        return verdict, view
    if runtime:
        try:
            grader_session(view.model_bytes)
        except Exception as e:  # noqa: BLE001 - onnxruntime's errors share no base class
            return _bad("ort_load", one_line(e, names)), view
    return Validity(True), view


def validate(model: ModelLike, *, runtime: bool = True) -> Validity:
    """Whether the official scorer would score ``model``; never raises for a bad model."""
    return inspect(model, runtime=runtime)[0]
