"""compile_imported tries the imported model's own opset too: a network written for opset 12
reads ReduceMax's axes from an attribute there, where opset 24 wants an initializer."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h

from trmgolf.compiler.driver import static_cost
from trmgolf.compiler.optimize import compile_imported
from trmgolf.scoring.answers import run_examples

IO = [1, 10, 30, 30]


def _model(opset: int) -> onnx.ModelProto:
    nodes = [h.make_node("ReduceMax", ["input"], ["row_max"], axes=[3], keepdims=1),
             h.make_node("Sub", ["input", "row_max"], ["output"])]
    graph = h.make_graph(nodes, "g", [h.make_tensor_value_info("input", T.FLOAT, IO)],
                         [h.make_tensor_value_info("output", T.FLOAT, IO)])
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], ir_version=8)


def test_an_old_opset_network_costs_no_more_once_recompiled() -> None:
    model = _model(12)
    compiled = compile_imported(model).model
    assert static_cost(compiled) == static_cost(model)  # at opset 24: one axes parameter more
    assert compiled.opset_import[0].version == 12 and not compiled.graph.initializer
    grids = [np.random.default_rng(s).random(IO).astype(np.float32) for s in range(2)]
    for got, want in zip(run_examples(compiled, grids), run_examples(model, grids), strict=True):
        np.testing.assert_array_equal(got, want)


def test_the_target_opset_wins_ties() -> None:
    assert compile_imported(_model(18)).model.opset_import[0].version == 24
