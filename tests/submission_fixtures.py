"""Two small synthetic submissions over three synthetic tasks, for cost / diff / merge / report.

Tasks: task001 swaps colours 1 and 2; task002 and task003 are the identity.
A (a zip): task001 = a 1x1 Conv swap (100 params), task002 = Identity (exact, free).
B (a folder): task001 = a Gather swap (10 params: cheaper), task002 = a wrong colour map,
task003 = Identity (only B has it).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import helper as h
from onnx import numpy_helper as nh
from onnx_factories import color_map, identity, make, swap_task

SWAP = {1: 2, 2: 1}


def gather_swap() -> onnx.ModelProto:
    """Colours 1 <-> 2 by one Gather over the channel axis: 10 params, no intermediate."""
    idx = np.array([0, 2, 1, 3, 4, 5, 6, 7, 8, 9], np.int64)
    return make([h.make_node("Gather", ["input", "idx"], ["output"], axis=1)], [nh.from_array(idx, "idx")])


def identity_task() -> dict:
    rng = np.random.default_rng(1)
    grids = [rng.integers(0, 10, (3, 4)).tolist() for _ in range(6)]
    pairs = [{"input": g, "output": g} for g in grids]
    return {"train": pairs[:3], "test": pairs[3:4], "arc-gen": pairs[4:]}


@dataclass
class Subs:
    data: Path
    a: Path
    b: Path
    a_nets: dict[str, bytes]
    b_nets: dict[str, bytes]


def make_subs(tmp: Path) -> Subs:
    data = tmp / "data"
    data.mkdir()
    swap_task(data, "task001")
    for name in ("task002", "task003"):
        (data / f"{name}.json").write_text(json.dumps(identity_task()))
    a_nets = {"task001.onnx": color_map(SWAP).SerializeToString(),
              "task002.onnx": identity().SerializeToString()}
    b_nets = {"task001.onnx": gather_swap().SerializeToString(),
              "task002.onnx": color_map({1: 2}).SerializeToString(),
              "task003.onnx": identity().SerializeToString()}
    a = tmp / "a.zip"
    with zipfile.ZipFile(a, "w") as zf:
        for name, blob in a_nets.items():
            zf.writestr(name, blob)
    b = tmp / "b"
    b.mkdir()
    for name, blob in b_nets.items():
        (b / name).write_bytes(blob)
    return Subs(data, a, b, a_nets, b_nets)
