"""Wasteful networks at random (issue 24): a known optimal network, the *core*, wrapped in
layers that change nothing the grader sees. ``optimize`` must give back, for each, a network
no more expensive than the core and exact on every example.

Cores: a Transpose, a channel Gather, a flip (Slice with step -1), a crop (Pad with negative
pads), a 1x1 Conv colour map, and the public networks (``PUBLIC``, read at run time).

Wrappers, drawn at random on both sides of the core (on the input side every layer is exact
on one-hot values; on the output side exact on what the core gives, or, once a layer keeps
only the sign, sign-keeping from there to the output): cast round trips through every dtype
exact on the values, positive and negative scales with the matching comparison, transposes
and their inverses, reshapes out and back, zero pads then slices, Relu/Clip/Max on
non-negative values, duplicated branches added and halved, identity Convs and MatMuls by a
permutation matrix and its inverse, a comparison and Cast at the output.

The choices come from a ``Chooser``: ``SeededChooser`` (a seed, for the benchmark) or
``DrawChooser`` (a Hypothesis ``draw``, for the tests, which then shrink a failure).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

from trmgolf.tasks import BESIDE_CHECKOUT

T_ = TypeVar("T_")
IO = [1, 10, 30, 30]
#: The public networks wrapped as cores, beside the task files (their opset must be at least this).
PUBLIC = BESIDE_CHECKOUT.parent / "public_networks" / "minseong"
MIN_PUBLIC_OPSET = 11
OPSET = 17


class Chooser(Protocol):
    def pick(self, options: Sequence[T_]) -> T_: ...

    def count(self, lo: int, hi: int) -> int: ...


class SeededChooser:
    """Choices from ``random.Random(seed)``: the same seed gives the same network."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, options: Sequence[T_]) -> T_:
        return options[self.rng.randrange(len(options))]

    def count(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


class DrawChooser:
    """Choices from a Hypothesis ``draw`` (inside ``st.composite``)."""

    def __init__(self, draw: Callable[[Any], Any]) -> None:
        from hypothesis import strategies as st

        self.draw, self.st = draw, st

    def pick(self, options: Sequence[T_]) -> T_:
        return self.draw(self.st.sampled_from(list(options)))

    def count(self, lo: int, hi: int) -> int:
        return self.draw(self.st.integers(lo, hi))


@dataclass
class Net:
    """An ONNX graph under construction: fresh names, initializers, nodes."""

    nodes: list[onnx.NodeProto] = field(default_factory=list)
    inits: list[onnx.TensorProto] = field(default_factory=list)
    value_info: list[onnx.ValueInfoProto] = field(default_factory=list)
    counter: int = 0

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"w{self.counter}_{stem}"

    def const(self, array: np.ndarray, stem: str = "c") -> str:
        name = self.fresh(stem)
        self.inits.append(nh.from_array(np.asarray(array), name))
        return name

    def op(self, op_type: str, inputs: Sequence[str], out: str | None = None, **attrs: Any) -> str:
        out = out or self.fresh(op_type.lower())
        self.nodes.append(h.make_node(op_type, list(inputs), [out], **attrs))
        return out


#: Values a wrapper sees: a finite set (all floats) or None (any float32).
Domain = frozenset[float] | None
ONE_HOT: Domain = frozenset({0.0, 1.0})

#: dtype name -> ONNX type, for the cast round trips.
DTYPES = {"float16": T.FLOAT16, "float64": T.DOUBLE, "int8": T.INT8, "uint8": T.UINT8, "int16": T.INT16,
          "int32": T.INT32, "int64": T.INT64, "bool": T.BOOL, "uint16": T.UINT16}


def _exact_in(domain: Domain, dtype: str) -> bool:
    if domain is None:
        return dtype == "float64"
    vals = np.array(sorted(domain), np.float64)
    back = vals.astype(np.float32).astype(np.dtype(dtype)).astype(np.float64)
    return bool(np.array_equal(back, vals))


@dataclass
class State:
    """The value being wrapped: its name, the values it can hold, and whether only its sign
    matters from here on (the output side after a sign-keeping layer)."""

    name: str
    domain: Domain
    sign_only: bool = False


Wrapper = Callable[[Net, State, Chooser], State | None]


def cast_round_trip(net: Net, s: State, ch: Chooser) -> State | None:
    exact = [d for d in DTYPES if _exact_in(s.domain, d)]
    if not exact:
        return None
    d = ch.pick(exact)
    return State(net.op("Cast", [net.op("Cast", [s.name], to=DTYPES[d])], to=T.FLOAT), s.domain, s.sign_only)


def _scaled(domain: Domain, k: float) -> Domain:
    return None if domain is None else frozenset(float(np.float32(v) * np.float32(k)) for v in domain)


def scale_compare(net: Net, s: State, ch: Chooser) -> State | None:
    """x * k then Greater(., 0) (k > 0) or Less(., 0) (k < 0), Cast back to float32: exact on
    values >= 0 in {0, ...}, sign-keeping otherwise."""
    if s.domain is None and not s.sign_only:
        return None
    if s.domain is not None and not s.sign_only and any(v not in (0.0, 1.0) for v in s.domain):
        return None  # the comparison gives {0, 1}: exact only on {0, 1}
    ks = [2.0, 3.0, -1.0, -2.0, 10.0] + ([0.5, 0.25, -0.5] if s.domain is not None else [])
    k = ch.pick(ks)
    scaled = net.op("Mul", [s.name, net.const(np.float32(k), "k")])
    cmp = net.op("Greater" if k > 0 else "Less", [scaled, net.const(np.float32(0.0), "zero")])
    domain = None if s.domain is None else frozenset(float(v > 0) for v in s.domain)
    return State(net.op("Cast", [cmp], to=T.FLOAT), domain, s.sign_only)


def scale_unscale(net: Net, s: State, ch: Chooser) -> State | None:
    """x * k then * (1 / k) for a power of two k (exact on finite values in range)."""
    if s.domain is None:
        return None
    k = ch.pick([2.0, 4.0, 0.5, -2.0, 0.25])
    y = net.op("Mul", [s.name, net.const(np.float32(k), "k")])
    return State(net.op("Mul", [y, net.const(np.float32(1 / k), "kinv")]), s.domain, s.sign_only)


def sign_scale(net: Net, s: State, ch: Chooser) -> State | None:
    """x * k for k > 0 (>= 1 on unknown values: no tiny value flushes to 0): sign only after."""
    if not s.sign_only:
        return None
    k = ch.pick([2.0, 3.0, 1.5] + ([0.5] if s.domain is not None else []))
    return State(net.op("Mul", [s.name, net.const(np.float32(k), "k")]), _scaled(s.domain, k), True)


def transpose_pair(net: Net, s: State, ch: Chooser) -> State | None:
    perm = ch.pick([(0, 1, 3, 2), (1, 0, 2, 3), (0, 2, 3, 1), (3, 2, 1, 0), (2, 0, 1, 3)])
    inverse = tuple(int(i) for i in np.argsort(perm))
    t = net.op("Transpose", [s.name], perm=list(perm))
    return State(net.op("Transpose", [t], perm=list(inverse)), s.domain, s.sign_only)


def reshape_pair(net: Net, s: State, ch: Chooser) -> State | None:
    shape = ch.pick([(1, 10, 900), (10, 900), (1, 9000), (10, 30, 30), (1, 300, 30), (90, 100)])
    r = net.op("Reshape", [s.name, net.const(np.array(shape, np.int64), "shape")])
    return State(net.op("Reshape", [r, net.const(np.array(IO, np.int64), "shape")]), s.domain, s.sign_only)


def pad_slice(net: Net, s: State, ch: Chooser) -> State | None:
    t, left, b, r = (ch.count(0, 3) for _ in range(4))
    if t + left + b + r == 0:
        t = 1
    pads = np.array([0, 0, t, left, 0, 0, b, r], np.int64)
    p = net.op("Pad", [s.name, net.const(pads, "pads")])
    starts, ends = np.array([t, left], np.int64), np.array([t + 30, left + 30], np.int64)
    out = net.op("Slice", [p, net.const(starts, "starts"), net.const(ends, "ends"),
                           net.const(np.array([2, 3], np.int64), "axes")])
    return State(out, s.domain, s.sign_only)


def clamp_low(net: Net, s: State, ch: Chooser) -> State | None:
    """Relu, Clip(0, big) or Max(x, 0): no change on values >= 0, sign-keeping anywhere."""
    if not s.sign_only and (s.domain is None or min(s.domain) < 0):
        return None
    kind = ch.pick(["Relu", "Clip", "Max"])
    if kind == "Relu":
        out = net.op("Relu", [s.name])
    elif kind == "Clip":
        hi = 1e30 if s.domain is None else max(max(s.domain), 1.0) * 4
        out = net.op("Clip", [s.name, net.const(np.float32(0.0), "lo"), net.const(np.float32(hi), "hi")])
    else:
        out = net.op("Max", [s.name, net.const(np.float32(0.0), "zero")])
    domain = None if s.domain is None else frozenset(max(v, 0.0) for v in s.domain)
    return State(out, domain, s.sign_only)


def duplicate_halve(net: Net, s: State, ch: Chooser) -> State | None:
    """The same layer built twice, the two added and halved."""
    if s.domain is None and not s.sign_only:
        return None  # y + y can overflow to inf
    inner = ch.pick([cast_round_trip, transpose_pair, reshape_pair, pad_slice])
    seed = ch.count(0, 10**6)
    a = inner(net, State(s.name, s.domain, s.sign_only), SeededChooser(seed))
    b = inner(net, State(s.name, s.domain, s.sign_only), SeededChooser(seed))
    if a is None or b is None:
        return None
    total = net.op("Add", [a.name, b.name])
    return State(net.op("Mul", [total, net.const(np.float32(0.5), "half")]), s.domain, s.sign_only)


def identity_conv(net: Net, s: State, ch: Chooser) -> State | None:
    """A 1x1 Conv by the identity (optionally with a zero bias)."""
    if s.domain is None:
        return None  # 0 * inf is NaN
    w = np.eye(10, dtype=np.float32).reshape(10, 10, 1, 1)
    inputs = [s.name, net.const(w, "eye")]
    if ch.pick([False, True]):
        inputs.append(net.const(np.zeros(10, np.float32), "bias"))
    return State(net.op("Conv", inputs), s.domain, s.sign_only)


def permutation_matmul(net: Net, s: State, ch: Chooser) -> State | None:
    """Reshape to [10, 900], MatMul by a permutation P then by its inverse, Reshape back."""
    if s.domain is None:
        return None
    order = list(range(10))
    random.Random(ch.count(0, 10**6)).shuffle(order)
    p = np.eye(10, dtype=np.float32)[order]
    flat = net.op("Reshape", [s.name, net.const(np.array([10, 900], np.int64), "shape")])
    y = net.op("MatMul", [net.const(p, "perm"), flat])
    z = net.op("MatMul", [net.const(p.T.copy(), "perm_t"), y])
    return State(net.op("Reshape", [z, net.const(np.array(IO, np.int64), "shape")]), s.domain, s.sign_only)


#: Layers exact on the values they are given (where they apply at all).
EXACT: dict[str, Wrapper] = {
    "cast_round_trip": cast_round_trip, "scale_unscale": scale_unscale, "scale_compare": scale_compare,
    "transpose_pair": transpose_pair, "reshape_pair": reshape_pair, "pad_slice": pad_slice,
    "clamp_low": clamp_low, "duplicate_halve": duplicate_halve, "identity_conv": identity_conv,
    "permutation_matmul": permutation_matmul,
}


def to_sign_only(net: Net, s: State, ch: Chooser) -> State | None:
    """The start of a sign-keeping tail: a positive scale, or Relu/Clip/Max, or a comparison
    (negative scales come with a flipped one in ``scale_compare``)."""
    s = State(s.name, s.domain, True)
    kind = ch.pick(["scale", "clamp", "compare"])
    if kind == "scale":
        return sign_scale(net, s, ch)
    if kind == "clamp":
        return clamp_low(net, s, ch)
    return scale_compare(net, s, ch)


# -- cores ------------------------------------------------------------------------------


def _core_transpose(net: Net, x: str) -> str:
    return net.op("Transpose", [x], perm=[0, 1, 3, 2])


def _core_gather(net: Net, x: str) -> str:
    idx = np.array([0, 5, 6, 4, 3, 1, 2, 7, 9, 8], np.int64)
    return net.op("Gather", [x, net.const(idx, "colours")], axis=1)


def _core_flip(net: Net, x: str) -> str:
    return net.op("Slice", [x, net.const(np.array([-1], np.int64), "starts"),
                            net.const(np.array([-31], np.int64), "ends"),
                            net.const(np.array([3], np.int64), "axes"),
                            net.const(np.array([-1], np.int64), "steps")])


def _core_crop(net: Net, x: str) -> str:
    return net.op("Pad", [x, net.const(np.array([0, 0, -2, -3, 0, 0, 2, 3], np.int64), "pads")])


def _core_colour_map(net: Net, x: str) -> str:
    w = np.zeros((10, 10, 1, 1), np.float32)
    for c, m in enumerate([0, 2, 2, 3, 5, 5, 6, 1, 8, 9]):
        w[m, c] = 1.0
    return net.op("Conv", [x, net.const(w, "colours")])


#: name -> builder of the optimal network (input name -> output name, values {0, 1}).
CORES: dict[str, Callable[[Net, str], str]] = {
    "transpose": _core_transpose, "gather": _core_gather, "flip": _core_flip, "crop": _core_crop,
    "colour_map": _core_colour_map,
}


def public_numbers(folder: Path = PUBLIC, limit: int | None = None) -> list[int]:
    """Tasks whose public network can be a core: opset >= MIN_PUBLIC_OPSET, and the IR imports
    it (static shapes; the others ``optimize`` keeps as they are, wrapped or not). The first
    ``limit`` of them when given."""
    from trmgolf.compiler.importer import import_model

    numbers = []
    for path in sorted(folder.glob("task*.onnx")):
        if limit is not None and len(numbers) >= limit:
            break
        model = onnx.load(str(path), load_external_data=False)
        if _opset(model) < MIN_PUBLIC_OPSET or len(model.graph.node) == 0:
            continue
        try:
            import_model(model)
        except Exception:  # noqa: BLE001 - whatever the importer refuses is no core
            continue
        numbers.append(int(path.stem[4:]))
    return numbers


def _opset(model: onnx.ModelProto) -> int:
    return max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)


