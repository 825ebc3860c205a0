"""The verifier on synthetic tasks and one real NeuroGolf task."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto as T
from onnx import helper as h
from onnx_factories import color_map, identity, make, swap_task
from task_data import neurogolf_dir

from trmgolf.errors import UserError
from trmgolf.scoring import answers as verifier
from trmgolf.scoring.answers import run_examples, verify
from trmgolf.tasks import grid_to_onehot

REAL = neurogolf_dir() or Path("absent")
SWAP = {1: 2, 2: 1}


def test_passing_network(tmp_path):
    r = verify(color_map(SWAP), str(swap_task(tmp_path)))
    assert r.passed and r.validity.valid
    assert {k: (v.passed, v.failed) for k, v in r.splits.items()} == {
        "train": (2, 0),
        "test": (1, 0),
        "arc-gen": (3, 0),
    }
    assert (r.cost.memory, r.cost.params) == (0, 100)
    assert r.points == pytest.approx(25 - math.log(100))
    assert r.threads_checked == [1, 4] and not r.thread_mismatch
    assert r.first_failure is None


def test_failing_network_side_by_side(tmp_path):
    r = verify(color_map({1: 2}), str(swap_task(tmp_path)))
    assert not r.passed and r.points is None
    assert r.total.failed > 0
    f = r.first_failure
    assert f.actual is not None and f.actual != f.expected
    text = f.render()
    assert text.splitlines()[0].startswith("first failure: train[0]")
    assert "expected" in text and "actual" in text and " ! " in text
    d = r.to_dict()
    assert d["points"] is None and d["first_failure"]["expected"] == f.expected


def test_not_clean_one_hot_is_shown_as_a_mask(tmp_path):
    r = verify(identity(), str(swap_task(tmp_path)))  # wrong colours, but clean
    assert r.first_failure.actual is not None
    both = make(
        [h.make_node("Relu", ["input"], ["a"]), h.make_node("Add", ["a", "one"], ["output"])],
        [h.make_tensor("one", T.FLOAT, [], [1.0])],
    )  # every channel on everywhere
    r = verify(both, str(swap_task(tmp_path)))
    f = r.first_failure
    assert f.actual is None and f.mask is not None
    assert "not a clean one-hot grid" in f.render() and "#" in f.render()


def test_extra_examples_and_errors(tmp_path):
    task = swap_task(tmp_path)
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps([{"input": [[1, 2]], "output": [[2, 2]]}]))
    r = verify(color_map(SWAP), str(task), [extra], threads_check=False)
    assert (r.splits["extra"].passed, r.splits["extra"].failed) == (0, 1)
    assert r.first_failure.split == "extra" and not r.passed
    with pytest.raises(UserError):
        verify(color_map(SWAP), str(task), [tmp_path / "missing.json"])
    with pytest.raises(UserError):
        verify(color_map(SWAP), str(tmp_path / "nope.json"))


def test_invalid_model_never_scores(tmp_path):
    m = color_map(SWAP)
    m.graph.value_info.append(h.make_tensor_sequence_value_info("s", T.FLOAT, [2]))
    r = verify(m, str(swap_task(tmp_path)), threads_check=False)
    assert r.passed  # every answer is right ...
    assert not r.validity.valid and r.validity.rule == "sequence_type"
    assert r.points is None and r.cost is None  # ... but it never scores


def test_unloadable_model_fails_every_example(tmp_path):
    m = make(
        [
            h.make_node("Cast", ["input"], ["b"], to=T.BFLOAT16),
            h.make_node("Add", ["b", "b"], ["c"]),
            h.make_node("Cast", ["c"], ["output"], to=T.FLOAT),
        ]
    )
    r = verify(m, str(swap_task(tmp_path)), threads_check=False)
    assert r.total.passed == 0 and r.total.failed == 6 and r.validity.rule == "ort_load"
    assert "onnxruntime error" in r.first_failure.render()


def test_thread_mismatch_is_flagged(tmp_path, monkeypatch):
    real = verifier._run_or_errors

    def flaky(data, inputs, threads):
        out = real(data, inputs, threads)
        if threads == 4:
            out[2] = out[2].copy()
            out[2][0, 0, 0, :3] = 1.0 - out[2][0, 0, 0, :3]
        return out

    monkeypatch.setattr(verifier, "_run_or_errors", flaky)
    r = verify(color_map(SWAP), str(swap_task(tmp_path)))
    assert r.passed
    [m] = r.thread_mismatch
    assert (m.threads, m.split, m.index, m.cells) == (4, "test", 0, 3)
    assert r.to_dict()["thread_check"]["consistent"] is False


def test_run_examples_gives_raw_outputs():
    xs = [grid_to_onehot([[1, 2], [3, 0]]), grid_to_onehot([[5]])]
    outs = run_examples(color_map(SWAP), xs, threads=1)
    assert [o.shape for o in outs] == [(1, 10, 30, 30)] * 2
    assert outs[0][0, 2, 0, 0] == 1.0 and outs[0][0, 1, 0, 1] == 1.0
    with pytest.raises(RuntimeError, match="onnxruntime"):
        run_examples(color_map(SWAP), [np.zeros((1, 10, 29, 29), np.float32)])


@pytest.mark.skipif(not (REAL / "task016.json").is_file(), reason="NeuroGolf data absent")
def test_real_task_016_colour_map():
    mapping = {3: 4, 1: 5, 2: 6, 8: 9, 5: 1, 6: 2, 9: 8, 4: 3}
    start = time.perf_counter()
    r = verify(color_map(mapping), "16", data=REAL)
    elapsed = time.perf_counter() - start
    assert r.passed and r.total.passed == 267
    assert r.points == pytest.approx(25 - math.log(100))
    assert not r.thread_mismatch
    assert elapsed < 20
