"""A Transpose wrapped in layers that change nothing (issue 24): the task179 chain, the three
other wrappings of the issue, and one of each layer of the fuzzer (tests/wasteful_fuzz.py)
all optimise to one Transpose of ``input`` (25 points). Golden dumps of the whole pipeline:
tests/golden/passes/wrapped_transpose/; checked up to ``output > 0`` on one-hot grids."""

from __future__ import annotations

import textwrap

import pytest
import wasteful_fuzz as wf
from onehot_support import check_domain_pass

from trmgolf.compiler import pipeline
from trmgolf.compiler.importer import import_model
from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir import Graph, parse, print_graph

HEAD = "graph(%input: f32[1,10,30,30]) {\n"

ISSUE = {
    "task179_chain": """
        %c0 = constant 2.0 : f64[]
        %c1 = constant 0.0 : f32[]
        %0 = cast(%input) {to='float64'} : f64[1,10,30,30]
        %1 = mul(%0, %c0) : f64[1,10,30,30]
        %2 = cast(%1) {to='float16'} : f16[1,10,30,30]
        %3 = transpose(%2) {perm=[0,1,3,2]} : f16[1,10,30,30]
        %4 = cast(%3) {to='float32'} : f32[1,10,30,30]
        %5 = greater(%4, %c1) : bool[1,10,30,30]
        %6 = cast(%5) {to='float32'} : f32[1,10,30,30]
        return %6""",
    "negation_under_flipped_comparison": """
        %c0 = constant 0.0 : f32[]
        %0 = transpose(%input) {perm=[0,1,3,2]} : f32[1,10,30,30]
        %1 = neg(%0) : f32[1,10,30,30]
        %2 = less(%1, %c0) : bool[1,10,30,30]
        %3 = cast(%2) {to='float32'} : f32[1,10,30,30]
        return %3""",
    "doubled_value_at_output": """
        %0 = transpose(%input) {perm=[0,1,3,2]} : f32[1,10,30,30]
        %1 = add(%0, %0) : f32[1,10,30,30]
        return %1""",
    "pad_undone_by_slice": """
        %0 = pad(%input) {pads=[0,0,2,1,0,0,3,4]} : f32[1,10,35,35]
        %1 = slice(%0) {axes=[2,3], ends=[32,31], starts=[2,1]} : f32[1,10,30,30]
        %2 = transpose(%1) {perm=[0,1,3,2]} : f32[1,10,30,30]
        return %2""",
}

#: (layer, side, seed of the layer's own choices) of tests/wasteful_fuzz.py.
LAYERS = [
    ("cast_round_trip", "in", 0), ("cast_round_trip", "out", 3), ("scale_unscale", "in", 0),
    ("scale_compare", "in", 1), ("scale_compare", "out", 2), ("transpose_pair", "in", 0),
    ("transpose_pair", "out", 1), ("reshape_pair", "out", 0), ("pad_slice", "in", 0), ("pad_slice", "out", 1),
    ("clamp_low", "out", 0), ("clamp_low", "out", 1), ("clamp_low", "in", 2), ("duplicate_halve", "out", 0),
    ("identity_conv", "in", 0), ("identity_conv", "out", 1), ("permutation_matmul", "out", 0),
    ("sign_tail", "out", 0), ("sign_tail", "out", 1), ("compare_cast", "out", 0), ("compare_bool", "out", 0),
]


def _optimize(graph: Graph) -> PassResult:
    out = pipeline.optimize(graph)
    return PassResult(out, print_graph(out) != print_graph(graph))


def _ops(graph: Graph) -> list[str]:
    return [n.op for n in graph.nodes if n.op != "constant"]


@pytest.mark.parametrize("name", sorted(ISSUE))
def test_issue_wrappings_become_one_transpose(name):
    g = parse(HEAD + textwrap.indent(textwrap.dedent(ISSUE[name]).strip(), "  ") + "\n}\n")
    out = check_domain_pass(g, _optimize, f"passes/wrapped_transpose/{name}.txt", up_to_sign=True)
    assert _ops(out) == ["transpose"] and out.output.producer.inputs[0] is out.input


@pytest.mark.parametrize(("layer", "side", "seed"), LAYERS)
def test_each_fuzzer_layer_goes(layer, side, seed):
    wrapped = wf.wrap_one(layer, side, seed=seed)
    g = import_model(wrapped.model)
    golden = f"passes/wrapped_transpose/{side}_{layer}_{seed}.txt"
    out = check_domain_pass(g, _optimize, golden, up_to_sign=True)
    assert _ops(out) == ["transpose"] and out.output.producer.inputs[0] is out.input
