"""simplify: each algebraic no-op rule on a small graph, and the rewrites it must not do.

Every case is checked against the interpreter; their before/after texts together form
the golden file tests/golden/passes/simplify.txt.
"""

from __future__ import annotations

import numpy as np
import pytest
from golden_support import check_golden, sequence

from trmgolf.compiler.passes.dce import dce
from trmgolf.compiler.passes.simplify import simplify
from trmgolf.ir import GRID_TYPE, Builder, Graph, print_graph, run, verify

GRID = GRID_TYPE.shape


def _finish(b: Builder, y) -> Graph:
    """Relu on top, so the rewritten value is never the graph output itself."""
    return b.finish(b.op("relu", y))


def _neutral(op: str, k, swap: bool = False):
    def build() -> Graph:
        b = Builder()
        t = b.op("tanh", b.input)
        c = b.const(np.asarray(k, np.float32))
        return _finish(b, b.op(op, c, t) if swap else b.op(op, t, c))
    return build


def _unary(op: str, **attrs):
    def build() -> Graph:
        b = Builder()
        return _finish(b, b.op(op, b.op("neg", b.input), **attrs))
    return build


def _transposes(p, q):
    def build() -> Graph:
        b = Builder()
        t = b.op("transpose", b.op("neg", b.input), perm=p)
        t = b.op("transpose", t, perm=q)
        return b.finish(b.op("relu", b.op("reshape", t, shape=GRID)) if t.type.shape != GRID else
                        b.op("relu", t))
    return build


def _reshape_chain(final):
    def build() -> Graph:
        b = Builder()
        r = b.op("reshape", b.op("neg", b.input), shape=(10, 900))
        r = b.op("reshape", r, shape=final)
        return b.finish(b.op("reshape", b.op("relu", r), shape=GRID))
    return build


#: name -> (graph, ops left after simplify + dce)
CASES = {
    "identity": (_unary("identity"), ["neg", "relu"]),
    "mul_one": (_neutral("mul", 1.0), ["tanh", "relu"]),
    "one_mul": (_neutral("mul", np.ones((1, 10, 1, 1)), swap=True), ["tanh", "relu"]),
    "add_zero": (_neutral("add", np.zeros(30)), ["tanh", "relu"]),
    "zero_add": (_neutral("add", 0.0, swap=True), ["tanh", "relu"]),
    "sub_zero": (_neutral("sub", 0.0), ["tanh", "relu"]),
    "div_one": (_neutral("div", 1.0), ["tanh", "relu"]),
    "transpose_identity": (_unary("transpose", perm=(0, 1, 2, 3)), ["neg", "relu"]),
    "transpose_pair_cancels": (_transposes((0, 2, 3, 1), (0, 3, 1, 2)), ["neg", "relu"]),
    "transpose_pair_composes": (_transposes((0, 2, 3, 1), (0, 2, 1, 3)),
                                ["neg", "transpose", "reshape", "relu"]),
    # the last reshape goes before the relu and cancels the two above it
    "reshape_chain": (_reshape_chain((100, 90)), ["neg", "relu"]),
    "reshape_chain_to_input_type": (_reshape_chain(GRID), ["neg", "relu"]),
    "noop_reshape": (_unary("reshape", shape=GRID), ["neg", "relu"]),
    "noop_cast": (_unary("cast", to="float32"), ["neg", "relu"]),
    "noop_slice": (_unary("slice", starts=(0, -30), ends=(10, 100), axes=(1, 3)), ["neg", "relu"]),
    "noop_pad": (_unary("pad", pads=(0,) * 8), ["neg", "relu"]),
    "noop_expand": (_unary("expand", shape=(10, 1, 1)), ["neg", "relu"]),
    # not no-ops: they must stay
    "sub_from_zero": (_neutral("sub", 0.0, swap=True), ["tanh", "sub", "relu"]),
    "mul_almost_one": (_neutral("mul", [1.0] * 29 + [1.0001]), ["tanh", "mul", "relu"]),
}


def _run_case(name: str) -> tuple[Graph, Graph]:
    build, _ = CASES[name]
    g = build()
    after = sequence(simplify, dce)(g.clone()).graph
    verify(after, grid_output=False)
    return g, after


