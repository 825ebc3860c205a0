"""scalar_attributes: each rule on a tiny graph (golden: tests/golden/passes/scalar_attributes/),
the rewrites the value ranges must refuse, and the emitted networks: fewer params than without
the pass and the same answers under onnxruntime, on one-hot grids and on arbitrary values."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
from golden_support import sequence
from onehot_support import check_domain_pass, onehot_grids

from trmgolf.compiler.driver import compile_graph, static_cost
from trmgolf.compiler.emit import emit
from trmgolf.compiler.passes.dce import dce
from trmgolf.compiler.passes.scalar_attributes import scalar_attributes
from trmgolf.compiler.pipeline import PIPELINE
from trmgolf.ir import parse
from trmgolf.scoring.official import count_params
from trmgolf.scoring.runtime import grader_session


def ort_run(model, x: np.ndarray) -> np.ndarray:
    """``output`` of ``model`` on ``x`` in the grader's onnxruntime session."""
    return grader_session(model.SerializeToString()).run(["output"], {"input": x})[0]


HEAD = "graph(%input: f32[1,10,30,30]) {\n"


def _graph(body: str, head: str = HEAD):
    return parse(head + textwrap.indent(textwrap.dedent(body).strip(), "  ") + "\n}\n")


def _ops(graph) -> list[str]:
    return [n.op for n in graph.nodes if n.op != "constant"]


