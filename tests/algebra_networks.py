"""Wasteful hand-written ONNX networks that compute a channel selection (a colour map): the
targets of the algebra rewrites (factor/distribute, conv kernel shrink, zero bias, channel
mix -> Gather). Each builder returns a valid NeuroGolf model; the optimum for all of them is
one Gather of 10 channel indices writing ``output`` (10 params, no memory: 22.70 points).

Not in ``trmgolf.examples``: these exist to test the optimiser, not to demo it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
from onnx import helper as h
from onnx import numpy_helper as nh
from onnx_factories import make

#: task016 (0d3d703e): 1<->5, 2<->6, 3<->4, 8<->9; 0 and 7 stay.
TASK016 = {0: 0, 1: 5, 2: 6, 3: 4, 4: 3, 5: 1, 6: 2, 7: 7, 8: 9, 9: 8}
#: task337: 5<->8.
TASK337 = {c: {5: 8, 8: 5}.get(c, c) for c in range(10)}
#: task276 (6 -> 2; its inputs hold only 0, 6 and 7) as a selection that is not a permutation:
#: output 2 reads input 6, and outputs 3 and 6 both read input 3 (never set in this task).
TASK276_ROWS = (0, 1, 6, 3, 4, 5, 3, 7, 8, 9)

OPTIMUM_POINTS = 25 - float(np.log(10))  # one Gather, 10 int64 indices, output written directly


def selection(mapping: dict[int, int] | tuple[int, ...]) -> np.ndarray:
    """The 10x10 matrix P with P[out, in] = 1: a dict maps colour ``in`` to ``out``; a tuple
    names, per output channel, the input channel it reads (repeats allowed)."""
    p = np.zeros((10, 10), np.float32)
    pairs = (mapping.items() if isinstance(mapping, dict)
             else ((c_in, out) for out, c_in in enumerate(mapping)))
    for c_in, c_out in pairs:
        p[c_out, c_in] = 1.0
    return p


def _init(name: str, array: np.ndarray) -> onnx.TensorProto:
    return nh.from_array(np.asarray(array), name)


def shape_const(name: str, dims: list[int]) -> onnx.TensorProto:
    return _init(name, np.asarray(dims, np.int64))


def matmul_pair(mapping: dict[int, int] | tuple[int, ...] = TASK016) -> onnx.ModelProto:
    """reshape [10,900] -> P/2 @ x twice (two 10x10 MatMuls) -> add -> + zero bias [1,10,900]
    -> reshape back: the task016 permutation as a wasteful channel mix."""
    half = selection(mapping) / 2
    nodes = [
        h.make_node("Reshape", ["input", "flat_shape"], ["flat"]),
        h.make_node("MatMul", ["A", "flat"], ["m1"]),
        h.make_node("MatMul", ["A2", "flat"], ["m2"]),
        h.make_node("Add", ["m1", "m2"], ["mixed"]),
        h.make_node("Add", ["mixed", "zero"], ["biased"]),
        h.make_node("Reshape", ["biased", "grid_shape"], ["output"]),
    ]
    inits = [shape_const("flat_shape", [10, 900]), _init("A", half), _init("A2", half.copy()),
             _init("zero", np.zeros((1, 10, 900), np.float32)), shape_const("grid_shape", [1, 10, 30, 30])]
    return make(nodes, inits)


def matmul_chain(mapping: dict[int, int] | tuple[int, ...] = TASK016) -> onnx.ModelProto:
    """Two MatMuls in a row whose product is the selection: 0.5 I @ (2P @ x) (powers of two,
    so the folded product is exact), then an Add of a zero scalar."""
    nodes = [
        h.make_node("Reshape", ["input", "flat_shape"], ["flat"]),
        h.make_node("MatMul", ["A", "flat"], ["m1"]),
        h.make_node("MatMul", ["B", "m1"], ["m2"]),
        h.make_node("Add", ["m2", "zero"], ["biased"]),
        h.make_node("Reshape", ["biased", "grid_shape"], ["output"]),
    ]
    inits = [shape_const("flat_shape", [10, 900]), _init("A", 2 * selection(mapping)),
             _init("B", 0.5 * np.eye(10, dtype=np.float32)), _init("zero", np.zeros((1,), np.float32)),
             shape_const("grid_shape", [1, 10, 30, 30])]
    return make(nodes, inits)


def matmul_last_axis(mapping: dict[int, int] | tuple[int, ...] = TASK016) -> onnx.ModelProto:
    """The channel axis moved last: transpose -> reshape [900,10] -> x @ P^T -> reshape ->
    transpose back; plus a Mul by 2 and a Mul by 0.5."""
    nodes = [
        h.make_node("Transpose", ["input"], ["nhwc"], perm=[0, 2, 3, 1]),
        h.make_node("Reshape", ["nhwc", "rows_shape"], ["rows"]),
        h.make_node("Mul", ["rows", "two"], ["doubled"]),
        h.make_node("MatMul", ["doubled", "PT"], ["mixed"]),
        h.make_node("Mul", ["mixed", "half"], ["halved"]),
        h.make_node("Reshape", ["halved", "nhwc_shape"], ["back"]),
        h.make_node("Transpose", ["back"], ["output"], perm=[0, 3, 1, 2]),
    ]
    inits = [shape_const("rows_shape", [900, 10]), _init("two", np.float32(2.0)),
             _init("PT", selection(mapping).T.copy()), _init("half", np.float32(0.5)),
             shape_const("nhwc_shape", [1, 30, 30, 10])]
    return make(nodes, inits)


def einsum_mix(mapping: dict[int, int] | tuple[int, ...] = TASK016) -> onnx.ModelProto:
    """One Einsum over the channel axis with the selection matrix (letters out of order)."""
    nodes = [h.make_node("Einsum", ["P", "input"], ["output"], equation="oc,nchw->nohw")]
    return make(nodes, [_init("P", selection(mapping))], opset=12)


def conv(mapping: dict[int, int] | tuple[int, ...] = TASK016, *, kernel: tuple[int, int] = (3, 3),
         tap: tuple[int, int] | None = None, pads: tuple[int, int, int, int] | None = None,
         relu: bool = True, bias: bool = True) -> onnx.ModelProto:
    """A Conv whose only non-zero taps (the selection) sit at ``tap`` (the kernel's middle by
    default), ``pads`` placing that tap over the output pixel (same padding by default), a
    zero bias and a Relu at the output."""
    kh, kw = kernel
    ty, tx = tap if tap is not None else (kh // 2, kw // 2)
    pads = pads if pads is not None else (ty, tx, kh - 1 - ty, kw - 1 - tx)
    w = np.zeros((10, 10, kh, kw), np.float32)
    w[:, :, ty, tx] = selection(mapping)
    ins = ["input", "W", "b"] if bias else ["input", "W"]
    out = "pre" if relu else "output"
    nodes = [h.make_node("Conv", ins, [out], pads=list(pads))]
    if relu:
        nodes.append(h.make_node("Relu", ["pre"], ["output"]))
    inits = [_init("W", w)] + ([_init("b", np.zeros(10, np.float32))] if bias else [])
    return make(nodes, inits)


def conv_pair(mapping: dict[int, int] | tuple[int, ...] = TASK016) -> onnx.ModelProto:
    """Two 3x3 Convs of the same input (each half the selection at the centre, zero border)
    added: distributes into one Conv, shrinks to 1x1, becomes a Gather."""
    w = np.zeros((10, 10, 3, 3), np.float32)
    w[:, :, 1, 1] = selection(mapping) / 2
    nodes = [h.make_node("Conv", ["input", "W1"], ["a"], pads=[1, 1, 1, 1]),
             h.make_node("Conv", ["input", "W2"], ["b"], pads=[1, 1, 1, 1]),
             h.make_node("Add", ["a", "b"], ["output"])]
    return make(nodes, [_init("W1", w), _init("W2", w.copy())])


#: name -> (builder, ARC task number it solves)
NETWORKS: dict[str, tuple[Callable[[], onnx.ModelProto], int]] = {
    "matmul_pair": (matmul_pair, 16),
    "matmul_chain": (matmul_chain, 16),
    "matmul_last_axis": (matmul_last_axis, 16),
    "einsum_mix": (einsum_mix, 16),
    "conv3x3_centre_relu": (conv, 16),
    "conv3x3_centre": (lambda: conv(relu=False), 16),
    "conv5x5_centre_nobias": (lambda: conv(kernel=(5, 5), relu=False, bias=False), 16),
    "conv3x1_centre": (lambda: conv(kernel=(3, 1), relu=False), 16),
    "conv_pair": (conv_pair, 16),
    "matmul_pair_task337": (lambda: matmul_pair(TASK337), 337),
    "conv2x2_corner_task337": (lambda: conv(TASK337, kernel=(2, 2), tap=(1, 1), relu=False), 337),
    "matmul_last_axis_task276": (lambda: matmul_last_axis(TASK276_ROWS), 276),
    "conv3x3_centre_relu_task276": (lambda: conv(TASK276_ROWS), 276),
}
