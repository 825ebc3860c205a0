"""The pipeline: passes run in rounds to a fixpoint; a compile's stages show the graph after a
named pass."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from golden_support import check_pass

from trmgolf.compiler import pipeline
from trmgolf.compiler.driver import compile_graph
from trmgolf.compiler.passes.result import PassResult
from trmgolf.errors import UserError
from trmgolf.ir import Builder, Graph, print_graph


def _wasteful() -> Graph:
    b = Builder()
    w = b.op("mul", b.const(np.full((1, 10, 1, 1), 2.0, np.float32)), 1.0)  # folds, then simplifies
    a = b.op("mul", b.input, w)
    a2 = b.op("mul", b.input, b.const(np.full((1, 10, 1, 1), 2.0, np.float32)))  # dedupe, then cse
    t = b.op("transpose", b.op("transpose", a, perm=(0, 1, 3, 2)), perm=(0, 1, 3, 2))
    b.op("exp", a)  # dead
    # a Sigmoid at the output keeps the sign rewrites out: this is about rounds, not signs
    return b.finish(b.op("sigmoid", b.op("add", b.op("identity", t), a2)))


def _optimize(graph: Graph) -> PassResult:
    out = pipeline.optimize(graph)
    return PassResult(out, print_graph(out) != print_graph(graph))


def test_optimize_reaches_a_fixpoint():
    out = check_pass(_wasteful(), _optimize, "passes/pipeline.txt")
    assert [n.op for n in out.nodes] == ["constant", "mul", "add", "sigmoid"]
    assert print_graph(pipeline.optimize(out)) == print_graph(out)


def test_stages_leave_the_input_alone_and_stop_at_the_fixpoint():
    g = _wasteful()
    text = print_graph(g)
    names = [name for name, _ in pipeline.stages(g)]
    assert print_graph(g) == text
    per_round = pipeline.pass_names()
    assert len(names) % len(per_round) == 0 and len(names) < pipeline.MAX_ROUNDS * len(per_round)
    assert names[: len(per_round)] == per_round


def test_stages_stop_after_max_rounds_with_a_warning(monkeypatch):
    """A pass that never settles cannot loop forever, and the stop is not silent."""
    calls = []

    def churn(g: Graph) -> PassResult:
        calls.append(1)
        b = Builder()
        return PassResult(b.finish(b.op("add", b.input, float(len(calls)))), True)

    monkeypatch.setattr(pipeline, "MAX_ROUNDS", 3)
    with pytest.warns(pipeline.PipelineNotSettled, match="after 3 rounds"):
        assert len(list(pipeline.stages(_wasteful(), [("churn", churn)]))) == 3


def test_stages_stop_on_the_first_round_where_no_pass_changed_anything():
    """The stop follows the passes' own flags: a pass that says 'unchanged' ends it."""
    rounds = []

    def settles_in_two(g: Graph) -> PassResult:
        rounds.append(1)
        return PassResult(g, len(rounds) < 2)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        names = [name for name, _ in pipeline.stages(_wasteful(), [("a", settles_in_two)])]
    assert names == ["a", "a"]


def test_a_stage_is_the_graph_after_the_first_run_of_its_pass():
    compiled = compile_graph(_wasteful())
    folded = compiled.after("fold_constants")
    assert [n.op for n in folded.nodes].count("transpose") == 2
    assert "exp" in [n.op for n in compiled.after("cse").nodes]
    assert "exp" not in [n.op for n in compiled.after("dce").nodes]


def test_an_unknown_stage_is_a_user_error():
    with pytest.raises(UserError, match="no stage 'nope'"):
        compile_graph(_wasteful()).after("nope")


def test_stage_copies_are_snapshots_taken_only_when_a_pass_changed_the_graph():
    recorded = list(pipeline.stages(_wasteful(), copies=True))
    first_fold = next(g for name, g in recorded if name == "fold_constants")
    assert [n.op for n in first_fold.nodes].count("transpose") == 2  # not edited by later passes
    assert [n.op for n in recorded[-1][1].nodes].count("transpose") == 0
    last_round = recorded[-len(pipeline.PIPELINE):]  # the round in which nothing changed
    assert all(g is last_round[0][1] for _, g in last_round)