def _build_broadcast() -> Graph:
    """x * ones([2,1,1,1,1]) broadcasts x to a bigger shape: not a no-op."""
    b = Builder()
    t = b.op("tanh", b.input)
    y = b.op("mul", t, b.const(np.ones((2, 1, 1, 1, 1), np.float32)))  # [2,1,10,30,30]
    y = b.op("reshape", b.op("slice", y, starts=(1,), ends=(2,), axes=(0,)), shape=GRID)
    return _finish(b, y)


def _build_cast16() -> Graph:
    b = Builder()
    y = b.op("cast", b.op("cast", b.op("neg", b.input), to="float16"), to="float32")
    return _finish(b, y)


CASES["mul_ones_that_broadcast"] = (_build_broadcast, ["tanh", "mul", "slice", "reshape", "relu"])
CASES["cast_that_converts"] = (_build_cast16, ["neg", "cast", "cast", "relu"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_simplify_rule(name):
    g, after = _run_case(name)
    x = np.random.default_rng(3).normal(size=GRID).astype(np.float32)
    np.testing.assert_array_equal(run(after, x), run(g, x))
    ops = [n.op for n in after.nodes if n.op != "constant"]
    assert ops == CASES[name][1]
    rewrites = ops != [n.op for n in g.nodes if n.op != "constant"]
    assert simplify(g.clone()).changed == rewrites
    assert not simplify(after.clone()).changed


def test_simplify_golden():
    parts = []
    for name in sorted(CASES):
        g, after = _run_case(name)
        parts.append(f"// ---- {name}\n// before\n{print_graph(g)}// after\n{print_graph(after)}")
    check_golden("".join(parts), "passes/simplify.txt")


def test_simplify_output_value_is_rewritten():
    b = Builder()
    g = b.finish(b.op("identity", b.op("neg", b.input)))
    out, changed = simplify(g)
    assert out.output.producer.op == "neg" and changed


def test_simplify_leaves_input_graph_alone_when_nothing_applies():
    g = _unary("neg")()
    text = print_graph(g)
    out, changed = simplify(g)
    assert print_graph(out) == text and not changed


def test_slice_of_cast_slices_first():
    from trmgolf.compiler.passes.dce import dce
    from trmgolf.compiler.passes.simplify import simplify
    from trmgolf.ir import Builder, run

    b = Builder()
    half = b.op("cast", b.input, to="float16")
    crop = b.op("slice", half, starts=(0, 0), ends=(3, 3), axes=(2, 3))
    back = b.op("cast", crop, to="float32")
    graph = b.finish(b.op("pad", back, pads=(0, 0, 0, 0, 0, 0, 27, 27)))
    out = sequence(simplify, dce)(graph.clone()).graph
    ops = [n.op for n in out.nodes if n.op != "constant"]
    assert ops[:2] == ["slice", "cast"]
    assert out.nodes[0].output.type.dtype == "float32" and out.nodes[0].output.type.shape == (1, 10, 3, 3)
    x = np.random.default_rng(0).normal(size=(1, 10, 30, 30)).astype(np.float32)
    np.testing.assert_array_equal(run(out, x), run(graph, x))



def _cast_then_crop(cast_to: str, keep: int, second_reader: bool = False):
    from trmgolf.ir import Builder

    b = Builder()
    row = b.op("reduce_sum", b.input, axes=(1, 2), keepdims=1)  # f32[1,1,1,30]
    narrow = b.op("cast", row, to=cast_to)
    crop = b.op("cast", b.op("slice", narrow, starts=(0,), ends=(keep,), axes=(3,)), to="float32")
    if second_reader:
        whole = b.op("cast", narrow, to="float32")
        crop = b.op("add", crop, b.op("reduce_max", whole, axes=(3,), keepdims=1))
    grid = b.op("pad", crop, pads=(0, 0, 0, 0, 0, 0, 0, 30 - keep))
    return b.finish(b.op("expand", grid, shape=(1, 10, 30, 30)))


def test_slice_of_cast_stays_where_slicing_first_costs_more():
    from trmgolf.compiler.passes.simplify import simplify

    def sliced_first(graph) -> bool:
        out, _ = simplify(graph.clone())
        return any(n.op == "slice" and n.inputs[0].producer is not None
                   and n.inputs[0].producer.op == "reduce_sum" for n in out.nodes)

    assert sliced_first(_cast_then_crop("float16", 5))  # 5 float32 cells < 30 float16 cells
    assert not sliced_first(_cast_then_crop("uint8", 10))  # 10 float32 cells > 30 uint8 cells
    assert not sliced_first(_cast_then_crop("float16", 5, second_reader=True))  # the whole cast stays anyway