def _model(net: Net, output: str, out_type: int, opset: int) -> onnx.ModelProto:
    x = h.make_tensor_value_info("input", T.FLOAT, IO)
    y = h.make_tensor_value_info("output", out_type, IO)
    nodes = []
    for node in net.nodes:  # the last value is named ``output`` (free), not copied into it
        copy = onnx.NodeProto()
        copy.CopyFrom(node)
        for field_ in (copy.input, copy.output):
            names = ["output" if n == output else n for n in field_]
            del field_[:]
            field_.extend(names)
        nodes.append(copy)
    graph = h.make_graph(nodes, "wasteful", [x], [y], net.inits,
                         value_info=[vi for vi in net.value_info if vi.name != output])
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], ir_version=10)


def _embed_public(net: Net, x: str, model: onnx.ModelProto) -> tuple[str, int]:
    """The public network's nodes with every tensor renamed; returns its output and dtype."""
    g = model.graph
    prefix = net.fresh("pub") + "_"
    rename = {g.input[0].name: x}

    def name(n: str) -> str:
        return n if n == "" else rename.setdefault(n, prefix + n)

    for init in g.initializer:
        copy = onnx.TensorProto()
        copy.CopyFrom(init)
        copy.name = name(init.name)
        net.inits.append(copy)
    for vi in [*g.value_info, *g.output]:  # the shapes of data-dependent results, declared by hand
        copy_vi = onnx.ValueInfoProto()
        copy_vi.CopyFrom(vi)
        copy_vi.name = name(vi.name)
        net.value_info.append(copy_vi)
    for node in g.node:
        copy = onnx.NodeProto()
        copy.CopyFrom(node)
        copy.name = prefix + node.name if node.name else ""
        del copy.input[:]
        del copy.output[:]
        copy.input.extend(name(i) for i in node.input)
        copy.output.extend(name(o) for o in node.output)
        net.nodes.append(copy)
    return name(g.output[0].name), g.output[0].type.tensor_type.elem_type


