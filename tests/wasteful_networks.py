"""Wasteful ONNX networks for the rewrite tests (issue 10 part 3): each is exact on its real
task but spends memory on work a rewrite that knows the input or the output can remove.

Every builder returns ``(model, optimum)``: the network and the points of the cheapest exact
network of the same function, which ``optimize`` must come within 0.5 points of.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh
from onnx_factories import make

IO = [1, 10, 30, 30]
#: A lone Transpose (or Gather) of ``input`` into ``output``: no memory, no params.
ONE_NODE_OPTIMUM = 25.0


def _out(dtype: int = T.FLOAT) -> onnx.ValueInfoProto:
    return h.make_tensor_value_info("output", dtype, IO)


def _scalar(name: str, value: float, dtype=np.float32) -> onnx.TensorProto:
    return nh.from_array(np.asarray(value, dtype), name)


def transpose_wrapped(scale: float = 2.0, scale_dtype: str = "float64", final: str = "greater_cast",
                      round_trip: str = "float16") -> tuple[onnx.ModelProto, float]:
    """Task179 (transpose the grid) as: Cast to ``scale_dtype`` -> Mul by ``scale`` -> Cast to
    ``round_trip`` -> Cast to float32 -> Transpose -> a final sign-preserving tail:

    - ``greater_cast``: Greater(x, 0) + Cast to float32;
    - ``greater_bool``: Greater(x, 0) straight into a bool output;
    - ``relu``: Relu;
    - ``none``: the transposed value itself.
    """
    nodes = [
        h.make_node("Cast", ["input"], ["wide"], to=h.np_dtype_to_tensor_dtype(np.dtype(scale_dtype))),
        h.make_node("Mul", ["wide", "k"], ["scaled"]),
        h.make_node("Cast", ["scaled"], ["narrow"],
                    to=h.np_dtype_to_tensor_dtype(np.dtype(round_trip))),
        h.make_node("Cast", ["narrow"], ["back"], to=T.FLOAT),
        h.make_node("Transpose", ["back"], ["t" if final != "none" else "output"], perm=[0, 1, 3, 2]),
    ]
    out = _out()
    if final == "greater_cast":
        nodes += [h.make_node("Greater", ["t", "zero"], ["g"]),
                  h.make_node("Cast", ["g"], ["output"], to=T.FLOAT)]
    elif final == "greater_bool":
        nodes += [h.make_node("Greater", ["t", "zero"], ["output"])]
        out = _out(T.BOOL)
    elif final == "relu":
        nodes += [h.make_node("Relu", ["t"], ["output"])]
    inits = [_scalar("k", scale, np.dtype(scale_dtype)), _scalar("zero", 0.0)]
    return make(nodes, inits, outputs=[out]), ONE_NODE_OPTIMUM


#: The colour permutation of task016 (input colour -> output colour).
TASK016_COLOURS = {1: 5, 5: 1, 2: 6, 6: 2, 3: 4, 4: 3, 8: 9, 9: 8}
#: A 10-index Gather of the channel axis into ``output``: 10 int64 params, no memory.
GATHER_OPTIMUM = 25.0 - float(np.log(10))


def permutation_matrix(mapping: dict[int, int]) -> np.ndarray:
    """P[out, in] = 1 where colour ``in`` becomes ``out`` (unmapped colours stay)."""
    p = np.zeros((10, 10), np.float32)
    for c in range(10):
        p[mapping.get(c, c), c] = 1.0
    return p


def matmul_permutation(mapping: dict[int, int] = TASK016_COLOURS) -> tuple[onnx.ModelProto, float]:
    """A recolouring as Reshape to [10, 900], two 10x10 MatMuls (a permutation, then the
    identity) each plus a zero bias, and a Reshape back."""
    nodes = [
        h.make_node("Reshape", ["input", "flat"], ["x"]),
        h.make_node("MatMul", ["P", "x"], ["y"]), h.make_node("Add", ["y", "b"], ["yb"]),
        h.make_node("MatMul", ["I", "yb"], ["z"]), h.make_node("Add", ["z", "b"], ["zb"]),
        h.make_node("Reshape", ["zb", "grid"], ["output"]),
    ]
    inits = [nh.from_array(np.array([10, 900], np.int64), "flat"),
             nh.from_array(np.array(IO, np.int64), "grid"),
             nh.from_array(permutation_matrix(mapping), "P"),
             nh.from_array(np.eye(10, dtype=np.float32), "I"),
             nh.from_array(np.zeros((10, 1), np.float32), "b")]
    return make(nodes, inits), GATHER_OPTIMUM


def conv_permutation(mapping: dict[int, int] = TASK016_COLOURS,
                     relu: bool = True) -> tuple[onnx.ModelProto, float]:
    """A recolouring as a 3x3 Conv whose only non-zero taps are the centre (the permutation),
    a zero bias, and (``relu``) a Relu at the output."""
    w = np.zeros((10, 10, 3, 3), np.float32)
    w[:, :, 1, 1] = permutation_matrix(mapping)
    nodes = [h.make_node("Conv", ["input", "W", "B"], ["c" if relu else "output"], pads=[1, 1, 1, 1])]
    if relu:
        nodes.append(h.make_node("Relu", ["c"], ["output"]))
    return make(nodes, [nh.from_array(w, "W"), nh.from_array(np.zeros(10, np.float32), "B")]), GATHER_OPTIMUM
