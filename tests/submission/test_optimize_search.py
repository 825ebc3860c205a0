"""`trmgolf optimize SUBMISSION --search / --solve`: a network that solves its task proves the
rule, so the structure search and the solvers may replace it with a cheaper one, gated on the
held-out half; never worse, per task."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import onnx
import pytest
from click.testing import CliRunner
from onnx import helper as h
from onnx import numpy_helper as nh
from onnx_factories import make, swap_task, write_task

from trmgolf.cli import cli


def carried_colour_map(mapping: dict[int, int]) -> onnx.ModelProto:
    """A 1x1 Conv colour map followed by a Shrink the IR carries untouched: exact, but it stores
    a [1,10,30,30] float intermediate that the passes cannot remove (36,000 bytes)."""
    w = np.zeros((10, 10, 1, 1), np.float32)
    for c in range(10):
        w[mapping.get(c, c), c, 0, 0] = 1.0
    return make([h.make_node("Conv", ["input", "W"], ["c"]),
                 h.make_node("Shrink", ["c"], ["output"], lambd=0.5)], [nh.from_array(w, "W")])


def _submission(tmp_path, model: onnx.ModelProto):
    sub = tmp_path / "sub.zip"
    with zipfile.ZipFile(sub, "w") as zf:
        zf.writestr("task001.onnx", model.SerializeToString())
    return sub


def _optimize(sub, out, data, *flags):
    res = CliRunner().invoke(cli, ["optimize", str(sub), "-o", str(out), "--data", str(data), "--jobs", "1",
                                   "--json", *flags])
    assert res.exit_code == 0, res.output
    return {r["task"]: r for r in json.loads(res.output)["tasks"]}


def _replaced(tmp_path, flag: str) -> dict:
    data = tmp_path / "data"
    data.mkdir()
    swap_task(data, "task001")
    sub = _submission(tmp_path, carried_colour_map({1: 2, 2: 1}))
    row = _optimize(sub, tmp_path / "out.zip", data, flag)["task001"]
    with zipfile.ZipFile(tmp_path / "out.zip") as zf:
        net = onnx.load_from_string(zf.read("task001.onnx"))
    assert "Shrink" not in {n.op_type for n in net.graph.node}
    assert row["solves"] is True and row["before_points"] < 15 and row["after_points"] > 20, row
    return row


def test_search_replaces_a_costly_exact_network(tmp_path) -> None:
    assert _replaced(tmp_path, "--search")["kept"].startswith("search:")


@pytest.mark.slow  # every solver on the task; the search test covers the same replacement path
def test_solvers_replace_a_costly_exact_network(tmp_path) -> None:
    assert _replaced(tmp_path, "--solve")["kept"].startswith("solver:")


def test_a_candidate_that_fails_the_held_out_half_is_refused(tmp_path) -> None:
    """Colour 3 appears only in a held-out example (test): a network fitted on the fit half
    cannot know that 3 becomes 4, so the gate refuses it and the original stays. With the same
    fit half and a held-out half without colour 3, the same search does replace it."""
    rule = {1: 2, 2: 1, 3: 4}

    def pair(grid):
        return grid, [[rule.get(v, v) for v in row] for row in grid]

    fit = [pair([[0, 1, 2], [4, 1, 0]]), pair([[2, 2, 4], [1, 0, 0]])]
    arc_gen = [pair([[1, 4]]), pair([[0, 4, 1]])]
    sub = _submission(tmp_path, carried_colour_map(rule))
    kept = {}
    for name, test in (("unseen", [[3, 1], [2, 4]]), ("seen", [[4, 1], [2, 0]])):
        data = tmp_path / name
        data.mkdir()
        write_task(data, "task001", {"train": fit, "test": [pair(test)], "arc-gen": arc_gen})
        row = _optimize(sub, tmp_path / f"{name}.zip", data, "--search", "--search-work", "400")["task001"]
        assert row["solves"] is True, row
        kept[name] = row["kept"]
    assert not kept["unseen"].startswith("search:") and kept["seen"].startswith("search:")


def test_search_is_refused_for_a_single_network(tmp_path) -> None:
    path = tmp_path / "one.onnx"
    onnx.save(carried_colour_map({1: 2}), path)
    res = CliRunner().invoke(cli, ["optimize", str(path), "-o", str(tmp_path / "o.onnx"), "--search"])
    assert res.exit_code == 1 and "work on a submission" in res.output
