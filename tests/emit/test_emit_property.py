"""Property: random small graphs emit to ONNX that onnxruntime runs like the interpreter,
and importing the emitted model gives back the same IR (same printed text).

The generator slices the grid input down to a small tensor, applies a few ops from a
menu (elementwise, matmul, transpose, reshape, slice, pad, concat, split, reduce,
compare + where, cast, gather) and pads the result back to the grid. It keeps to the
canonical forms the importer produces, since import is the identity only on those:
slices with explicit in-range axes/bounds and steps only when one is not 1, pads with a
``value`` only when it is non-zero, reductions and argmax with explicit ``keepdims``.
Constants are random floats (and int32 gather indices, which never coincide with an
int64 shape initializer); the expected text is taken after ``dedupe_constants``, since
the emitter writes equal constants as one initializer. Values stay finite (no exp,
log or division by a pool value), so casts to integers are well defined.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
from emit_support import check_emitted
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trmgolf.compiler.emit import emit
from trmgolf.compiler.importer import import_model
from trmgolf.compiler.passes.dedupe_constants import dedupe_constants
from trmgolf.ir import GRID_TYPE, Builder, Graph, Value, print_graph
from trmgolf.ir.onnx_ops import REDUCTIONS
from trmgolf.kernels.reduce import covers_every_axis

UNARY = ["neg", "abs", "relu", "sigmoid", "tanh", "identity"]
BINARY = ["add", "sub", "mul", "min", "max"]
STEPS = ["unary", "binary_const", "binary_pool", "matmul", "transpose", "reshape", "slice", "pad",
         "concat", "split", "reduce", "where", "cast", "gather"]


class _Gen:
    def __init__(self, draw) -> None:
        self.draw = draw
        self.b = Builder()
        self.rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def const(self, shape: tuple[int, ...], nonzero: bool = False) -> Value:
        """A random constant; ``nonzero``: no value under 0.5 in magnitude (a safe divisor)."""
        array = self.rng.uniform(-1.5, 1.5, size=shape).astype(np.float32)
        if nonzero:
            array = np.where(np.abs(array) < 0.5, 1.0, array).astype(np.float32)
        return self.b.const(array)

    def int_(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def broadcastable(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """A shape that broadcasts to ``shape``: a suffix with some dims set to 1."""
        k = self.int_(0, len(shape))
        suffix = shape[len(shape) - k:]
        return tuple(d if self.draw(st.booleans()) else 1 for d in suffix)

    def step(self, kind: str, v: Value, pool: list[Value]) -> Value | None:
        b, shape, rank = self.b, v.type.shape, v.type.rank
        if kind == "unary":
            return b.op(self.draw(st.sampled_from(UNARY)), v)
        if kind == "binary_const":
            op = self.draw(st.sampled_from([*BINARY, "div"]))
            # one constant node: a replaced divisor would be a dead constant, which the
            # emitter drops and the expected text (after dedupe_constants only) would keep
            k = self.const(self.broadcastable(shape), nonzero=op == "div")
            return b.op(op, k, v) if op != "div" and self.draw(st.booleans()) else b.op(op, v, k)
        if kind == "binary_pool":
            others = [w for w in pool if _broadcasts(w.type.shape, shape)]
            return b.op(self.draw(st.sampled_from(BINARY)), v, self.draw(st.sampled_from(others)))
        if kind == "matmul":
            if rank < 2:
                return None
            return b.op("matmul", v, self.const((shape[-1], self.int_(1, 4))))
        if kind == "transpose":
            perm = tuple(self.draw(st.permutations(range(rank))))
            return b.op("transpose", v, perm=perm)
        if kind == "reshape":
            n = v.type.numel
            d = self.draw(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
            new = self.draw(st.sampled_from([(n,), (d, n // d), (1, d, n // d)]))
            return b.op("reshape", v, shape=new)
        if kind == "slice":
            if rank == 0:
                return None
            axis = self.int_(0, rank - 1)
            start = self.int_(0, shape[axis] - 1)
            end = self.int_(start + 1, shape[axis])
            step = self.int_(1, 2)
            attrs = {"starts": (start,), "ends": (end,), "axes": (axis,)}
            if step != 1:
                attrs["steps"] = (step,)
            return b.op("slice", v, **attrs)
        if kind == "pad":
            pads = tuple(self.int_(0, 2) for _ in range(2 * rank))
            value = self.draw(st.sampled_from([0.0, -1.0, 2.5]))
            return b.op("pad", v, pads=pads, **({"value": value} if value else {}))
        if kind == "concat":
            if rank == 0:
                return None
            axis = self.int_(-rank, rank - 1)
            other = list(shape)
            other[axis] = self.int_(1, 3)
            return b.op("concat", v, self.const(tuple(other)), axis=axis)
        if kind == "split":
            axes = [a for a in range(rank) if shape[a] >= 2]
            if not axes:
                return None
            axis = self.draw(st.sampled_from(axes))
            cut = self.int_(1, shape[axis] - 1)
            parts = b.ops("split", v, axis=axis, sizes=(cut, shape[axis] - cut))
            pool.extend(parts[1:])
            return parts[0]
        if kind == "reduce":
            if rank == 0:
                return None
            op = self.draw(st.sampled_from(["reduce_sum", "reduce_mean", "reduce_max", "reduce_min"]))
            axes = tuple(self.draw(st.sets(st.integers(0, rank - 1), min_size=1)))
            return b.op(op, v, axes=tuple(sorted(axes)), keepdims=self.int_(0, 1))
        if kind == "where":
            cmp = self.draw(st.sampled_from(["less", "greater", "equal"]))
            cond = b.op(cmp, v, self.const(self.broadcastable(shape)))
            return b.op("where", cond, v, self.const(self.broadcastable(shape)))
        if kind == "cast":
            # bounded first, so the integer cast is defined: tanh(v) * 4 in (-4, 4)
            scaled = b.op("mul", b.op("tanh", v), self.const(()))
            to = self.draw(st.sampled_from(["int64", "int32", "float16", "bool"]))
            return b.op("cast", b.op("cast", scaled, to=to), to="float32")
        if kind == "gather":
            if rank == 0:
                return None
            axis = self.int_(0, rank - 1)
            idx = self.rng.integers(-shape[axis], shape[axis], size=self.int_(1, 3)).astype(np.int32)
            return b.op("gather", v, b.const(idx), axis=axis)
        raise AssertionError(kind)


def _broadcasts(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(small, big) == big
    except ValueError:
        return False


@st.composite
def graphs(draw) -> Graph:
    gen = _Gen(draw)
    b = gen.b
    c, h, w = (gen.int_(1, 3) for _ in range(3))
    oc, oh, ow = (gen.int_(0, 10 - c), gen.int_(0, 30 - h), gen.int_(0, 30 - w))
    v = b.op("slice", b.input, starts=(oc, oh, ow), ends=(oc + c, oh + h, ow + w), axes=(1, 2, 3))
    pool = [v]
    for _ in range(gen.int_(1, 5)):
        kind = draw(st.sampled_from(STEPS))
        new = gen.step(kind, v, pool)
        if new is not None and new.type.numel <= 600:
            v = new
            pool.append(v)
    n = v.type.numel
    flat = b.op("reshape", v, shape=(1, n))
    padded = b.op("pad", flat, pads=(0, 0, 0, math.prod(GRID_TYPE.shape) - n))
    return b.finish(b.op("reshape", padded, shape=GRID_TYPE.shape))


@settings(max_examples=50, deadline=timedelta(seconds=5), derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(graph=graphs(), seed=st.integers(0, 2**16))
def test_random_graphs_match_and_round_trip(graph: Graph, seed: int) -> None:
    x = np.random.default_rng(seed).normal(size=GRID_TYPE.shape).astype(np.float32)
    emitted = check_emitted(graph, x)
    assert emitted.to_bytes() == emit(graph).to_bytes()
    want = print_graph(_every_axis_named(dedupe_constants(graph.clone()).graph))
    assert print_graph(import_model(emitted.model)) == want


def _every_axis_named(graph: Graph) -> Graph:
    """``graph`` with each reduction that covers every axis longer than 1 (dims kept) written
    over every axis: the same reduction, emitted without axes, so imported back that way."""
    for node in graph.nodes:
        if node.op in REDUCTIONS and covers_every_axis(node):
            node.attrs["axes"] = tuple(range(node.inputs[0].type.rank))
    return graph
