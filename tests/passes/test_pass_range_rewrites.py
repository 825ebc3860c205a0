"""range_rewrites and the value-range analysis over one-hot inputs: each rule on a tiny graph
(golden: tests/golden/passes/range_rewrites/), and the rewrites the ranges must refuse."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
from golden_support import sequence
from onehot_support import check_domain_pass

from trmgolf.compiler.analysis.ranges import UNKNOWN, Range, exact_in, value_ranges, widens
from trmgolf.compiler.passes.dce import dce
from trmgolf.compiler.passes.range_rewrites import range_rewrites
from trmgolf.ir import parse, run

HEAD = "graph(%input: f32[1,10,30,30]) {\n"


def _graph(body: str):
    return parse(HEAD + textwrap.indent(textwrap.dedent(body).strip(), "  ") + "\n}\n")


def _ops(graph) -> list[str]:
    return [n.op for n in graph.nodes if n.op != "constant"]


def test_ranges_follow_the_onehot_input_through_ops():
    g = _graph("""
          %c0 = constant 3.0 : f32[]
          %c1 = constant -1.0 : f32[]
          %0 = mul(%input, %c0) : f32[1,10,30,30]
          %1 = add(%0, %c1) : f32[1,10,30,30]
          %2 = reduce_sum(%input) {axes=[1], keepdims=1} : f32[1,1,30,30]
          %3 = conv2d(%input, %input) {pads=[0,0,0,0]} : f32[1,1,1,1]
          %4 = sigmoid(%2) : f32[1,1,30,30]
          %5 = transpose(%1) {perm=[0,1,3,2]} : f32[1,10,30,30]
          return %5""")
    r = {name: r for name, r in zip(["input", "c0", "c1", "0", "1", "2", "3", "4", "5"],
                                      value_ranges(g).values(), strict=True)}
    assert r["0"].values == {0.0, 3.0} and r["1"].values == {-1.0, 2.0} and r["5"] == r["1"]
    assert (r["2"].lo, r["2"].hi, r["2"].integral) == (0.0, 10.0, True)
    assert (r["3"].lo, r["3"].hi) == (0.0, 9000.0)
    assert 0.5 <= r["4"].lo and r["4"].hi <= 1.0 and not r["4"].integral


def test_exactness_facts():
    assert exact_in(Range(0, 2048, None, True), "float16")
    assert not exact_in(Range(0, 2049, None, True), "float16")
    assert exact_in(Range(0, 0.5, frozenset({0.0, 0.5})), "float16")
    assert not exact_in(Range(0.1, 0.1, frozenset({0.1})), "float16")
    assert not exact_in(UNKNOWN, "float64") and not exact_in(Range(0, 1), "float16")
    assert widens("float32", "float64") and widens("int8", "float16") and widens("bool", "uint8")
    assert not widens("float32", "float16") and not widens("int32", "float32")
    assert not widens("float16", "int64")
    assert math.isinf(UNKNOWN.hi)


CASES = {
    "relu_of_nonnegative": ("""
          %c0 = constant 2.0 : f32[]
          %0 = mul(%input, %c0) : f32[1,10,30,30]
          %1 = relu(%0) : f32[1,10,30,30]
          %2 = neg(%1) : f32[1,10,30,30]
          return %2""", ["mul", "neg"]),
    "clip_inside_bounds": ("""
          %0 = clip(%input) {max=1.0, min=0.0} : f32[1,10,30,30]
          %1 = neg(%0) : f32[1,10,30,30]
          return %1""", ["neg"]),
    "max_with_constant_below": ("""
          %c0 = constant -0.5 : f32[]
          %0 = max(%input, %c0) : f32[1,10,30,30]
          %1 = neg(%0) : f32[1,10,30,30]
          return %1""", ["neg"]),
    "float16_round_trip": ("""
          %c0 = constant 3.0 : f32[]
          %0 = mul(%input, %c0) : f32[1,10,30,30]
          %1 = cast(%0) {to='float16'} : f16[1,10,30,30]
          %2 = cast(%1) {to='float32'} : f32[1,10,30,30]
          %3 = neg(%2) : f32[1,10,30,30]
          return %3""", ["mul", "neg"]),
    "float64_round_trip": ("""
          %0 = cast(%input) {to='float64'} : f64[1,10,30,30]
          %1 = cast(%0) {to='float32'} : f32[1,10,30,30]
          %2 = neg(%1) : f32[1,10,30,30]
          return %2""", ["neg"]),
    "int_cast_chain": ("""
          %0 = cast(%input) {to='uint8'} : u8[1,10,30,30]
          %1 = cast(%0) {to='float16'} : f16[1,10,30,30]
          %2 = neg(%1) : f16[1,10,30,30]
          return %2""", ["cast", "neg"]),
    "float64_mul_computed_in_float32": ("""
          %c0 = constant 0.5 : f64[]
          %0 = cast(%input) {to='float64'} : f64[1,10,30,30]
          %1 = mul(%0, %c0) : f64[1,10,30,30]
          %2 = cast(%1) {to='float32'} : f32[1,10,30,30]
          %3 = neg(%2) : f32[1,10,30,30]
          return %3""", ["mul", "neg"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule(name):
    body, ops = CASES[name]
    out = check_domain_pass(_graph(body), sequence(range_rewrites, dce), f"passes/range_rewrites/{name}.txt")
    assert _ops(out) == ops


REFUSED = {
    "relu_of_maybe_negative": """
          %c0 = constant -1.0 : f32[]
          %0 = add(%input, %c0) : f32[1,10,30,30]
          %1 = relu(%0) : f32[1,10,30,30]
          return %1""",
    "clip_that_clips": """
          %0 = clip(%input) {max=0.5} : f32[1,10,30,30]
          return %0""",
    "float16_round_trip_that_rounds": """
          %c0 = constant 0.1 : f32[]
          %0 = mul(%input, %c0) : f32[1,10,30,30]
          %1 = cast(%0) {to='float16'} : f16[1,10,30,30]
          %2 = cast(%1) {to='float32'} : f32[1,10,30,30]
          return %2""",
    "float16_round_trip_of_large_sums": """
          %0 = reduce_sum(%input) {axes=[2,3], keepdims=1} : f32[1,10,1,1]
          %1 = mul(%0, %0) : f32[1,10,1,1]
          %2 = cast(%1) {to='float16'} : f16[1,10,1,1]
          %3 = cast(%2) {to='float32'} : f32[1,10,1,1]
          %4 = expand(%3) {shape=[1,10,30,30]} : f32[1,10,30,30]
          return %4""",
    "wide_constant_not_exact_narrow": """
          %c0 = constant 0.1 : f64[]
          %0 = cast(%input) {to='float64'} : f64[1,10,30,30]
          %1 = mul(%0, %c0) : f64[1,10,30,30]
          %2 = cast(%1) {to='float32'} : f32[1,10,30,30]
          return %2""",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused(name):
    g = _graph(REFUSED[name])
    out, changed = range_rewrites(g.clone())
    assert not changed and _ops(out) == _ops(g)


def test_float64_mul_in_float32_is_bit_exact_on_any_input():
    """The narrowed arithmetic holds for arbitrary floats, not only one-hot ones."""
    body, _ = CASES["float64_mul_computed_in_float32"]
    g = _graph(body)
    out, _ = range_rewrites(g.clone())
    x = np.random.default_rng(1).normal(scale=1e3, size=(1, 10, 30, 30)).astype(np.float32)
    np.testing.assert_array_equal(run(out, x), run(g, x))
