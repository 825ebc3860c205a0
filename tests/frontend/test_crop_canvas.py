"""crop_canvas: the same weights on the task's largest grid; exact against the cropped module."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from golden_support import check_golden

from trmgolf.errors import UserError
from trmgolf.frontend.crop_canvas import crop_canvas
from trmgolf.frontend.trm import build_graph
from trmgolf.ir import print_graph, run
from trmgolf.tasks import Example, Task
from trmgolf.trainer import TRMConfig, load_model

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.checkpoints import make_checkpoint  # noqa: E402

CFG = TRMConfig(hidden=4, heads=1, expansion=1.0, intermediate=4, layers=1, H_cycles=1,
                L_cycles=1, puzzle_emb_len=0, canvas_h=6, canvas_w=6, mixer="conv", sup_steps=1)


def test_crop_canvas_golden_and_exact(tmp_path):
    make_checkpoint(tmp_path / "m.pt", CFG)
    module = load_model(tmp_path / "m.pt")
    task = Task("task001", {"train": [Example([[1, 2, 3]], [[4], [5]])]})
    cropped = crop_canvas(module, task)
    assert (cropped.config.canvas_h, cropped.config.canvas_w) == (2, 3)
    graph = build_graph(cropped)
    check_golden(print_graph(graph), "passes/crop_canvas.txt")
    x = np.zeros((1, 10, 30, 30), np.float32)
    x[0, [1, 2, 3], 0, [0, 1, 2]] = 1
    with torch.no_grad():
        ref = cropped(torch.from_numpy(x)).numpy() > 0
    assert np.array_equal(run(graph, x) > 0, ref)
    big = Task("task001", {"train": [Example([[0] * 7], [[0]])]})
    with pytest.raises(UserError, match="canvas is 6x6"):
        crop_canvas(module, big)
