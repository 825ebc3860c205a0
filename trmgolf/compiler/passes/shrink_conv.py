"""Strip a convolution of its zeros: drop an all-zero bias, and crop kernel rows and
columns that are zero for every (output, input) channel pair, taking the padding down
with them (3x3 with only the centre tap and pads 1 -> 1x1 with pads 0).

Cropping the first kernel row shifts every tap up by one dilation, which one dilation
less of top padding undoes; the output size is unchanged (``(H + top + bottom -
d(k - 1) - 1) / s + 1`` keeps its value), for any stride. A side is cropped only while its
padding covers the dilation, so pads never go negative (the grader's onnx rejects those).
"""

from __future__ import annotations

import numpy as np

from trmgolf.compiler.passes.linear_maps import constant_before
from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Node


def _cropped(w: np.ndarray, pads: tuple[int, ...], dilations: tuple[int, ...]
             ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The kernel without its removable zero border, and the padding that goes with it."""
    top, left, bottom, right = pads
    dh, dw = dilations
    zero_row = [not np.any(w[:, :, i, :]) for i in range(w.shape[2])]
    zero_col = [not np.any(w[:, :, :, j]) for j in range(w.shape[3])]
    r0, r1, c0, c1 = 0, w.shape[2], 0, w.shape[3]
    while r1 - r0 > 1 and zero_row[r0] and top >= dh:
        r0, top = r0 + 1, top - dh
    while r1 - r0 > 1 and zero_row[r1 - 1] and bottom >= dh:
        r1, bottom = r1 - 1, bottom - dh
    while c1 - c0 > 1 and zero_col[c0] and left >= dw:
        c0, left = c0 + 1, left - dw
    while c1 - c0 > 1 and zero_col[c1 - 1] and right >= dw:
        c1, right = c1 - 1, right - dw
    return w[:, :, r0:r1, c0:c1], (top, left, bottom, right)


def _shrunk(node: Node, graph: Graph) -> Node | None:
    """The conv2d ``node`` without its zero bias and zero kernel border, or None."""
    x, weight = node.inputs[0], node.inputs[1]
    if not weight.is_constant:
        return None
    bias = node.inputs[2] if len(node.inputs) == 3 else None
    drop_bias = bias is not None and bias.is_constant and not np.any(bias.constant)
    a = node.attrs
    w, pads = _cropped(weight.constant, a.get("pads", (0, 0, 0, 0)), a.get("dilations", (1, 1)))
    if w.shape == weight.type.shape and not drop_bias:
        return None
    inputs = [x, weight if w.shape == weight.type.shape else
              constant_before(graph, node, w, weight.type.dtype, weight.name)]
    if bias is not None and not drop_bias:
        inputs.append(bias)
    return Node("conv2d", inputs, {**node.attrs, "pads": pads}, [node.output.type], node.region)


def shrink_conv(graph: Graph) -> PassResult:
    changed = False
    for node in graph.nodes:
        if node.op != "conv2d":
            continue
        new = _shrunk(node, graph)
        if new is not None:
            graph.replace_node(node, new)
            changed = True
    return PassResult(graph, changed)
