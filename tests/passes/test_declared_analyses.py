"""The analyses read what each op declares in its registration (issue 24): an op registered
with ``elementwise``/``monotone``/``moves`` gets value ranges, the sign-only flow and the
rewrites with no rule of its own; one that declares nothing stops them. Also the elementwise
cones, and the rewrites that let wrappers meet: slices of pads, moves before elementwise work,
identity gathers, ``L_A(x + x)`` and ``Less(L_A(x), 0)``."""

from __future__ import annotations

import textwrap
from contextlib import contextmanager

import numpy as np
import pytest
from golden_support import sequence
from onehot_support import onehot_grids

from trmgolf.compiler.analysis.cones import cones
from trmgolf.compiler.analysis.ranges import Range, value_ranges
from trmgolf.compiler.passes.dce import dce
from trmgolf.compiler.passes.distribute import distribute
from trmgolf.compiler.passes.range_rewrites import range_rewrites
from trmgolf.compiler.passes.sign_rewrites import sign_rewrites
from trmgolf.compiler.passes.simplify import simplify
from trmgolf.ir import Builder, parse, run
from trmgolf.ir.ops.infer import same_as_first
from trmgolf.ir.registry import OPS, register
from trmgolf.ir.sign import sign_only_values

HEAD = "graph(%input: f32[1,10,30,30]) {\n"


def _graph(body: str):
    return parse(HEAD + textwrap.indent(textwrap.dedent(body).strip(), "  ") + "\n}\n")


def _ops(graph) -> list[str]:
    return [n.op for n in graph.nodes if n.op != "constant"]


@contextmanager
def _op(name: str, **declared):
    """A cube-root op registered for one test: x -> cbrt(x), nondecreasing, 0 -> 0."""
    register(name, infer=same_as_first, attrs={}, **declared)(lambda x: np.cbrt(x).astype(x.dtype))
    try:
        yield
    finally:
        del OPS[name]


CUBE_ROOT_AT_OUTPUT = """
    %0 = transpose(%input) {perm=[0,1,3,2]} : f32[1,10,30,30]
    %1 = {op}(%0) : f32[1,10,30,30]
    return %1"""


def test_a_declared_op_gets_ranges_sign_flow_and_rewrites():
    with _op("test_cbrt", elementwise=True, monotone=(1,)):
        g = _graph(CUBE_ROOT_AT_OUTPUT.replace("{op}", "test_cbrt"))
        assert value_ranges(g)[g.output].values == {0.0, 1.0}
        assert g.output.producer.inputs[0] in sign_only_values(g)
        out, changed = sequence(sign_rewrites, dce)(g.clone())
        assert changed and _ops(out) == ["transpose"]


def test_an_op_that_declares_nothing_stops_the_analyses():
    with _op("test_cbrt_plain"):
        g = _graph(CUBE_ROOT_AT_OUTPUT.replace("{op}", "test_cbrt_plain"))
        assert value_ranges(g)[g.output].values is None
        assert g.output.producer.inputs[0] not in sign_only_values(g)
        assert not sign_rewrites(g.clone()).changed


def test_a_declared_move_carries_the_sign_backward():
    with _op("test_copy", moves=(0,)):
        g = _graph("""
            %c0 = constant 3.0 : f32[]
            %0 = mul(%input, %c0) : f32[1,10,30,30]
            %1 = test_copy(%0) : f32[1,10,30,30]
            return %1""")
        assert g.output.producer.inputs[0] in sign_only_values(g)
        assert value_ranges(g)[g.output].values == {0.0, 3.0}


def test_small_integer_intervals_carry_their_set():
    assert Range(0.0, 3.0, None, True).with_small_set().values == {0.0, 1.0, 2.0, 3.0}
    assert Range(0.0, 100.0, None, True).with_small_set().values is None
    assert Range(0.0, 3.0, None, False).with_small_set().values is None


