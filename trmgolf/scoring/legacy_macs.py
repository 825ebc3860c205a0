"""The legacy cost's MACs (the research notes before 2026-05-04): one table per op type.

The legacy cost is ``macs + memory + params``; this module only counts the MACs of a
node from its inferred shapes (:func:`node_macs`), for ``cost_of_view`` and for the
compiler's kernel choice under the legacy model.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import onnx

from trmgolf.scoring.cost import Shape, shape_of


def shape_table(graph: onnx.GraphProto) -> dict[str, Shape]:
    """Static shape of every tensor of an inferred graph (value_info and initializers)."""
    shapes: dict[str, Shape] = {}
    for vi in list(graph.input) + list(graph.value_info) + list(graph.output):
        if vi.type.HasField("tensor_type"):
            shapes[vi.name] = shape_of(vi)
    for init in graph.initializer:
        shapes[init.name] = tuple(int(d) for d in init.dims)
    return shapes


def _attr(node: onnx.NodeProto, name: str, default: object = None) -> object:
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def _n(shape: Shape | None) -> int:
    return math.prod(shape) if shape is not None else 0


MacFn = Callable[[onnx.NodeProto, list, list], int]


def _out(node, ins, outs) -> int:
    return sum(_n(s) for s in outs)


def _in0(node, ins, outs) -> int:
    return _n(ins[0]) if ins else 0


def _zero(node, ins, outs) -> int:
    return 0


def _conv(node, ins, outs) -> int:
    x, w = ins[0], ins[1]
    if x is None or w is None or not outs or outs[0] is None:
        return 0
    group = int(_attr(node, "group", 1) or 1)
    return _n(outs[0]) * (x[1] // group) * math.prod(w[2:])


def _conv_transpose(node, ins, outs) -> int:
    x, w = ins[0], ins[1]
    if x is None or w is None:
        return 0
    return _n(x) * w[1] * math.prod(w[2:])


def _matmul(node, ins, outs) -> int:
    a = ins[0]
    if a is None or not outs or outs[0] is None:
        return 0
    return _n(outs[0]) * (a[-1] if a else 1)


def _gemm(node, ins, outs) -> int:
    a = ins[0]
    if a is None or not outs or outs[0] is None:
        return 0
    k = a[0] if _attr(node, "transA", 0) else a[-1]
    return _n(outs[0]) * k


def _einsum(node, ins, outs) -> int:
    raw = _attr(node, "equation", b"")
    eq = raw.decode() if isinstance(raw, bytes) else str(raw)
    eq = eq.replace(" ", "")
    lhs = eq.split("->")[0]
    sizes: dict[str, int] = {}
    for term, shape in zip(lhs.split(","), ins, strict=False):
        if shape is None or "." in term:
            return _out(node, ins, outs)
        for letter, dim in zip(term, shape, strict=False):
            sizes[letter] = max(sizes.get(letter, 1), dim)
    return math.prod(sizes.values()) if sizes else 0


def _pool(node, ins, outs) -> int:
    kernel = _attr(node, "kernel_shape", []) or []
    return _n(outs[0]) * math.prod(kernel) if outs and outs[0] is not None else 0


def _attention(node, ins, outs) -> int:
    q, k, v = (ins + [None, None, None])[:3]
    if q is None or k is None or v is None:
        return 0
    if len(q) == 4:  # [B, H, S, D]
        b, h, sq, dq = q
        skv, dv = k[2], v[3]
        return b * h * sq * skv * (dq + dv)
    hq = int(_attr(node, "q_num_heads", 1) or 1)  # [B, S, H*D]
    hkv = int(_attr(node, "kv_num_heads", hq) or hq)
    b, sq, qd = q
    return b * hq * sq * k[1] * (qd // hq + v[2] // hkv)


def _recurrent(gates: int) -> MacFn:
    """RNN (1 gate), GRU (3), LSTM (4): every step multiplies the input and the previous
    state by each gate's weights: seq x batch x gates x hidden x (input + hidden)."""
    def macs(node, ins, outs) -> int:
        x = ins[0] if ins else None
        if x is None or len(x) != 3:
            return 0
        seq, batch, inp = (x[1], x[0], x[2]) if _attr(node, "layout", 0) else x
        hidden = int(_attr(node, "hidden_size", 0) or 0)
        directions = 2 if _attr(node, "direction", b"forward") in (b"bidirectional", "bidirectional") else 1
        return directions * seq * batch * gates * hidden * (inp + hidden)
    return macs