@dataclass
class Wrapped:
    """A wasteful network, the core it wraps and how."""

    model: onnx.ModelProto
    core: onnx.ModelProto
    core_name: str
    kinds: list[str]
    task: int | None = None  # the public network's task

    @property
    def shape(self) -> str:
        return f"{self.core_name.split(':')[0]}: {' > '.join(self.kinds) or '(none)'}"


def _wrap_side(net: Net, s: State, ch: Chooser, count: int, kinds: list[str], side: str) -> State:
    for _ in range(count):
        options = list(EXACT.items())
        name, wrapper = ch.pick(options)
        if s.sign_only and name not in ("scale_compare", "clamp_low", "transpose_pair", "reshape_pair",
                                        "pad_slice", "cast_round_trip", "duplicate_halve"):
            continue
        out = wrapper(net, s, ch)
        if out is not None:
            s = out
            kinds.append(f"{side}:{name}")
    return s


def build(ch: Chooser, public: Sequence[int] = (), public_folder: Path = PUBLIC) -> Wrapped:
    """One wasteful network: a core drawn from ``CORES`` (or ``public``) and 1-5 layers."""
    core_name = ch.pick([*CORES, "public"] if public else list(CORES))
    if core_name == "public":
        core_name = f"public:{ch.pick(list(public))}"
    task = int(core_name.split(":")[1]) if core_name.startswith("public:") else None
    source = onnx.load(str(public_folder / f"task{task:03d}.onnx")) if task is not None else None
    opset = _opset(source) if source is not None else OPSET  # the public network's own semantics

    core_net = Net()
    if source is None:
        core_out, core_type = CORES[core_name](core_net, "input"), T.FLOAT
        core = _model(core_net, core_out, core_type, opset)
    else:
        core = source

    net = Net()
    kinds: list[str] = []
    total = ch.count(1, 5)
    before = ch.count(0, total)
    s = _wrap_side(net, State("input", ONE_HOT), ch, before, kinds, "in")
    if source is None:
        out = CORES[core_name](net, s.name)
        domain: Domain = ONE_HOT
    else:
        out, out_type = _embed_public(net, s.name, source)
        domain = ONE_HOT if out_type == T.BOOL else None
        if out_type != T.FLOAT:
            out = net.op("Cast", [out], to=T.FLOAT)
            kinds.append("out:cast_to_float32")
    s = _wrap_side(net, State(out, domain), ch, total - before, kinds, "out")
    if ch.pick([False, True]):
        tail = to_sign_only(net, s, ch)
        if tail is not None:
            s = tail
            kinds.append("out:sign_tail")
    out_type = T.FLOAT
    if ch.pick([False, False, True]):  # a comparison and Cast at the output (or a bool output)
        cmp = net.op("Greater", [s.name, net.const(np.float32(0.0), "zero")])
        if ch.pick([False, True]):
            s, out_type = State(cmp, None, True), T.BOOL
            kinds.append("out:compare_bool")
        else:
            s = State(net.op("Cast", [cmp], to=T.FLOAT), None, True)
            kinds.append("out:compare_cast")
    return Wrapped(_model(net, s.name, out_type, opset), core, core_name, kinds, task)