def test_cones_compose_what_the_ops_declare():
    g = _graph("""
        %c0 = constant 0.0 : f32[]
        %c1 = constant 0.5 : f32[]
        %0 = conv2d(%input, %input) {pads=[0,0,0,0]} : f32[1,1,1,1]
        %1 = neg(%0) : f32[1,1,1,1]
        %2 = less(%1, %c0) : bool[1,1,1,1]
        %3 = mul(%0, %c1) : f32[1,1,1,1]
        return %2""")
    ranges = value_ranges(g)
    conv = g.nodes[-4].output
    (negated,) = [c for c in cones(g, g.output) if c.source is conv]
    assert negated.direction() == 1 and negated.keeps_positivity_on(ranges[conv])
    (halved,) = cones(g, g.nodes[-1].output)
    assert halved.direction() == 1
    assert halved.keeps_positivity_on(Range(0.0, 9000.0, None, True))  # integers: 0.5 stays > 0
    assert not halved.keeps_positivity_on(Range(0.0, 1.0, None, False))  # a subnormal flushes to 0


SIMPLIFY = {
    "slice_inside_pad": ("""
        %0 = pad(%input) {pads=[0,0,2,2,0,0,2,2]} : f32[1,10,34,34]
        %1 = slice(%0) {axes=[2,3], ends=[12,32], starts=[3,2]} : f32[1,10,9,30]
        %2 = relu(%1) : f32[1,10,9,30]
        return %2""", ["slice", "relu"]),
    "slice_into_padding": ("""
        %0 = pad(%input) {pads=[0,0,2,2,0,0,2,2]} : f32[1,10,34,34]
        %1 = slice(%0) {axes=[2], ends=[12], starts=[1]} : f32[1,10,11,34]
        return %1""", ["pad", "slice"]),
    "identity_gather": ("""
        %c0 = constant [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] : i64[10]
        %0 = gather(%input, %c0) {axis=1} : f32[1,10,30,30]
        %1 = relu(%0) : f32[1,10,30,30]
        return %1""", ["relu"]),
    "transpose_meets_transpose_through_casts": ("""
        %c0 = constant 2.0 : f64[]
        %0 = transpose(%input) {perm=[0,2,3,1]} : f32[1,30,30,10]
        %1 = cast(%0) {to='float64'} : f64[1,30,30,10]
        %2 = mul(%1, %c0) : f64[1,30,30,10]
        %3 = transpose(%2) {perm=[0,3,1,2]} : f64[1,10,30,30]
        return %3""", ["cast", "mul"]),
}


@pytest.mark.parametrize("name", sorted(SIMPLIFY))
def test_simplify_lets_moves_meet(name):
    body, ops = SIMPLIFY[name]
    g = _graph(body)
    out, _ = sequence(simplify, dce)(g.clone())
    assert _ops(out) == ops
    x = np.random.default_rng(0).normal(size=(1, 10, 30, 30)).astype(np.float32)
    np.testing.assert_array_equal(run(out, x), run(g, x))


def test_distribute_folds_a_doubled_input_into_the_weights():
    b = Builder()
    doubled = b.op("add", b.input, b.input)
    w = b.const(np.full((10, 10, 1, 1), 0.25, np.float32))
    g = b.finish(b.op("conv2d", doubled, w, pads=(0, 0, 0, 0)))
    out, changed = sequence(distribute, dce)(g.clone())
    assert changed and _ops(out) == ["conv2d"]
    x = np.random.default_rng(1).normal(size=(1, 10, 30, 30)).astype(np.float32)
    np.testing.assert_allclose(run(out, x), run(g, x), rtol=1e-6)


def test_a_negative_test_of_a_linear_map_negates_the_weights():
    b = Builder()
    w = np.random.default_rng(2).normal(size=(10, 10, 1, 1)).astype(np.float32)
    bias = b.const(np.arange(10, dtype=np.float32) - 4.5)
    conv = b.op("conv2d", b.input, b.const(w), bias, pads=(0, 0, 0, 0))
    g = b.finish(b.op("less", conv, b.const(np.float32(0.0))))
    out, changed = sequence(sign_rewrites, dce)(g.clone())
    assert changed and _ops(out) == ["conv2d"]
    for x in onehot_grids(4):
        np.testing.assert_array_equal(run(out, x) > 0, run(g, x) > 0)


