"""The cost kernel selection predicts is the cost the grader replica measures.

Selection never runs a model: it prices each lowering from the temporaries it declares
(``ctx.tmp`` with an IR type) and the initializers it reads. For every op x lowering case
of ``test_emit_ops``, the predictions of all nodes (``Choice.extra_cost``) plus what every
lowering of a node pays alike (its own outputs, unless it writes ``output``) must equal
what ``trmgolf.scoring.cost`` measures on the emitted model: the strict-shape-inferred and
profiled memory, the params and, under the legacy model, the MACs. A mismatch means a
lowering declared a temporary with the wrong type (or emitted one it did not declare).
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from test_emit_ops import OPSETS, PARAMS, build_case

from trmgolf.compiler import targets
from trmgolf.compiler.emit import emit
from trmgolf.frontend.compile import compile_checkpoint
from trmgolf.ir import Graph
from trmgolf.kernels import LOWERINGS
from trmgolf.scoring.cost_model import LEGACY, OFFICIAL
from trmgolf.scoring.official import cost_of_view, measure
from trmgolf.scoring.profile import profiled_run
from trmgolf.scoring.validity import inspect
from trmgolf.trainer import TRMConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.checkpoints import make_checkpoint  # noqa: E402


@pytest.fixture(autouse=True)
def _test_opsets(monkeypatch):
    for name in ("test_opset12", "test_opset10"):
        monkeypatch.setitem(targets.TARGETS, name,
                            targets.Target(name, OPSETS[name], "onnxruntime", "test only"))


def common_bytes(graph: Graph) -> int:
    """Bytes of the IR values the lowered nodes write, but for the free ``output``."""
    return sum(v.type.nbytes for n in graph.nodes if n.op != "constant"
               for v in n.outputs if v is not graph.output)


def _every_opset():
    """``test_emit_ops``'s cases at EVERY opset where the lowering is available (not only the
    first): some lowerings emit different nodes per opset (Swish, axes as input)."""
    out = []
    for p in PARAMS:
        op, lowering, case, _ = p.values
        if op == "constant":  # a constant output has no node to lower: nothing is predicted
            continue
        nodes = [n for n in build_case(case).nodes if n.op == op]
        alt = next(a for a in LOWERINGS[op] if a.name == lowering)
        for target, opset in OPSETS.items():
            if all(alt.available(n, opset) for n in nodes):
                out.append(pytest.param(op, lowering, case, target, id=f"{op}-{lowering}-{case.id}-{target}"))
    return out


LOWERED = _every_opset()


@pytest.mark.parametrize(("op", "lowering", "case", "target"), LOWERED)
def test_predicted_extra_cost_is_measured_cost(op, lowering, case, target):
    graph = build_case(case)
    forced = {op: lowering} if lowering else None
    x = case.sample(np.random.default_rng(zlib.crc32(case.id.encode())))
    for cost_model in (OFFICIAL, LEGACY):
        emitted = emit(graph, target, forced, cost_model, grid_output=False)
        _, view = inspect(emitted.model, runtime=False)
        assert view is not None and view.inferred is not None, "strict shape inference failed"
        _, events = profiled_run(view.model_bytes, [x])
        measured = cost_of_view(view, events, cost_model=cost_model)
        predicted = sum(c.extra_cost for c in emitted.choices)
        got = cost_model.total(measured.memory, measured.params, measured.macs)
        assert predicted + common_bytes(graph) == got, (
            f"{cost_model}: predicted {[(c.node, c.lowering, c.extra_cost) for c in emitted.choices]} "
            f"+ outputs {common_bytes(graph)} != measured {got} (memory {measured.memory}, "
            f"params {measured.params}, macs {measured.macs}); tensors "
            f"{[(t.name, t.dtype, t.shape) for t in measured.tensors]}")


TRMS = {
    "attention": TRMConfig(hidden=16, heads=2, expansion=2.0, intermediate=24, layers=2, H_cycles=2,
                           L_cycles=2, puzzle_emb_len=3, canvas_h=5, canvas_w=4, mixer="attention",
                           sup_steps=2),
    "conv": TRMConfig(hidden=16, heads=1, expansion=2.0, intermediate=24, layers=1, H_cycles=2, L_cycles=3,
                      puzzle_emb_len=0, canvas_h=6, canvas_w=6, mixer="conv", sup_steps=1),
}


@pytest.mark.parametrize(("mixer", "target", "forced"), [
    pytest.param("attention", "ng2026", {}, marks=pytest.mark.slow),
    pytest.param("attention", "ng2026", {"attention": "fused_rotary", "swiglu": "gru_silu"},
                 marks=pytest.mark.slow),
    pytest.param("attention", "opset17", {"attention": "decomposed", "rms_norm": "decomposed"},
                 marks=pytest.mark.slow),
    ("conv", "ng2026", {}),
])
def test_predicted_cost_of_a_whole_trm(tmp_path, mixer, target, forced):
    """A compiled TRM (float16 where narrowing allows, RoPE tables and weights shared by many
    nodes): the predictions, summed over its nodes, are the model's measured cost."""
    ckpt = tmp_path / "trm.pt"
    make_checkpoint(ckpt, TRMS[mixer], seed=3)
    compiled = compile_checkpoint(ckpt, "task001", verify=False, target=target, forced=forced)
    assert compiled.precision.startswith("float16")  # the narrowed graph, not the float32 one
    validity, measured = measure(compiled.data)
    assert validity.valid and measured is not None
    predicted = sum(c.extra_cost for c in compiled.emitted.choices)
    assert predicted + common_bytes(compiled.graph) == measured.memory + measured.params
