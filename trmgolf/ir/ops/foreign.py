"""``onnx_node``: an ONNX node the IR has no op for, carried through unchanged.

It lets any NeuroGolf network be imported, inspected and re-emitted. Its result
types are fixed at import (from ONNX shape inference) and its reference semantics
come from ``onnx.reference``, so the interpreter can still run the graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper

from trmgolf.ir import resize_reference, roi_reference
from trmgolf.ir.opaque import require_concrete
from trmgolf.ir.ops.quantized import conv_integer_reference
from trmgolf.ir.registry import Attr, IRTypeError, register
from trmgolf.ir.types import TensorType


def bind_inputs(proto: onnx.NodeProto, names: Sequence[str]) -> list[str]:
    """The ONNX input list of a stored node: its "?" slots filled with ``names`` in order,
    omitted optional inputs ("") kept in place (a node stored without slots takes ``names``)."""
    if not proto.input:
        return list(names)
    if sum(1 for slot in proto.input if slot) != len(names):
        raise IRTypeError(f"onnx_node {proto.op_type}: {len(names)} inputs for its slots")
    it = iter(names)
    return [next(it) if slot else "" for slot in proto.input]


def in_slots(proto: onnx.NodeProto, arrays: Sequence[np.ndarray]) -> list[np.ndarray | None]:
    """``arrays`` placed in the node's input slots, None where an optional input is omitted."""
    if not proto.input:
        return list(arrays)
    it = iter(arrays)
    return [next(it) if slot else None for slot in proto.input]


def _max_roi_pool(arrays: list[np.ndarray], attrs: dict[str, Any], opset: int) -> np.ndarray:
    return roi_reference.max_roi_pool(arrays[0], arrays[1], tuple(attrs["pooled_shape"]),
                                      attrs.get("spatial_scale", 1.0))


def _roi_align(arrays: list[np.ndarray], attrs: dict[str, Any], opset: int) -> np.ndarray:
    text = {k: v.decode() if isinstance(v, bytes) else v for k, v in attrs.items()}
    # RoiAlign-10 has no coordinate_transformation_mode and behaves as output_half_pixel
    text.setdefault("coordinate_transformation_mode", "half_pixel" if opset >= 16 else "output_half_pixel")
    return roi_reference.roi_align(*arrays, **text)


def _conv_integer(arrays: list[np.ndarray], attrs: dict[str, Any], opset: int) -> np.ndarray:
    """ConvInteger (2-D, one group, explicit pads): the ``conv_integer`` op's reference."""
    x, w = arrays[0], arrays[1]
    zeros = [int(a) if a is not None else 0 for a in arrays[2:]] + [0, 0]
    auto_pad = attrs.get("auto_pad", b"NOTSET")
    pads = attrs.get("pads", (0, 0, 0, 0))
    if x.ndim != 4 or attrs.get("group", 1) != 1 or auto_pad not in (b"NOTSET", "NOTSET") or min(pads) < 0:
        raise IRTypeError("onnx_node ConvInteger: only 2-D, group 1, explicit pads >= 0 are modelled")
    return conv_integer_reference(x, w, zeros[0], zeros[1], pads, attrs.get("strides", (1, 1)),
                                  attrs.get("dilations", (1, 1)))


#: ONNX ops (default domain) run by an exact numpy model of onnxruntime's CPU kernel: onnx's
#: reference evaluator lacks MaxRoiPool, computes RoiAlign in float64, crops a Resize axis
#: of scale 1 (onnxruntime leaves it as it is) and fails on a ConvInteger whose pads outgrow
#: its input. A model gets the arrays in the node's input slots (None where omitted) and may
#: return None: a case it does not model.
ORT_MODELS = {"MaxRoiPool": _max_roi_pool, "RoiAlign": _roi_align, "Resize": resize_reference.model,
              "ConvInteger": _conv_integer}


def _foreign(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    outs = attrs.get("out_types")
    if not outs:
        raise IRTypeError("onnx_node: needs out_types")
    return [TensorType(d, tuple(s)) for d, s in outs]


@register("onnx_node", infer=_foreign, arity=(0, 64), attrs={
    "op_type": Attr(str), "node": Attr("bytes"), "opset": Attr(int),
    "out_types": Attr("any"),  # ((dtype, shape), ...), one per output
})
def onnx_node(*arrays, op_type, node, opset, out_types):
    """Run the stored ONNX node: with an exact model of onnxruntime where ``ORT_MODELS`` has one
    (the grader's arithmetic), else with onnx's reference evaluator."""
    from onnx.reference import ReferenceEvaluator

    require_concrete(node)
    proto = onnx.NodeProto.FromString(node)
    if proto.op_type in ORT_MODELS and not proto.domain:
        attrs = {a.name: helper.get_attribute_value(a) for a in proto.attribute}
        result = ORT_MODELS[proto.op_type](in_slots(proto, arrays), attrs, opset)
        if result is not None:
            return (result,)
    ins = [f"i{k}" for k in range(len(arrays))]
    outs = [f"o{k}" for k in range(len(out_types))]
    proto = helper.make_node(proto.op_type, bind_inputs(proto, ins), outs, domain=proto.domain)
    proto.attribute.extend(onnx.NodeProto.FromString(node).attribute)
    model = helper.make_model(
        helper.make_graph(
            [proto], "one",
            [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
             for n, a in zip(ins, arrays, strict=True)],
            [helper.make_tensor_value_info(n, 0, None) for n in outs]),
        opset_imports=[helper.make_opsetid("", opset)], ir_version=10)
    results = ReferenceEvaluator(model).run(None, dict(zip(ins, arrays, strict=True)))
    return tuple(np.asarray(r) for r in results)
