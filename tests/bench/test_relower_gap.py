"""bench/relower_gap.py: the cause label of a costlier recompile, and the table's totals."""

from __future__ import annotations

from pathlib import Path

from onnx import TensorProto as T
from onnx import helper as h

from bench import relower_gap
from bench.relower_gap import Gap


def _model(ops: list[str]):
    nodes = [h.make_node(op, ["input"], [f"t{k}"]) for k, op in enumerate(ops)]
    graph = h.make_graph(nodes, "g", [h.make_tensor_value_info("input", T.FLOAT, [1])],
                         [h.make_tensor_value_info("t0", T.FLOAT, [1])])
    return h.make_model(graph)


def test_the_cause_names_carried_ops_changed_op_types_and_what_grew() -> None:
    label = relower_gap.cause(_model(["Relu", "Unsqueeze"]), _model(["Relu", "Reshape", "Cast"]), 2, 1, 0)
    assert label == "carried; +Cast +Reshape -Unsqueeze; params"
    assert relower_gap.cause(_model(["Relu"]), _model(["Relu"]), 0, 0, 4) == "memory"


def test_the_summary_counts_costlier_networks_and_groups_their_excess() -> None:
    gaps = [Gap(1, 100, 102, 5, 7, 0, "params"), Gap(2, 50, 53, 5, 8, 0, "params"),
            Gap(3, 80, 70, 5, 5, 0, "none"), Gap(4, 10, 10, 1, 1, 0, "none")]
    s = relower_gap.summary(gaps)
    assert (s["networks"], s["costlier"], s["excess"], s["cheaper"]) == (4, 2, 5, 1)
    assert s["by_cause"] == {"params": {"networks": 2, "excess": 5, "tasks": [2, 1]}}


def test_an_empty_folder_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    assert relower_gap.main(["--folder", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"no taskNNN.onnx in {tmp_path}"