def test_a_pad_whose_fill_changes_in_the_new_dtype_is_not_retyped():
    """A uint8 source under a Pad with fill -1: a uint8 pad would fill 255 (> 0)."""
    g = _graph("""
        %0 = cast(%input) {to='uint8'} : u8[1,10,30,30]
        %1 = transpose(%0) {perm=[0,1,3,2]} : u8[1,10,30,30]
        %2 = cast(%1) {to='float32'} : f32[1,10,30,30]
        %3 = pad(%2) {pads=[0,0,1,0,0,0,0,0], value=-1.0} : f32[1,10,31,30]
        %4 = slice(%3) {axes=[2], ends=[30], starts=[0]} : f32[1,10,30,30]
        return %4""")
    out, _ = sequence(sign_rewrites, dce)(g.clone())
    assert out.output.producer.inputs[0].type.dtype == "float32"
    for x in onehot_grids(2):
        np.testing.assert_array_equal(run(out, x) > 0, run(g, x) > 0)


def test_an_identity_cone_through_a_slice_is_the_slice_of_its_source():
    """cast(slice(less(-2 x, 0))) on one-hot x: the map is the identity, so slice(x)."""
    g = _graph("""
        %c0 = constant -2.0 : f32[]
        %c1 = constant 0.0 : f32[]
        %0 = mul(%input, %c0) : f32[1,10,30,30]
        %1 = less(%0, %c1) : bool[1,10,30,30]
        %2 = slice(%1) {axes=[2,3], ends=[10,10], starts=[9,9]} : bool[1,10,1,1]
        %3 = cast(%2) {to='float32'} : f32[1,10,1,1]
        %4 = reduce_sum(%3) {axes=[1], keepdims=1} : f32[1,1,1,1]
        return %4""")
    out, changed = sequence(range_rewrites, dce)(g.clone())
    assert changed and _ops(out) == ["slice", "reduce_sum"]
    assert out.nodes[-2].inputs[0] is out.input
    for x in onehot_grids(3):
        np.testing.assert_array_equal(run(out, x), run(g, x))


def test_an_identity_cone_is_not_rebuilt_as_a_bool_reduce_max():
    """onnxruntime has no bool ReduceMax: cast(reduce_max(cast(b))) of a bool b stays."""
    g = _graph("""
        %c0 = constant 3 : i64[]
        %0 = argmax(%input) {axis=1, keepdims=1} : i64[1,1,30,30]
        %1 = equal(%0, %c0) : bool[1,1,30,30]
        %2 = cast(%1) {to='float32'} : f32[1,1,30,30]
        %3 = reduce_max(%2) {axes=[2], keepdims=1} : f32[1,1,1,30]
        %4 = cast(%3) {to='bool'} : bool[1,1,1,30]
        %5 = cast(%4) {to='float32'} : f32[1,1,1,30]
        return %5""")
    out, _ = sequence(range_rewrites, dce)(g.clone())
    assert all(n.inputs[0].type.dtype != "bool" for n in out.nodes if n.op == "reduce_max")
    for x in onehot_grids(2):
        np.testing.assert_array_equal(run(out, x), run(g, x))


@pytest.mark.parametrize(("activation", "direction"), [
    ("selu(%0) {alpha=0.0, gamma=-2.0}", -1), ("selu(%0) {alpha=1.0, gamma=2.0}", 1),
    ("selu(%0) {alpha=-1.0, gamma=2.0}", 0), ("leaky_relu(%0) {alpha=0.5}", 1),
    ("leaky_relu(%0) {alpha=-0.5}", 0)])
def test_what_scalar_attributes_writes_declares_its_direction(activation, direction):
    """Selu/LeakyRelu (scalar_attributes's forms of a scale) keep the analyses going: a
    sign-only Less(Selu(x) {gamma<0}, 0) of one-hot x is x itself, as Less(-2 x, 0) was."""
    g = _graph(f"""
        %c0 = constant 0.0 : f32[]
        %0 = transpose(%input) {{perm=[0,1,3,2]}} : f32[1,10,30,30]
        %1 = {activation} : f32[1,10,30,30]
        %2 = less(%1, %c0) : bool[1,10,30,30]
        return %2""")
    act = g.output.producer.inputs[0].producer
    assert act.op in ("selu", "leaky_relu") and OPS[act.op].directions(act) == (direction,)
    if direction == -1:
        out = sequence(sign_rewrites, dce)(g.clone()).graph
        assert _ops(out) == ["transpose"]
        for x in onehot_grids(3):
            np.testing.assert_array_equal(run(out, x) > 0, run(g, x) > 0)
