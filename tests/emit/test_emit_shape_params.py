"""The shape lowerings that store fewer int64 params than Reshape / a full Pad: kernel
selection picks them when they cost less, at each opset where they exist, and onnxruntime
agrees with the interpreter."""

from __future__ import annotations

import numpy as np
import pytest
from emit_support import check_emitted

from trmgolf.ir import Builder, TensorType

OPSETS = {"ng2026": 24, "opset17": 17, "opset13": 13}


def _one_op(input_shape: tuple[int, ...], op: str, **attrs):
    b = Builder(TensorType("float32", input_shape))
    b.graph.output = b.op(op, b.input, **attrs)
    return b.graph


def _params(emitted) -> int:
    return sum(int(np.prod(t.dims)) for t in emitted.model.graph.initializer)


CASES = [
    # shape in, op, attributes, target, lowering picked, params stored
    ((2, 3, 4), "reshape", {"shape": (2, 1, 3, 4, 1)}, "ng2026", "unsqueeze", 2),
    ((2, 3, 4), "reshape", {"shape": (1, 2, 3, 4)}, "opset17", "unsqueeze", 1),
    ((1, 2, 1, 3, 4), "reshape", {"shape": (2, 3, 4)}, "ng2026", "squeeze_ones", 0),
    ((1, 3, 1, 4), "reshape", {"shape": (1, 3, 4)}, "ng2026", "squeeze", 1),
    ((2, 3, 4), "reshape", {"shape": (4, 3, 2)}, "ng2026", "reshape", 3),
    ((1, 2, 3, 4), "pad", {"pads": (0, 0, 1, 0, 0, 0, 2, 0)}, "ng2026", "axes_input", 3),
    ((1, 2, 3, 4), "pad", {"pads": (0, 0, 1, 0, 0, 0, 2, 0)}, "opset17", "direct", 8),
    ((1, 2, 3, 4), "pad", {"pads": (0, 1, 1, 1, 0, 1, 1, 1)}, "ng2026", "direct", 8),
]


@pytest.mark.parametrize(("shape", "op", "attrs", "target", "picked", "params"), CASES)
def test_fewest_params_form_is_picked(shape, op, attrs, target, picked, params):
    graph = _one_op(shape, op, **attrs)
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    emitted = check_emitted(graph, x, target, grid_output=False)
    assert [c.lowering for c in emitted.choices] == [picked]
    assert _params(emitted) == params


def test_unsqueeze_and_squeeze_need_no_params_before_opset_13():
    """Opset 12 carries the axes as attributes (run as the test opset of test_emit_ops)."""
    from trmgolf.compiler.emit import emit

    for shape, new in (((2, 3, 4), (2, 1, 3, 4)), ((2, 1, 3, 1, 4), (2, 3, 1, 4))):
        graph = _one_op(shape, "reshape", shape=new)
        emitted = emit(graph, grid_output=False, opset=12)
        assert _params(emitted) == 0 and emitted.model.graph.node[0].op_type in ("Unsqueeze", "Squeeze")


@pytest.mark.parametrize(("op", "axes", "keepdims", "picked", "params"), [
    ("reduce_max", (1,), 1, "all_axes", 0),       # the other axes are 1 long: no axes tensor
    ("reduce_sum", (1, 3), 1, "all_axes", 0),
    ("reduce_max", (1,), 0, "axes_input", 1),     # dropping the 1-long axes changes the shape
    ("reduce_max", (2,), 1, "axes_input", 1),     # axis 1 (9 long) is not reduced
])
def test_reduction_over_every_longer_axis_needs_no_axes(op, axes, keepdims, picked, params):
    """With the dims kept, reducing every axis longer than 1 is reducing every axis (a 1-long
    axis adds no element), so the axes-free form applies (public task188's ReduceMax over C of
    a [1,9,1,1] pixel re-emitted 1 param over the original's axes attribute)."""
    graph = _one_op((1, 9, 1, 4 if op == "reduce_sum" else 1), op, axes=axes, keepdims=keepdims)
    x = np.random.default_rng(0).normal(size=graph.input.type.shape).astype(np.float32)
    emitted = check_emitted(graph, x, "ng2026", grid_output=False)
    assert [c.lowering for c in emitted.choices] == [picked]
    assert _params(emitted) == params