CASES = {
    "int_add_to_shrink": ("""
          %c0 = constant 3 : i32[]
          %0 = cast(%input) {to='int32'} : i32[1,10,30,30]
          %1 = reduce_sum(%0) {axes=[1], keepdims=1} : i32[1,1,30,30]
          %2 = add(%c0, %1) : i32[1,1,30,30]
          %3 = expand(%2) {shape=[1,10,30,30]} : i32[1,10,30,30]
          return %3""", ["cast", "reduce_sum", "shrink", "expand"]),
    "float_sub_to_shrink": ("""
          %c0 = constant 0.25 : f32[]
          %0 = sub(%input, %c0) : f32[1,10,30,30]
          return %0""", ["shrink"]),
    "one_scalar_two_readers": ("""
          %c0 = constant 2 : u8[]
          %c1 = constant 5 : u8[]
          %0 = cast(%input) {to='uint8'} : u8[1,10,30,30]
          %1 = add(%0, %c1) : u8[1,10,30,30]
          %2 = sub(%1, %c0) : u8[1,10,30,30]
          %3 = add(%c1, %2) : u8[1,10,30,30]
          return %3""", ["cast", "shrink", "shrink", "shrink"]),
    "mul_of_nonnegative_to_selu": ("""
          %c0 = constant -1.5 : f32[]
          %c1 = constant 0.0 : f32[]
          %0 = reduce_sum(%input) {axes=[1], keepdims=1} : f32[1,1,30,30]
          %1 = mul(%0, %c0) : f32[1,1,30,30]
          %2 = less(%1, %c1) : bool[1,1,30,30]
          %3 = expand(%2) {shape=[1,10,30,30]} : bool[1,10,30,30]
          return %3""", ["reduce_sum", "selu", "cast", "expand"]),  # Less(selu, 0): x != 0
    "mul_of_negative_to_leaky_relu": ("""
          %c0 = constant 3.0 : f32[]
          %0 = neg(%input) : f32[1,10,30,30]
          %1 = exp(%0) : f32[1,10,30,30]
          %2 = neg(%1) : f32[1,10,30,30]
          %3 = mul(%2, %c0) : f32[1,10,30,30]
          %4 = floor(%3) : f32[1,10,30,30]
          return %4""", ["neg", "exp", "neg", "leaky_relu", "floor"]),
    "comparisons_to_casts": ("""
          %c0 = constant 0.5 : f32[]
          %c1 = constant 1.0 : f32[]
          %c2 = constant 0 : i64[]
          %0 = reduce_sum(%input) {axes=[1], keepdims=1} : f32[1,1,30,30]
          %1 = greater(%0, %c0) : bool[1,1,30,30]
          %2 = equal(%c1, %input) : bool[1,10,30,30]
          %3 = argmax(%input) {axis=1, keepdims=1} : i64[1,1,30,30]
          %4 = less(%c2, %3) : bool[1,1,30,30]
          %5 = and(%1, %4) : bool[1,1,30,30]
          %6 = and(%2, %5) : bool[1,10,30,30]
          %c3 = constant 0.25 : f32[]
          %7 = reduce_sum(%input) {axes=[2,3], keepdims=1} : f32[1,10,1,1]
          %8 = greater_or_equal(%7, %c3) : bool[1,10,1,1]
          %9 = and(%6, %8) : bool[1,10,30,30]
          return %9""", ["reduce_sum", "cast", "cast", "argmax", "cast", "and", "and", "reduce_sum", "cast",
                         "and"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule(name):
    body, ops = CASES[name]
    out = check_domain_pass(_graph(body), sequence(scalar_attributes, dce),
                            f"passes/scalar_attributes/{name}.txt")
    assert _ops(out) == ops


REFUSED = {
    # the scalar is also a Greater's operand: it stays an initializer, so nothing is saved
    "scalar_with_another_reader": """
          %c0 = constant 1.0 : f32[]
          %0 = add(%input, %c0) : f32[1,10,30,30]
          %1 = greater(%0, %c0) : bool[1,10,30,30]
          return %1""",
    # 1 + 255 wraps to 0 in uint8; Shrink's float sum would not
    "uint8_sum_that_wraps": """
          %c0 = constant 255 : u8[]
          %0 = cast(%input) {to='uint8'} : u8[1,10,30,30]
          %1 = add(%0, %c0) : u8[1,10,30,30]
          return %1""",
    # past 2^24 Shrink's float32 sum rounds
    "int_beyond_float32": """
          %c0 = constant 16777216 : i32[]
          %c1 = constant 3 : i32[]
          %0 = cast(%input) {to='int32'} : i32[1,10,30,30]
          %1 = mul(%0, %c0) : i32[1,10,30,30]
          %2 = add(%1, %c1) : i32[1,10,30,30]
          return %2""",
    # 0 * log(0) is NaN, which Shrink would turn into 0
    "float_that_may_be_nan": """
          %c0 = constant 0.5 : f32[]
          %0 = log(%input) : f32[1,10,30,30]
          %1 = mul(%0, %input) : f32[1,10,30,30]
          %2 = add(%1, %c0) : f32[1,10,30,30]
          return %2""",
    "mul_of_mixed_signs": """
          %c0 = constant 2.0 : f32[]
          %0 = log(%input) : f32[1,10,30,30]
          %1 = sigmoid(%0) : f32[1,10,30,30]
          %2 = sub(%1, %input) : f32[1,10,30,30]
          %3 = mul(%2, %c0) : f32[1,10,30,30]
          return %3""",
    # -1.5 * 0 is -0, Selu's is +0, and a division tells them apart
    "zero_product_read_by_a_division": """
          %c0 = constant -1.5 : f32[]
          %c1 = constant 1.0 : f32[]
          %0 = reduce_sum(%input) {axes=[1], keepdims=1} : f32[1,1,30,30]
          %1 = mul(%0, %c0) : f32[1,1,30,30]
          %2 = div(%c1, %1) : f32[1,1,30,30]
          return %2""",
    # 1 > 0.5 but 1 is non-zero: the comparison is not "x != 0"
    "comparison_that_is_not_nonzero": """
          %c0 = constant 1.5 : f32[]
          %0 = reduce_sum(%input) {axes=[1], keepdims=1} : f32[1,1,30,30]
          %1 = greater(%0, %c0) : bool[1,1,30,30]
          %2 = expand(%1) {shape=[1,10,30,30]} : bool[1,10,30,30]
          return %2""",
    # a sum of sigmoids is no small known set nor integers
    "comparison_of_a_continuous_value": """
          %c0 = constant 0.0 : f32[]
          %0 = sigmoid(%input) : f32[1,10,30,30]
          %1 = reduce_sum(%0) {axes=[2,3], keepdims=1} : f32[1,10,1,1]
          %2 = greater(%1, %c0) : bool[1,10,1,1]
          %3 = expand(%2) {shape=[1,10,30,30]} : bool[1,10,30,30]
          return %3""",
    # 0 < 0.5 < 1 < ... < 900, but only checked where it matters: 3 is not above 3.5
    "long_integer_range_crossing_the_threshold": """
          %c0 = constant 3.5 : f32[]
          %0 = reduce_sum(%input) {axes=[2,3], keepdims=1} : f32[1,10,1,1]
          %1 = greater(%0, %c0) : bool[1,10,1,1]
          %2 = expand(%1) {shape=[1,10,30,30]} : bool[1,10,30,30]
          return %2""",
    # simplify would slice the float sums before a cast: more bytes than the bool slice
    "comparison_read_by_a_slice": """
          %c0 = constant 0.0 : f32[]
          %0 = reduce_sum(%input) {axes=[1], keepdims=1} : f32[1,1,30,30]
          %1 = greater(%0, %c0) : bool[1,1,30,30]
          %2 = slice(%1) {axes=[2,3], ends=[20,20], starts=[0,0]} : bool[1,1,20,20]
          %3 = pad(%2) {pads=[0,0,0,0,0,0,10,10]} : bool[1,1,30,30]
          %4 = expand(%3) {shape=[1,10,30,30]} : bool[1,10,30,30]
          return %4""",
    "float64_sum": """
          %c0 = constant 0.5 : f64[]
          %0 = cast(%input) {to='float64'} : f64[1,10,30,30]
          %1 = add(%0, %c0) : f64[1,10,30,30]
          return %1""",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused(name):
    g = _graph(REFUSED[name])
    out, changed = scalar_attributes(g.clone())
    assert not changed and _ops(out) == _ops(g)


WITHOUT = [(name, p) for name, p in PIPELINE if name != "scalar_attributes"]
ALONE, BARE = [("scalar_attributes", scalar_attributes), ("dce", dce)], [("dce", dce)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_emitted_network_saves_params_and_answers_the_same(name):
    """Emitted, the rewritten graph carries its scalars in attributes: fewer params and less
    static cost than the same graph emitted without the pass, and onnxruntime agrees exactly.
    Through the whole pipeline the pass never costs more (the sign and range rewrites may
    already remove a case's scalar on one-hot input, so there it may save nothing)."""
    g = _graph(CASES[name][0])
    for with_pipeline, without_pipeline, strict in ((ALONE, BARE, True), (PIPELINE, WITHOUT, False)):
        with_pass = compile_graph(g.clone(), pipeline=with_pipeline).model
        without = compile_graph(g.clone(), pipeline=without_pipeline).model
        params = [sum(p.count for p in count_params(m)) for m in (with_pass, without)]
        costs = [static_cost(m) for m in (with_pass, without)]
        if strict:
            assert params[0] < params[1] and costs[0] < costs[1], (params, costs)
        else:
            assert params[0] <= params[1] and costs[0] <= costs[1], (params, costs)
        for x in onehot_grids(4):
            want, got = ort_run(without, x), ort_run(with_pass, x)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)


NUMPY = {"f32": np.float32, "i32": np.int32, "i64": np.int64, "u8": np.uint8, "i8": np.int8}


@pytest.mark.parametrize(("dtype", "values", "bias"), [
    ("f32", lambda rng, n: (rng.normal(size=n) * rng.choice([1e-6, 1.0, 1e4, 1e30], size=n)), -0.1),
    ("i32", lambda rng, n: rng.integers(-2 ** 24 + 8, 2 ** 24 - 8, size=n), 7.0),
    ("i64", lambda rng, n: rng.integers(-2 ** 24 + 8, 2 ** 24 - 8, size=n), -5.0),
    ("u8", lambda rng, n: rng.integers(0, 250, size=n), 5.0),
    ("i8", lambda rng, n: rng.integers(-128, 124, size=n), 3.0),
])
def test_shrink_adds_exactly_in_onnxruntime(dtype, values, bias):
    """What the rule relies on, on arbitrary values of each dtype: onnxruntime's Shrink with
    ``lambd=-inf`` is ``x + bias``, bit for bit (infinities included for float32)."""
    n = 4096
    g = _graph(f"""
          %0 = shrink(%input) {{bias={bias}, lambd=-inf}} : {dtype}[{n}]
          return %0""", f"graph(%input: {dtype}[{n}]) {{\n")
    x = np.asarray(values(np.random.default_rng(0), n)).astype(NUMPY[dtype])
    if dtype == "f32":
        x[:3] = [math.inf, -math.inf, -0.0]
    got = ort_run(emit(g, grid_output=False).model, x)
    want = (x.astype(np.float64) + bias).astype(x.dtype) if dtype != "f32" else x + np.float32(bias)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_selu_and_leaky_relu_multiply_exactly_on_their_side():
    """Selu (alpha 0) is ``gamma * x`` for x >= 0 and LeakyRelu ``alpha * x`` for x < 0, in
    onnxruntime, on arbitrary float32 values of those signs."""
    n = 4096
    scale = 10.0 ** np.arange(-20, 20, 40 / n)
    x = np.abs(np.random.default_rng(1).normal(size=n) * scale).astype(np.float32)
    for op, attrs, xs, c in (("selu", "alpha=0.0, gamma=-0.7", x, -0.7),
                             ("leaky_relu", "alpha=1.3", -x - np.float32(1e-30), 1.3)):
        g = _graph(f"""
              %0 = {op}(%input) {{{attrs}}} : f32[{n}]
              return %0""", f"graph(%input: f32[{n}]) {{\n")
        got = ort_run(emit(g, grid_output=False).model, xs)
        np.testing.assert_array_equal(got, xs * np.float32(c))


def test_the_new_ops_narrow_to_float16():
    """``narrow_dtypes`` (the TRM compile path) may run after the pass: Selu, LeakyRelu and a
    float Shrink take float16, and the narrowed graph runs."""
    from trmgolf.compiler.passes.narrow_dtypes import narrow_dtypes
    from trmgolf.ir import run, verify

    for name in ("mul_of_nonnegative_to_selu", "mul_of_negative_to_leaky_relu", "float_sub_to_shrink"):
        after, _ = scalar_attributes(_graph(CASES[name][0]))
        narrowed = narrow_dtypes(after).graph
        verify(narrowed)
        ops = {n.op: n.output.type.dtype for n in narrowed.nodes}
        assert "float16" in {ops.get(op) for op in ("selu", "leaky_relu", "shrink")}
        run(narrowed, onehot_grids(1)[0])
