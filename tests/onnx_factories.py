"""Tiny hand-made ONNX models and task files for the scoring tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

IO = [1, 10, 30, 30]


def io_infos() -> tuple[onnx.ValueInfoProto, onnx.ValueInfoProto]:
    return h.make_tensor_value_info("input", T.FLOAT, IO), h.make_tensor_value_info("output", T.FLOAT, IO)


def make(nodes, inits=(), value_info=(), opset: int = 17, inputs=None, outputs=None, **kw):
    x, y = io_infos()
    graph = h.make_graph(
        list(nodes),
        "g",
        list(inputs if inputs is not None else [x]),
        list(outputs if outputs is not None else [y]),
        list(inits),
        value_info=list(value_info),
        **kw,
    )
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], ir_version=10)


def identity() -> onnx.ModelProto:
    return make([h.make_node("Identity", ["input"], ["output"])])


def relu_neg() -> onnx.ModelProto:
    """input -> Relu -> r -> Neg -> output: one float [1,10,30,30] intermediate."""
    return make([h.make_node("Relu", ["input"], ["r"]), h.make_node("Identity", ["r"], ["output"])])


def color_map(mapping: dict[int, int]) -> onnx.ModelProto:
    """Recolour by a 1x1 Conv whose weight is the permutation matrix (100 params)."""
    w = np.zeros((10, 10, 1, 1), np.float32)
    for c in range(10):
        w[mapping.get(c, c), c, 0, 0] = 1.0
    return make([h.make_node("Conv", ["input", "W"], ["output"])], [nh.from_array(w, "W")])


def write_task(folder: Path, name: str, pairs: dict[str, list[tuple[list, list]]]) -> Path:
    data = {s: [{"input": i, "output": o} for i, o in p] for s, p in pairs.items()}
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data))
    return path


def swap_task(folder: Path, name: str = "task901") -> Path:
    """A colour-swap task (1 <-> 2), a few examples per split."""
    rng = np.random.RandomState(0)

    def pair(h_: int, w_: int) -> tuple[list, list]:
        g = rng.randint(0, 4, size=(h_, w_))
        out = g.copy()
        out[g == 1], out[g == 2] = 2, 1
        return g.tolist(), out.tolist()

    return write_task(
        folder,
        name,
        {
            "train": [pair(3, 4), pair(5, 5)],
            "test": [pair(2, 7)],
            "arc-gen": [pair(30, 30), pair(1, 1), pair(10, 3)],
        },
    )
