"""The IR text parser: every printed graph parses back to a graph that prints the same text;
hashed constants come back from a digest mapping, or opaque (verifiable, never evaluated)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from golden_support import GOLDEN

from trmgolf.compiler.emit import emit
from trmgolf.compiler.passes.dedupe_constants import dedupe_constants
from trmgolf.compiler.passes.fold_constants import fold_constants
from trmgolf.ir import GRID_TYPE, print_graph, run
from trmgolf.ir.opaque import OpaqueConstantError
from trmgolf.ir.parser import IRParseError, digests, parse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "emit"))
from test_emit_ops import CASES, build_case  # noqa: E402

GOLDEN_FILES = sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*.txt"))


def graph_blocks(text: str) -> list[str]:
    """The printed graphs in a golden file (between its ``// ...`` comment lines)."""
    blocks, current = [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("graph("):
            current = [line]
        elif current is not None:
            current.append(line)
            if line == "}\n":
                blocks.append("".join(current))
                current = None
    return blocks


@pytest.mark.parametrize("relpath", GOLDEN_FILES)
def test_every_golden_graph_prints_back_the_same(relpath):
    text = (GOLDEN / relpath).read_text()
    blocks = graph_blocks(text)
    assert blocks, f"{relpath} holds no graph"
    rebuilt = text
    for block in blocks:
        again = print_graph(parse(block), signs="  // sign" in block)  # dumps that mark signs
        assert again == block
        rebuilt = rebuilt.replace(block, again)
    assert rebuilt == text


OP_CASES = [(op, case) for op in sorted(CASES) for case in CASES[op]]


@pytest.mark.parametrize(("op", "case"), OP_CASES, ids=[f"{op}-{case.id}" for op, case in OP_CASES])
def test_op_case_round_trips_and_runs_with_its_arrays(op, case):
    graph = build_case(case)
    text = print_graph(graph)
    assert print_graph(parse(text)) == text
    back = parse(text, digests(graph))
    assert print_graph(back) == text
    x = case.sample(np.random.default_rng(0))
    np.testing.assert_array_equal(run(back, x), run(graph, x))


def test_a_graph_stated_as_text():
    graph = parse("""
        graph(%input: f32[1,10,30,30]) {
          %c0 = constant #w : f32[1,10,1,1]
          %c1 = constant [1, -2] : i64[2]
          %0 = mul(%input, %c0) : f32[1,10,30,30]  # scale
          %1 = reshape(%0) {shape=[10,900]} : f32[10,900]
          %2 = slice(%1) {axes=[1], ends=[900], starts=[0]} : f32[10,900]
          %3 = reshape(%2) {shape=[1,10,30,30]} : f32[1,10,30,30]
          return %3
        }
        """, {"w": np.full((1, 10, 1, 1), 2.0, np.float32)})
    assert [n.op for n in graph.nodes] == ["constant", "constant", "mul", "reshape", "slice", "reshape"]
    assert graph.nodes[2].region == "scale" and graph.nodes[1].attrs["value"].tolist() == [1, -2]
    x = np.random.default_rng(1).normal(size=GRID_TYPE.shape).astype(np.float32)
    np.testing.assert_array_equal(run(graph, x), x * 2)


OPAQUE = """graph(%input: f32[1,10,30,30]) {
  %c0 = constant #075c7332 : f32[1,10,1,1]
  %c1 = constant #075c7332 : f32[1,10,1,1]
  %0 = mul(%input, %c0) : f32[1,10,30,30]
  %1 = add(%0, %c1) : f32[1,10,30,30]
  return %1
}
"""


def test_an_unknown_hash_is_an_opaque_constant():
    graph = parse(OPAQUE)
    assert print_graph(graph) == OPAQUE
    merged, changed = dedupe_constants(graph.clone())  # passes that only compare digests work
    assert changed and len(merged.constants()) == 1
    x = np.zeros(GRID_TYPE.shape, np.float32)
    with pytest.raises(OpaqueConstantError, match="#075c7332 is opaque"):
        run(graph, x)
    with pytest.raises(OpaqueConstantError):
        emit(graph)
    with pytest.raises(OpaqueConstantError):
        graph.nodes[0].output.constant  # noqa: B018
    foldable = parse("""
        graph(%input: f32[1,10,30,30]) {
          %c0 = constant #075c7332 : f32[1,10,1,1]
          %0 = neg(%c0) : f32[1,10,1,1]
          %1 = add(%input, %0) : f32[1,10,30,30]
          return %1
        }""")
    with pytest.raises(OpaqueConstantError):
        fold_constants(foldable)


def test_opaque_bytes_keep_their_digest():
    text = (GOLDEN / "ir/foreign.txt").read_text()
    graph = parse(text)
    assert print_graph(graph) == text
    with pytest.raises(OpaqueConstantError):
        run(graph, np.zeros(GRID_TYPE.shape, np.float32))


@pytest.mark.parametrize(("text", "message"), [
    ("graph(%input: f32[2]) {\n  %0 = neg(%1) : f32[2]\n  return %0\n}", "line 2: %1 is not defined"),
    ("graph(%input: f32[2]) {\n  %0 = frob(%input) : f32[2]\n  return %0\n}", "unknown op 'frob'"),
    ("graph(%input: f32[2]) {\n  %0 = neg(%input) : q8[2]\n  return %0\n}", "unknown dtype 'q8'"),
    ("graph(%input: f32[2]) {\n  %0 = neg(%input) : f32[3]\n  return %0\n}", "does not verify"),
    ("graph(%input: f32[2]) {\n  %0 = neg(%input) {x=} : f32[2]\n  return %0\n}", "line 2: expected"),
    ("graph(%input: f32[2]) {\n  %0 = neg(%input) : f32[2]\n  return %0\n", "expected '}'"),
    ("graph(%input: f32[2]) {\n  %c0 = constant #w : f32[3]\n  return %c0\n}", "array #w is float32"),
    ("graph(%input: f32[2]) {\n  %c0 = constant [1.0, x] : f32[2]\n  return %c0\n}", "2 values"),
])
def test_parse_errors_name_the_line(text, message):
    with pytest.raises(IRParseError, match=message):
        parse(text, {"w": np.zeros(2, np.float32)})
