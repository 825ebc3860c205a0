"""sign_rewrites and the sign-only analysis: each rule on a tiny graph (golden dumps with the
printer's ``// sign`` notes: tests/golden/passes/sign_rewrites/), checked up to ``output > 0``
on one-hot grids, and the rewrites that would change the thresholded output."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from golden_support import sequence
from onehot_support import check_domain_pass

from trmgolf.compiler.passes.dce import dce
from trmgolf.compiler.passes.sign_rewrites import sign_rewrites
from trmgolf.ir import GRID_TYPE, Builder, parse, print_graph
from trmgolf.ir.sign import passes_positivity, sign_only_values

HEAD = "graph(%input: f32[1,10,30,30]) {\n"


def _graph(body: str):
    return parse(HEAD + textwrap.indent(textwrap.dedent(body).strip(), "  ") + "\n}\n")


def _ops(graph) -> list[str]:
    return [n.op for n in graph.nodes if n.op != "constant"]


def test_sign_only_stops_at_ops_that_need_the_value():
    g = _graph("""
        %c0 = constant 0.0 : f32[]
        %c1 = constant 2.0 : f32[]
        %c2 = constant 0.5 : f32[]
        %0 = add(%input, %c1) : f32[1,10,30,30]
        %1 = mul(%0, %c2) : f32[1,10,30,30]
        %2 = relu(%1) : f32[1,10,30,30]
        %3 = transpose(%2) {perm=[0,1,3,2]} : f32[1,10,30,30]
        %4 = greater(%3, %c0) : bool[1,10,30,30]
        return %4""")
    text = print_graph(g, signs=True)
    marked = [line.split(" = ")[1].split("(")[0] for line in text.splitlines() if line.endswith("// sign")]
    assert marked == ["mul", "relu", "transpose", "greater"]  # not the add: x * 0.5 may flush a tiny x to 0
    assert g.input not in sign_only_values(g)
    assert print_graph(parse(text), signs=True) == text


def test_a_value_read_elsewhere_is_not_sign_only():
    g = _graph("""
        %0 = relu(%input) : f32[1,10,30,30]
        %1 = neg(%0) : f32[1,10,30,30]
        %2 = add(%0, %1) : f32[1,10,30,30]
        %3 = relu(%2) : f32[1,10,30,30]
        return %3""")
    signed = sign_only_values(g)
    assert sorted(v.producer.op for v in signed) == ["add", "relu"]  # the output relu, and what it reads
    assert g.output.producer.inputs[0] in signed and len(signed) == 2


def test_positivity_of_casts():
    assert passes_positivity("bool", "float32") and passes_positivity("float16", "float64")
    assert passes_positivity("int32", "float16") and passes_positivity("uint8", "int32")
    assert not passes_positivity("float32", "bool") and not passes_positivity("float32", "int64")
    assert not passes_positivity("float64", "float16")


CASES = {
    "greater_cast_at_output": ("""
        %c0 = constant 0.0 : f32[]
        %0 = transpose(%input) {perm=[0,1,3,2]} : f32[1,10,30,30]
        %1 = greater(%0, %c0) : bool[1,10,30,30]
        %2 = cast(%1) {to='float32'} : f32[1,10,30,30]
        return %2""", ["transpose"]),
    "comparison_straight_into_bool_output": ("""
        %c0 = constant 0.5 : f32[]
        %0 = softmax(%input) {axis=1} : f32[1,10,30,30]
        %1 = greater(%0, %c0) : bool[1,10,30,30]
        %2 = cast(%1) {to='float32'} : f32[1,10,30,30]
        return %2""", ["softmax", "greater"]),
    "relu_and_positive_scale": ("""
        %c0 = constant 3.0 : f32[]
        %c1 = constant -1.0 : f32[]
        %0 = add(%input, %c1) : f32[1,10,30,30]
        %1 = mul(%0, %c0) : f32[1,10,30,30]
        %2 = relu(%1) : f32[1,10,30,30]
        return %2""", ["add"]),
    "scale_below_one_proven_by_ranges": ("""
        %c0 = constant 0.5 : f32[]
        %0 = transpose(%input) {perm=[0,1,3,2]} : f32[1,10,30,30]
        %1 = mul(%0, %c0) : f32[1,10,30,30]
        return %1""", ["transpose"]),
    "less_than_zero_flipped_and_clip": ("""
        %c0 = constant 0.0 : f32[]
        %0 = clip(%input) {max=1.0, min=-1.0} : f32[1,10,30,30]
        %1 = less(%c0, %0) : bool[1,10,30,30]
        return %1""", []),
    "exact_narrowing_cast": ("""
        %c0 = constant 2.0 : f64[]
        %0 = cast(%input) {to='float64'} : f64[1,10,30,30]
        %1 = mul(%0, %c0) : f64[1,10,30,30]
        %2 = cast(%1) {to='float16'} : f16[1,10,30,30]
        return %2""", []),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule(name):
    body, ops = CASES[name]
    out = check_domain_pass(_graph(body), sequence(sign_rewrites, dce), f"passes/sign_rewrites/{name}.txt",
                            up_to_sign=True, signs=True)
    assert _ops(out) == ops


def test_bool_cast_of_a_negated_conv_flips_its_weights():
    """Cast(Conv(x, -W), bool) with the conv in {-1, 0} is > 0 exactly where the conv is < 0, so
    it becomes Conv(x, W), no cast (fuzzer seed 1079: a colour map scaled by -1, cast to bool)."""
    b = Builder(GRID_TYPE)
    w = -np.ones((10, 1, 1, 1), np.float32)
    w[3] = 0.0
    conv = b.op("conv2d", b.input, b.const(w), group=10, dilations=(1, 1), pads=(0, 0, 0, 0),
                strides=(1, 1))
    graph = b.finish(b.op("cast", conv, to="bool"))
    out = check_domain_pass(graph, sequence(sign_rewrites, dce),
                            "passes/sign_rewrites/bool_cast_of_a_negated_conv.txt", up_to_sign=True,
                            signs=True)
    assert _ops(out) == ["conv2d"]
    assert np.array_equal(next(n for n in out.nodes if n.op == "constant").attrs["value"], -w)


REFUSED = {
    "negative_scale": """
        %c0 = constant -2.0 : f32[]
        %0 = mul(%input, %c0) : f32[1,10,30,30]
        return %0""",
    "comparison_that_inverts": """
        %c0 = constant -0.5 : f32[]
        %0 = neg(%input) : f32[1,10,30,30]
        %1 = greater(%0, %c0) : bool[1,10,30,30]
        return %1""",
    "cast_that_truncates": """
        %0 = sigmoid(%input) : f32[1,10,30,30]
        %1 = cast(%0) {to='int32'} : i32[1,10,30,30]
        return %1""",
    "relu_read_by_an_add": """
        %c0 = constant -1.0 : f32[]
        %0 = add(%input, %c0) : f32[1,10,30,30]
        %c1 = constant 0.5 : f32[]
        %1 = relu(%0) : f32[1,10,30,30]
        %2 = add(%1, %c1) : f32[1,10,30,30]
        return %2""",
    "bool_cast_of_signed_values": """
        %c0 = constant -0.5 : f32[]
        %c1 = constant -1.0 : f32[]
        %0 = add(%input, %c0) : f32[1,10,30,30]
        %1 = mul(%0, %c1) : f32[1,10,30,30]
        %2 = cast(%1) {to='bool'} : bool[1,10,30,30]
        return %2""",
    "clip_that_moves_zero": """
        %0 = clip(%input) {min=0.5} : f32[1,10,30,30]
        return %0""",
    "tiny_scale_of_small_values": """
        %c0 = constant 1e-30 : f32[]
        %c1 = constant 1e-20 : f32[]
        %0 = mul(%input, %c1) : f32[1,10,30,30]
        %1 = mul(%0, %c0) : f32[1,10,30,30]
        return %1""",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused(name):
    g = _graph(REFUSED[name])
    out, changed = sign_rewrites(g.clone())
    assert not changed and print_graph(out) == print_graph(g)