_ELEMENTWISE = (
    "Abs Acos Acosh Add And Asin Asinh Atan Atanh BitShift BitwiseAnd BitwiseNot BitwiseOr "
    "BitwiseXor Ceil Celu Clip Cos Cosh Div Elu Equal Erf Exp Floor Gelu Greater GreaterOrEqual "
    "HardSigmoid HardSwish IsInf IsNaN LeakyRelu Less LessOrEqual Log Max Mean Min Mish Mod Mul "
    "Neg Not Or PRelu Pow Reciprocal Relu Round Selu Sigmoid Sign Sin Sinh Softplus Softsign "
    "Sqrt Sub Sum Tan Tanh ThresholdedRelu Where Xor QuantizeLinear DequantizeLinear Resize "
    "Upsample Trilu"
).split()
_PER_INPUT = (
    "ArgMax ArgMin CumSum GlobalAveragePool GlobalLpPool GlobalMaxPool LayerNormalization "
    "LpNormalization ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean "
    "ReduceMin ReduceProd ReduceSum ReduceSumSquare RMSNormalization Softmax LogSoftmax "
    "Hardmax TopK InstanceNormalization BatchNormalization MeanVarianceNormalization "
    "GroupNormalization RotaryEmbedding"
).split()
_DATA_MOVEMENT = (
    "Cast CastLike Concat Constant ConstantOfShape DepthToSpace Expand EyeLike Flatten Gather "
    "GatherElements GatherND Identity OneHot Pad Range Reshape ScatterElements ScatterND Shape "
    "Size Slice SpaceToDepth Split Squeeze Tile Transpose Unsqueeze ReverseSequence"
).split()

#: MACs per op type, the legacy convention (one table; unknown ops cost their output size).
#: Conv: out_elems x (in_ch/group) x prod(kernel). ConvTranspose: in_elems x out_ch/group x
#: prod(kernel). MatMul/Gemm (and their integer/QLinear forms): out_elems x K, batched.
#: Einsum: the product of every index size (the full contraction). Pooling: out_elems x
#: prod(kernel). Attention: B x H x Sq x Skv x (Dqk + Dv). RNN/GRU/LSTM: seq x batch x
#: gates x hidden x (input + hidden) per direction. Elementwise ops: 1 per output
#: element (the onnx_tool convention the research notes used). Reductions, norms and
#: softmax: 1 per input element. Pure data movement (Reshape, Slice, Cast, ...): 0.
MACS: dict[str, MacFn] = {
    "Conv": _conv,
    "ConvInteger": _conv,
    "QLinearConv": lambda n, i, o: _conv(n, [i[0], i[3]] if len(i) > 3 else i, o),
    "ConvTranspose": _conv_transpose,
    "MatMul": _matmul,
    "MatMulInteger": _matmul,
    "QLinearMatMul": _matmul,
    "Gemm": _gemm,
    "Einsum": _einsum,
    "MaxPool": _pool,
    "AveragePool": _pool,
    "LpPool": _pool,
    "Attention": _attention,
    "RNN": _recurrent(1),
    "GRU": _recurrent(3),
    "LSTM": _recurrent(4),
    **{op: _out for op in _ELEMENTWISE},
    **{op: _in0 for op in _PER_INPUT},
    **{op: _zero for op in _DATA_MOVEMENT},
}


def node_macs(node: onnx.NodeProto, shapes: dict[str, Shape]) -> int:
    """MACs of one node under the legacy table, from the inferred shapes."""
    ins = [shapes.get(name) if name else None for name in node.input]
    outs = [shapes.get(name) if name else None for name in node.output]
    return int(MACS.get(node.op_type, _out)(node, ins, outs))
