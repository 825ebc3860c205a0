"""Built-in example networks: correct but wasteful, the way generic exporters write them.

They exercise every generic pass (identity chains, multiplications by one, dead
branches, duplicated constants, constant subexpressions, cancelling transposes) and
give the main job something to optimise and score when no checkpoint is at hand.
Each builder returns an ``onnx.ModelProto`` and names the NeuroGolf task it solves.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

#: The colour map of ARC task 0d3d703e (NeuroGolf task016): 1<->5, 2<->6, 3<->4, 8<->9.
TASK016_MAP = {0: 0, 1: 5, 5: 1, 2: 6, 6: 2, 3: 4, 4: 3, 8: 9, 9: 8, 7: 7}


def _model(nodes: list[onnx.NodeProto], inits: dict[str, np.ndarray], opset: int = 17) -> onnx.ModelProto:
    grid = [1, 10, 30, 30]
    graph = helper.make_graph(
        nodes, "wasteful",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, grid)],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, grid)],
        initializer=[numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    return helper.make_model(graph, ir_version=10, opset_imports=[helper.make_opsetid("", opset)])


def colour_map(mapping: dict[int, int] = TASK016_MAP) -> onnx.ModelProto:
    """A colour permutation as NHWC MatMul, written the wasteful way (task016)."""
    perm = np.zeros((10, 10), np.float32)
    for src, dst in mapping.items():
        perm[src, dst] = 1.0
    half = perm / 2
    n = helper.make_node
    nodes = [
        n("Identity", ["input"], ["x0"]),
        n("Identity", ["x0"], ["x1"]),
        n("Mul", ["x1", "one"], ["x2"]),
        n("Add", ["x2", "zero"], ["x3"]),
        n("Transpose", ["x3"], ["t0"], perm=[0, 2, 3, 1]),
        n("Transpose", ["t0"], ["t1"], perm=[0, 3, 1, 2]),   # cancels the one above
        n("Transpose", ["t1"], ["nhwc"], perm=[0, 2, 3, 1]),
        n("Add", ["half_a", "half_b"], ["p_sum"]),           # constant subexpression
        n("Mul", ["p_sum", "one_b"], ["p"]),
        n("MatMul", ["nhwc", "p"], ["mapped"]),
        n("Relu", ["input"], ["dead0"]),                     # dead branch
        n("Sigmoid", ["dead0"], ["dead1"]),
        n("Transpose", ["mapped"], ["nchw"], perm=[0, 3, 1, 2]),
        n("Identity", ["nchw"], ["output"]),
    ]
    inits = {"one": np.ones((1,), np.float32), "zero": np.zeros((1,), np.float32),
             "half_a": half, "half_b": half.copy(), "one_b": np.ones((1,), np.float32)}
    return _model(nodes, inits)


def rotate180_3x3() -> onnx.ModelProto:
    """Rotate a 3x3 grid by 180 degrees (task087) with Slice, Gather and Pad, wastefully."""
    n = helper.make_node
    nodes = [
        n("Slice", ["input", "starts", "ends", "axes"], ["crop"]),
        n("Cast", ["crop"], ["crop_f"], to=TensorProto.FLOAT),       # cast to the same dtype
        n("Gather", ["crop_f", "rev"], ["rows"], axis=2),
        n("Identity", ["rows"], ["rows2"]),
        n("Gather", ["rows2", "rev_copy"], ["cols"], axis=3),        # duplicated constant
        n("Reshape", ["cols", "flat"], ["r0"]),
        n("Reshape", ["r0", "back"], ["r1"]),                        # reshape chain
        n("Mul", ["r1", "ones_big"], ["r2"]),                        # x * ones
        n("Neg", ["input"], ["dead"]),                               # dead branch
        n("Pad", ["r2", "pads"], ["output"], mode="constant"),
    ]
    inits = {
        "starts": np.array([0, 0], np.int64), "ends": np.array([3, 3], np.int64),
        "axes": np.array([2, 3], np.int64), "rev": np.array([2, 1, 0], np.int64),
        "rev_copy": np.array([2, 1, 0], np.int64), "flat": np.array([10, 9], np.int64),
        "back": np.array([1, 10, 3, 3], np.int64), "ones_big": np.ones((1, 10, 3, 3), np.float32),
        "pads": np.array([0, 0, 0, 0, 0, 0, 27, 27], np.int64),
    }
    return _model(nodes, inits)


def conv_colour_map(mapping: dict[int, int] = TASK016_MAP) -> onnx.ModelProto:
    """The task016 colour map as a 1x1 Conv whose weight is computed at run time."""
    w = np.zeros((10, 10, 1, 1), np.float32)
    for src, dst in mapping.items():
        w[dst, src] = 1.0
    n = helper.make_node
    nodes = [
        n("Mul", ["w", "scale"], ["w_scaled"]),           # constant subexpression
        n("Div", ["w_scaled", "scale_copy"], ["w_run"]),
        n("Transpose", ["input"], ["a"], perm=[0, 1, 3, 2]),
        n("Transpose", ["a"], ["b"], perm=[0, 1, 3, 2]),
        n("Conv", ["b", "w_run", "bias"], ["y"], kernel_shape=[1, 1]),
        n("Sub", ["y", "zero"], ["y2"]),
        n("Exp", ["input"], ["dead"]),
        n("Identity", ["y2"], ["output"]),
    ]
    inits = {"w": w, "scale": np.full((1,), 3.0, np.float32),
             "scale_copy": np.full((1,), 3.0, np.float32),
             "bias": np.zeros((10,), np.float32), "zero": np.zeros((1,), np.float32)}
    return _model(nodes, inits)


#: name -> (builder, NeuroGolf task the network solves)
EXAMPLES: dict[str, tuple[Callable[[], onnx.ModelProto], int]] = {
    "colour_map": (colour_map, 16),
    "rotate180": (rotate180_3x3, 87),
    "conv_colour_map": (conv_colour_map, 16),
}


def synthetic_colour_map_task(seed: int = 0, size: int = 3, n_arc_gen: int = 262) -> dict:
    """A small built-in task (the task016 colour map on random ``size`` x ``size`` grids),
    in the NeuroGolf JSON layout, for the demo when no competition data is at hand."""
    rng = np.random.default_rng(seed)

    def pair() -> dict:
        grid = rng.integers(0, 10, size=(size, size))
        out = np.vectorize(TASK016_MAP.get)(grid)
        return {"input": grid.tolist(), "output": out.tolist()}

    return {"train": [pair() for _ in range(4)], "test": [pair()],
            "arc-gen": [pair() for _ in range(n_arc_gen)]}