def wrap_one(kind: str, side: str = "out", core: str = "transpose", seed: int = 0) -> Wrapped:
    """``core`` with the one layer ``kind`` (a key of ``EXACT``, or ``sign_tail``,
    ``compare_cast``, ``compare_bool``) on ``side`` (``in`` or ``out``); ``seed`` picks the
    layer's own choices."""
    ch = SeededChooser(seed)
    net = Net()
    s = State("input", ONE_HOT)
    if side == "in":
        s = EXACT[kind](net, s, ch) or s
    s = State(CORES[core](net, s.name), ONE_HOT)
    out_type = T.FLOAT
    if side == "out" and kind in EXACT:
        s = EXACT[kind](net, s, ch) or s
    elif kind == "sign_tail":
        s = to_sign_only(net, s, ch) or s
    elif kind in ("compare_cast", "compare_bool"):
        cmp = net.op("Greater", [s.name, net.const(np.float32(0.0), "zero")])
        s = State(cmp if kind == "compare_bool" else net.op("Cast", [cmp], to=T.FLOAT), None, True)
        out_type = T.BOOL if kind == "compare_bool" else T.FLOAT
    core_net = Net()
    core_model = _model(core_net, CORES[core](core_net, "input"), T.FLOAT, OPSET)
    return Wrapped(_model(net, s.name, out_type, OPSET), core_model, core, [f"{side}:{kind}"])
