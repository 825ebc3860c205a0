"""compile_graph: the one compile path records the stages of the candidate it writes, and the
last stage emitted again gives exactly the written bytes (for every caller: policy, optimize)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from click.testing import CliRunner

from trmgolf.cli import cli
from trmgolf.compiler.driver import (
    FINAL_STAGE,
    NARROW_STAGE,
    OPTIONAL_PASSES,
    Candidate,
    Level,
    compile_graph,
    stage_names,
    static_cost,
)
from trmgolf.compiler.optimize import optimize_model
from trmgolf.compiler.pipeline import PIPELINE
from trmgolf.errors import UserError
from trmgolf.examples import EXAMPLES
from trmgolf.ir import Builder, Graph, print_graph


def _graph() -> Graph:
    """Enough float work after the ``keep`` region that keeping it float32 (and casting
    around it) still costs fewer bytes than float32 everywhere."""
    b = Builder()
    w = b.const(np.linspace(-1, 1, 10 * 10, dtype=np.float32).reshape(10, 10))
    h = b.op("einsum", b.input, w, equation="bchw,cd->bdhw")
    with b.region("keep"):
        # folds, then simplifies; per channel, so ``distribute`` leaves it outside the einsum
        h = b.op("mul", h, b.op("mul", b.const(np.full((1, 10, 1, 1), 2.0, np.float32)), 1.0))
    h = b.op("relu", b.op("add", h, b.input))
    h = b.op("neg", b.op("sub", b.op("mul", h, h), b.input))
    return b.finish(b.op("relu", h))


def _reemitted(graph: Graph, **options) -> bytes:
    """The bytes of ``graph`` as is: the same entry point with no passes to run."""
    return compile_graph(graph, pipeline=[], **options).data


class RefuseFirst:
    """Narrow everything, or all but the ``keep`` region; refuse the first candidate tried."""

    def __init__(self) -> None:
        self.tried: list[str] = []

    def levels(self, graph: Graph) -> list[Level]:
        return [Level("all float16", lambda n: False),
                Level("keep in float32", lambda n: n.region == "keep"),
                Level("float32", None)]

    def check(self, candidate: Candidate) -> str | None:
        self.tried.append(candidate.level.label)
        return "too cheap to be true" if len(self.tried) == 1 else None

    def refusal(self) -> UserError:
        return UserError("all refused")


def test_without_narrowing_the_stages_are_the_input_then_each_pass():
    g = _graph()
    c = compile_graph(g)
    names = [name for name, _ in c.stages]
    assert c.stages[0] == ("input", g) and names[1:8] == stage_names()[1:8]
    assert NARROW_STAGE not in names and c.precision == "float32" and c.rejected == []
    assert c.after(FINAL_STAGE) is c.graph is c.stages[-1][1]
    assert [n.op for n in g.nodes].count("mul") == 3 and [n.op for n in c.graph.nodes].count("mul") == 2
    assert _reemitted(c.graph) == c.data == c.emitted.to_bytes()


def test_the_recorded_stages_are_those_of_the_accepted_candidate():
    policy = RefuseFirst()
    c = compile_graph(_graph(), narrowing=policy)
    # Tried from the fewest bytes up: all float16 first (refused), then the kept region.
    assert policy.tried == ["all float16", "keep in float32"]
    assert c.precision == "keep in float32" and c.rejected == ["all float16: too cheap to be true"]
    narrowed = c.after(NARROW_STAGE)
    kept = [n for n in narrowed.nodes if n.region == "keep" and n.op == "mul"]
    assert kept and all(v.type.dtype == "float32" for n in kept for v in n.outputs)
    assert any(v.type.dtype == "float16" for n in narrowed.nodes for v in n.outputs)
    assert [name for name, _ in c.stages][-1] == "dce@narrowed"
    assert _reemitted(c.graph) == c.data


def test_every_candidate_refused_raises_the_policy_refusal():
    class RefuseAll(RefuseFirst):
        def check(self, candidate: Candidate) -> str | None:
            return "no"

    with pytest.raises(UserError, match="all refused"):
        compile_graph(_graph(), narrowing=RefuseAll())


def test_an_unknown_stage_lists_the_stages_of_this_compile():
    c = compile_graph(_graph())
    with pytest.raises(UserError, match=r"no stage 'narrow_dtypes' .*precision float32; stages: input, "):
        c.after(NARROW_STAGE)


@pytest.mark.parametrize("cost_model", ["official", "legacy"])
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_optimize_writes_the_emission_of_its_last_stage(name, cost_model):
    build, _ = EXAMPLES[name]
    result = optimize_model(build(), name, cost_model=cost_model, target="opset17")
    assert result.compilation.stages[0][0] == "import"
    assert result.data == _reemitted(result.compilation.graph, cost_model=cost_model, target="opset17")
    assert onnx.ModelProto.FromString(result.data) == result.model


def test_optimize_dump_after_final_is_ir_after_final(tmp_path):
    build, _ = EXAMPLES["rotate180"]
    src = tmp_path / "in.onnx"
    onnx.save(build(), src)
    runner = CliRunner()
    dumped = runner.invoke(cli, ["optimize", str(src), "-o", str(tmp_path / "o.onnx"), "--json",
                                 "--dump-after", "final"])
    shown = runner.invoke(cli, ["ir", str(src), "--after", "final"])
    assert dumped.exit_code == 0 and shown.exit_code == 0, dumped.output + shown.output
    assert dumped.output.startswith(shown.output) and "transpose" not in shown.output.lower()
    optimised = optimize_model(build(), "rotate180")
    assert shown.output == print_graph(optimised.compilation.graph)
    assert (tmp_path / "o.onnx").read_bytes() == optimised.data


def test_optimize_refuses_a_misspelt_stage_before_writing(tmp_path):
    build, _ = EXAMPLES["rotate180"]
    src, dst = tmp_path / "in.onnx", tmp_path / "o.onnx"
    onnx.save(build(), src)
    res = CliRunner().invoke(cli, ["optimize", str(src), "-o", str(dst), "--dump-after", "dcee"])
    assert res.exit_code != 0 and "unknown stage 'dcee'" in res.output and not dst.exists()


def _rotation(transposed: bool) -> Graph:
    """A 180-degree turn by two reversal MatMuls, of the transposed grid or of the grid."""
    b = Builder()
    j = b.const(np.eye(30, dtype=np.float32)[::-1].copy())
    y = b.op("transpose", b.input, perm=(0, 1, 3, 2)) if transposed else b.input
    return b.finish(b.op("matmul", b.op("matmul", j, y), j))


def _pipeline_cost(graph: Graph, pipeline) -> int:
    from trmgolf.compiler.emit import emit
    from trmgolf.compiler.pipeline import optimize

    return static_cost(emit(optimize(graph, pipeline)).model)


@pytest.mark.parametrize("transposed, gathers", [(True, False), (False, True)])
def test_an_optional_pass_is_kept_only_where_it_is_cheaper(transposed, gathers):
    """channel_gather turns the reversals into Gathers: that saves the 900 params of the
    reversal, but with a transpose in the way the Gathers and a Transpose write three tensors
    where one Einsum writes one; the compile keeps whichever network costs less."""
    graph = _rotation(transposed)
    full = _pipeline_cost(graph, PIPELINE)
    reduced = _pipeline_cost(graph, [(n, p) for n, p in PIPELINE if n not in OPTIONAL_PASSES])
    assert (full < reduced) == gathers and full != reduced
    compiled = compile_graph(graph)
    assert static_cost(compiled.model) == min(full, reduced)
    assert ("channel_gather" in compiled.stage_names()) == gathers
    assert any(n.op_type == "Gather" for n in compiled.model.graph.node) == gathers
    assert compiled.data == _reemitted(compiled.graph)  # the dump's last stage is the written network
