"""Every IR op, through every one of its lowerings: the emitted ONNX run in onnxruntime
matches the numpy interpreter on random inputs.

Each case is a tiny graph (input of any type, the op, constants for its other operands)
emitted with ``grid_output=False``; the lowering under test is forced with ``forced``
at the first opset (24, 18, 17, 13, 12, then 10) where it is available. Opsets 12 and 10
are no named targets: they are added for the test, since the attribute forms of the
reductions and of Split exist only before opset 13 (ReduceSum, Split) or 18 (the others),
and Equal-7 (bool and integers only) before opset 11.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from emit_support import check_emitted
from onnx import helper

from trmgolf.compiler import targets
from trmgolf.compiler.select import LoweringSession
from trmgolf.ir import OPS, Builder, Graph, TensorType, Value, verify
from trmgolf.kernels import LOWERINGS
from trmgolf.kernels.context import Initializers

OPSETS = {"ng2026": 24, "opset18": 18, "opset17": 17, "opset13": 13, "test_opset12": 12,
          "test_opset10": 10}

Build = Callable[[Builder, Value], Value]
Gen = Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]


def normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.normal(size=shape).astype(np.float32) * 2


def positive(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return (np.abs(rng.normal(size=shape)) + 0.1).astype(np.float32)


def integral(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Small whole numbers as float32, so equality and ties happen."""
    return rng.integers(-3, 4, size=shape).astype(np.float32)


def ints(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(-9, 10, size=shape).astype(np.int64)


def bools(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.random(size=shape) < 0.5


@dataclass(frozen=True)
class Case:
    id: str
    input: TensorType
    build: Build
    gen: Gen | None = None  # by default, from the input dtype

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        gen = self.gen or {"int64": ints, "bool": bools}.get(self.input.dtype, normal)
        return gen(rng, self.input.shape)


F = TensorType("float32", (2, 3, 4))
I = TensorType("int64", (2, 3, 4))  # noqa: E741
B = TensorType("bool", (2, 3, 4))
RNG = np.random.default_rng(0)


def c(*shape: int, dtype=np.float32, low: float = -2, high: float = 2) -> np.ndarray:
    """A random constant operand."""
    if np.issubdtype(dtype, np.integer):
        return RNG.integers(int(low), int(high) + 1, size=shape).astype(dtype)
    if dtype == np.bool_:
        return RNG.random(size=shape) < 0.5
    return RNG.uniform(low, high, size=shape).astype(dtype)


def binary(op: str, const: np.ndarray, swap: bool = False) -> Build:
    def build(b: Builder, x: Value) -> Value:
        k = b.const(const)
        return b.op(op, k, x) if swap else b.op(op, x, k)
    return build


def unary(op: str, **attrs) -> Build:
    return lambda b, x: b.op(op, x, **attrs)


def split_then_concat(axis: int, sizes: tuple[int, ...]) -> Build:
    """Split, then concatenate the parts in reverse order (every output is read)."""
    def build(b: Builder, x: Value) -> Value:
        parts = b.ops("split", x, axis=axis, sizes=sizes)
        return b.op("concat", *parts[::-1], axis=axis)
    return build


def foreign(op_type: str, slots: list[str], out_types: list[TensorType], consts: list[np.ndarray],
            **attrs) -> Build:
    """An ``onnx_node`` as the importer stores it ("?" slots bound in order, "" omitted);
    the graph's output is its first result."""
    proto = helper.make_node(op_type, slots, [], **attrs)

    def build(b: Builder, x: Value) -> Value:
        ins = [x, *(b.const(k) for k in consts)]
        return b.node("onnx_node", ins, op_type=op_type,
                      node=proto.SerializeToString(deterministic=True), opset=13,
                      out_types=tuple((t.dtype, t.shape) for t in out_types)).outputs[0]
    return build


# output channel i copies input channel [2, 0, 0, 1][i] (a reorder with a repeat)
SELECT = np.eye(3, dtype=np.float32)[[2, 0, 0, 1]]


def constant_only(b: Builder, x: Value) -> Value:
    return b.const(c(2, 3))


CASES: dict[str, list[Case]] = {
    "constant": [Case("output_is_constant", F, constant_only)],
    "add": [Case("f32_bcast", F, binary("add", c(3, 4))),
            Case("i64", I, binary("add", c(4, dtype=np.int64)))],
    "sub": [Case("f32_swap", F, binary("sub", c(1, 4), swap=True)),
            Case("i64", I, binary("sub", c(3, 1, dtype=np.int64)))],
    "mul": [Case("f32", F, binary("mul", c(4))), Case("i64", I, binary("mul", c(2, 3, 4, dtype=np.int64)))],
    "div": [Case("f32", F, binary("div", c(4, low=0.5, high=3))),
            # integer division truncates toward zero, also for negative operands
            Case("i64_trunc", I, binary("div", np.array([2, -3, 4, -7], dtype=np.int64)))],
    "pow": [Case("f32", F, binary("pow", np.array([2.0, 0.5, 3.0, -1.0], np.float32)), positive)],
    "min": [Case("f32", F, binary("min", c(3, 1))), Case("i64", I, binary("min", c(4, dtype=np.int64)))],
    "max": [Case("f32", F, binary("max", c(3, 1))), Case("i64", I, binary("max", c(4, dtype=np.int64)))],
    "equal": [Case("f32", F, binary("equal", c(4).round()), integral),
              Case("i64", I, binary("equal", c(3, 4, dtype=np.int64, low=-9, high=9)), ints)],
    "less": [Case("f32", F, binary("less", c(3, 4))), Case("i64", I, binary("less", c(4, dtype=np.int64)))],
    "greater": [Case("f32", F, binary("greater", c(3, 4)))],
    "and": [Case("bool", B, binary("and", c(3, 4, dtype=np.bool_)), bools)],
    "or": [Case("bool", B, binary("or", c(4, dtype=np.bool_)), bools)],
    "xor": [Case("bool", B, binary("xor", c(3, 1, dtype=np.bool_)), bools)],
    "not": [Case("bool", B, unary("not"), bools)],
    "identity": [Case("f32", F, unary("identity"))],
    "neg": [Case("f32", F, unary("neg")), Case("i64", I, unary("neg"), ints)],
    "abs": [Case("f32", F, unary("abs")), Case("i64", I, unary("abs"), ints)],
    "relu": [Case("f32", F, unary("relu"))],
    "sigmoid": [Case("f32", F, unary("sigmoid"))],
    "exp": [Case("f32", F, unary("exp"))],
    "log": [Case("f32", F, unary("log"), positive)],
    "sqrt": [Case("f32", F, unary("sqrt"), positive)],
    "reciprocal": [Case("f32", F, unary("reciprocal"), positive)],
    "tanh": [Case("f32", F, unary("tanh"))],
    "shrink": [Case("f32_add", F, unary("shrink", bias=1.5, lambd=-math.inf)),
               Case("f32_soft", F, unary("shrink", bias=0.5, lambd=0.5)),
               Case("i64_add", I, unary("shrink", bias=-3.0, lambd=-math.inf), ints),
               Case("f16_add", TensorType("float16", (2, 3, 4)), unary("shrink", bias=0.1, lambd=-math.inf),
                    lambda rng, shape: normal(rng, shape).astype(np.float16))],
    "selu": [Case("f32", F, unary("selu", alpha=0.0, gamma=-2.5)),
             Case("f16", TensorType("float16", (2, 3, 4)), unary("selu", alpha=0.0, gamma=0.3),
                  lambda rng, shape: normal(rng, shape).astype(np.float16))],
    "leaky_relu": [Case("f32", F, unary("leaky_relu", alpha=-1.5)),
                   Case("f16", TensorType("float16", (2, 3, 4)), unary("leaky_relu", alpha=0.1),
                        lambda rng, shape: normal(rng, shape).astype(np.float16))],
    "where": [
        Case("bool_cond", B, lambda b, x: b.op("where", x, b.const(c(3, 4)), b.const(c(4))), bools),
        # a number operand takes the dtype of the non-bool operand
        Case("numbers", F, lambda b, x: b.op("where", b.op("less", x, 0.0), 0.5, x)),
    ],
    "cast": [Case(f"f32_to_{to}", F, unary("cast", to=to), gen)
             for to, gen in [("int64", normal), ("int32", normal), ("int8", normal), ("uint8", positive),
                             ("bool", integral), ("float16", normal)]]
    + [Case("i64_to_f32", I, unary("cast", to="float32"), ints),
       Case("bool_to_f32", B, unary("cast", to="float32"), bools)],
    "matmul": [
        Case("2d", TensorType("float32", (3, 4)), binary("matmul", c(4, 5))),
        Case("3d_by_2d", F, binary("matmul", c(4, 5))),
        Case("batch_broadcast", TensorType("float32", (1, 3, 4)), binary("matmul", c(2, 4, 2))),
    ],
    "einsum": [
        Case("mm", TensorType("float32", (3, 4)),
             lambda b, x: b.op("einsum", x, b.const(c(4, 5)), equation="ij,jk->ik")),
        Case("channel_mix", TensorType("float32", (1, 3, 2, 2)),
             lambda b, x: b.op("einsum", x, b.const(c(4, 3)), equation="nchw,oc->nohw")),
        Case("transpose", F, lambda b, x: b.op("einsum", x, equation="abc->cab")),
        # a 0/1 matrix with one 1 per column only picks channels (reaches gather_selection)
        Case("channel_selection", TensorType("float32", (1, 3, 2, 2)),
             lambda b, x: b.op("einsum", x, b.const(SELECT.T), equation="nchw,ce->nehw")),
    ],
    "conv2d": [
        Case("bias_pads_strides", TensorType("float32", (1, 3, 6, 7)),
             lambda b, x: b.op("conv2d", x, b.const(c(4, 3, 3, 2)), b.const(c(4)),
                               pads=(1, 0, 2, 1), strides=(2, 1), dilations=(1, 2))),
        Case("depthwise", TensorType("float32", (1, 3, 5, 5)),
             lambda b, x: b.op("conv2d", x, b.const(c(3, 1, 3, 3)), pads=(1, 1, 1, 1), group=3)),
        Case("channel_selection_zero_bias", TensorType("float32", (1, 3, 2, 2)),
             lambda b, x: b.op("conv2d", x, b.const(SELECT[:, :, None, None]), b.const(np.zeros(4)))),
    ],
    "conv_transpose2d": [
        Case("bias_pads_strides", TensorType("float32", (1, 3, 4, 5)),
             lambda b, x: b.op("conv_transpose2d", x, b.const(c(3, 2, 3, 2)), b.const(c(2)),
                               pads=(1, 0, 2, 1), strides=(2, 3), dilations=(1, 2))),
        Case("depthwise_upscale_cropped", TensorType("float32", (1, 3, 5, 5)),
             lambda b, x: b.op("conv_transpose2d", x, b.const(c(3, 1, 2, 2)), pads=(0, 0, 5, 5),
                               strides=(2, 2), group=3)),
    ],
    "softmax": [Case("last", F, unary("softmax", axis=-1)), Case("axis1", F, unary("softmax", axis=1))],
    "argmax": [Case("keep", F, unary("argmax", axis=1, keepdims=1)),
               Case("ties_drop", F, unary("argmax", axis=-1, keepdims=0), integral),
               Case("ties_last", F, unary("argmax", axis=2, keepdims=1, select_last_index=1), integral)],
    "reshape": [
        Case("to_2d_flattenable", F, unary("reshape", shape=(6, 4))),
        Case("to_1_by_n", F, unary("reshape", shape=(1, 24))),
        Case("to_2d_not_flattenable", F, unary("reshape", shape=(4, 6))),
        Case("to_4d", F, unary("reshape", shape=(2, 1, 3, 4))),
        Case("drop_every_one", TensorType("float32", (2, 1, 3, 1, 4)), unary("reshape", shape=(2, 3, 4))),
        Case("drop_one", TensorType("float32", (2, 1, 3, 1, 4)), unary("reshape", shape=(2, 3, 1, 4))),
    ],
    "transpose": [Case("perm", F, unary("transpose", perm=(2, 0, 1)))],
    "slice": [
        Case("axes_steps", F, unary("slice", starts=(1, 0), ends=(4, 3), axes=(2, 1), steps=(2, 1))),
        Case("negative_and_clamped", F, unary("slice", starts=(-2,), ends=(100,), axes=(-1,))),
        Case("no_axes", F, unary("slice", starts=(1, 1), ends=(2, 3))),
    ],
    "pad": [Case("zero", F, unary("pad", pads=(0, 1, 2, 1, 0, 3))),
            Case("value", F, unary("pad", pads=(1, 0, 0, 0, 2, 1), value=-1.5)),
            Case("i64_value", I, unary("pad", pads=(0, 0, 1, 0, 0, 1), value=7.0), ints)],
    "concat": [Case("axis1", F, lambda b, x: b.op("concat", x, b.const(c(2, 2, 4)), x, axis=1)),
               Case("neg_axis", F, lambda b, x: b.op("concat", b.const(c(2, 3, 1)), x, axis=-1))],
    "split": [Case("equal", F, split_then_concat(2, (2, 2))),
              Case("unequal", F, split_then_concat(-2, (1, 2))),
              Case("equal_three", TensorType("float32", (2, 6, 4)), split_then_concat(1, (2, 2, 2)))],
    "gather": [
        Case("axis1", F, lambda b, x: b.op("gather", x, b.const(np.array([2, 0, -1, 1])), axis=1)),
        Case("i32_2d", F, lambda b, x: b.op("gather", x, b.const(np.array([[1, 0], [0, 0]], np.int32)))),
    ],
    "expand": [Case("bcast", TensorType("float32", (3, 1)), unary("expand", shape=(2, 3, 4))),
               Case("shorter_shape", TensorType("float32", (2, 1, 4)), unary("expand", shape=(3, 1)))],
    "onnx_node": [
        Case("less_or_equal", F, foreign("LessOrEqual", ["?", "?"], [B], [c(3, 4).round()]), integral),
        Case("clip_omitted_min", F, foreign("Clip", ["?", "", "?"], [F], [np.array(0.5, np.float32)])),
        Case("topk_values", TensorType("float32", (2, 5)),
             foreign("TopK", ["?", "?"], [TensorType("float32", (2, 3)), TensorType("int64", (2, 3))],
                     [np.array([3])])),
    ],
}

# -- the composite transformer ops: small TRM-shaped operands (L=8, D=16, 2 heads of 8).
# Weights are scaled like trained ones (~1/sqrt(fan-in)) so float32 stays within tolerance.
L, D, HEADS, INTER = 8, 16, 2, 32
TOKENS = TensorType("float32", (1, L, D))
NCHW = TensorType("float32", (1, D, 2, 4))


def weight(*shape: int) -> np.ndarray:
    return c(*shape, low=-1, high=1) / np.float32(np.sqrt(shape[-1]))


def rope(length: int, hd: int, base: float = 10000.0) -> tuple[np.ndarray, np.ndarray]:
    """cos/sin ``[L, hd]`` in the rotate-half layout (halves repeat), as the trainer builds them."""
    freqs = base ** (-np.arange(0, hd, 2) / hd)
    angles = np.arange(length)[:, None] * freqs[None]
    angles = np.concatenate((angles, angles), axis=-1)
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


def attention(rope_tables: bool, **attrs) -> Build:
    """RoPE tables, or any [L, hd] tables (which rule out the half-width RotaryEmbedding)."""
    def build(b: Builder, x: Value) -> Value:
        cos, sin = rope(L, D // HEADS) if rope_tables else (c(L, D // HEADS), c(L, D // HEADS))
        ws = [b.const(weight(D, D)) for _ in range(4)]
        return b.op("attention", x, *ws, b.const(cos), b.const(sin), heads=HEADS, **attrs)
    return build


def swiglu(axis: int) -> Build:
    def build(b: Builder, x: Value) -> Value:
        return b.op("swiglu", x, b.const(weight(INTER, D)), b.const(weight(INTER, D)),
                    b.const(weight(D, INTER)), axis=axis)
    return build


def onehot(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """NeuroGolf-style cells: one-hot over the channels, or all zero (token 0, "outside")."""
    _, channels, hh, ww = shape
    token = rng.integers(0, channels + 1, size=(hh, ww))
    return (np.arange(1, channels + 1)[:, None, None] == token)[None].astype(np.float32)


def embed(layout: str) -> Build:
    def build(b: Builder, x: Value) -> Value:
        return b.op("onehot_embed", x, b.const(c(x.type.shape[1], D)), b.const(c(D)), layout=layout)
    return build


def decode(w: np.ndarray, **attrs) -> Build:
    return lambda b, x: b.op("argmax_decode", x, b.const(w), **attrs)


CASES.update({
    "rms_norm": [Case("tokens", TOKENS, unary("rms_norm", axis=-1, eps=1e-5)),
                 Case("nchw", NCHW, unary("rms_norm", axis=1, eps=1e-5))],
    "attention": [Case("rope_2_heads", TOKENS, attention(True)),
                  Case("free_tables", TOKENS, attention(False)),
                  Case("residual", TOKENS, attention(True, residual=1))],
    "swiglu": [Case("tokens", TOKENS, swiglu(2)), Case("nchw", NCHW, swiglu(-3))],
    "onehot_embed": [Case(f"{layout}", TensorType("float32", (1, 10, 3, 4)), embed(layout), onehot)
                     for layout in ("tokens", "nchw")],
    "argmax_decode": [
        Case("tokens_prefix", TensorType("float32", (1, 2 + 12, D)),
             decode(weight(11, D), layout="tokens", canvas=(3, 4), prefix=2, size=5)),
        # more classes than channels: the states are sliced before the head, not the logits
        Case("tokens_prefix_wide_head", TensorType("float32", (1, 2 + 12, D)),
             decode(weight(D + 4, D), layout="tokens", canvas=(3, 4), prefix=2, size=5)),
        Case("nchw", NCHW, decode(weight(11, D), layout="nchw", canvas=(2, 4), size=6)),
        # whole numbers: tied logits mark every tied colour; a full canvas needs no Pad
        Case("ties_full_canvas", TensorType("float32", (1, 4, 3, 3)),
             decode(c(5, 4, dtype=np.int64, low=-1, high=1).astype(np.float32), layout="nchw",
                    canvas=(3, 3), size=3), integral),
    ],
})


for _op in ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min"):
    CASES[_op] = [Case("keep", F, unary(_op, axes=(1,), keepdims=1)),
                  Case("drop_two", F, unary(_op, axes=(0, -1), keepdims=0)),
                  # every axis: no axes tensor needed (ONNX reads absent axes as all)
                  Case("every_axis", F, unary(_op, axes=(0, 1, 2), keepdims=0)),
                  Case("every_axis_keep", F, unary(_op, axes=(2, -2, 0), keepdims=1))]
    if _op != "reduce_mean":
        CASES[_op].append(Case("i64", I, unary(_op, axes=(2,), keepdims=1), ints))
    if _op in ("reduce_mean", "reduce_max"):  # GlobalAveragePool / GlobalMaxPool
        CASES[_op].append(Case("spatial_nchw", NCHW, unary(_op, axes=(2, -1), keepdims=1)))
CASES["hardmax"] = [Case("channels_ties", NCHW, unary("hardmax", axis=1), integral),
                    Case("last_axis", F, unary("hardmax"))]


# -- ops modelled for imported networks (trmgolf.ir.ops.numeric), and the import-only forms
# of slice (negative steps) and pad (negative pads: a crop).
U8 = TensorType("uint8", (2, 3, 4))


def small_u8(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, 20, size=shape).astype(np.uint8)


CASES.update({
    "greater_or_equal": [Case("f32_ties", F, binary("greater_or_equal", c(4).round()), integral),
                         Case("u8", U8, binary("greater_or_equal", c(4, dtype=np.uint8, low=0, high=9)),
                              small_u8)],
    "less_or_equal": [Case("f32_ties", F, binary("less_or_equal", c(3, 4).round()), integral)],
    "sign": [Case("f32", F, unary("sign"), integral), Case("i64", I, unary("sign"), ints)],
    "floor": [Case("f32", F, unary("floor"))],
    "ceil": [Case("f32", F, unary("ceil"))],
    # halves round to even
    "round": [Case("f32_halves", F, unary("round"), lambda rng, shape: (integral(rng, shape) / 2))],
    "mod": [Case("i64_divisor_sign", I, binary("mod", np.array([3, -4, 5, 7], np.int64)), ints),
            Case("f32_fmod", F, lambda b, x: b.op("mod", x, b.const(c(4, low=0.5, high=2)), fmod=1))],
    "clip": [Case("both", F, unary("clip", min=-0.5, max=1.0)),
             Case("max_only", F, unary("clip", max=0.25)),
             Case("u8_min_only", U8, unary("clip", min=3.0), small_u8)],
    "argmin": [Case("keep_ties", F, unary("argmin", axis=1, keepdims=1), integral)],
    "tile": [Case("repeats", F, unary("tile", repeats=(1, 2, 3)))],
})
CASES["slice"] += [
    Case("reverse_all", F, unary("slice", starts=(3,), ends=(-5,), axes=(2,), steps=(-1,))),
    Case("reverse_stride", F, unary("slice", starts=(2, 1), ends=(0, -4), axes=(1, 0), steps=(-2, -1))),
]
CASES["reshape"] += [Case("to_scalar", TensorType("float32", (1, 1)), unary("reshape", shape=()))]
CASES["pad"] += [Case("negative_crop", F, unary("pad", pads=(0, -1, 1, 0, -1, -2)))]
CASES["max_pool2d"] = [
    Case("square_same", TensorType("float32", (1, 2, 5, 6)),
         unary("max_pool2d", kernel=(3, 3), pads=(1, 1, 1, 1))),
    Case("row_f16", TensorType("float32", (1, 1, 4, 5)),
         lambda b, x: b.op("max_pool2d", b.op("cast", x, to="float16"), kernel=(1, 3), pads=(0, 1, 0, 1))),
    Case("unpadded", TensorType("float32", (1, 1, 4, 5)), unary("max_pool2d", kernel=(3, 2))),
    Case("uint8_index", TensorType("float32", (1, 1, 4, 5)),  # padding never wins, even over 0
         lambda b, x: b.op("max_pool2d", b.op("cast", b.op("abs", x), to="uint8"), kernel=(3, 2),
                           pads=(2, 1, 0, 0)), integral),
    Case("dilated", TensorType("float32", (1, 2, 5, 7)),
         unary("max_pool2d", kernel=(2, 3), dilations=(2, 2))),
]
# -- ops modelled on onnxruntime's kernels (exactly: tests/emit/test_emit_modelled_ops.py)
NCHW_SMALL = TensorType("float32", (1, 2, 5, 6))
ROIS5 = np.array([[0, 1, 0, 4, 3], [0, -2, 1, 7.5, 2]], np.float32)  # (batch, x1, y1, x2, y2)
ROI4 = np.array([[4.25, 3.5, 0.5, -0.75]], np.float32)  # reversed: a flip
CASES.update({
    "max_roi_pool": [Case("two_rois", NCHW_SMALL,
                          lambda b, x: b.op("max_roi_pool", x, b.const(ROIS5), pooled_shape=(3, 4)))],
    "roi_align": [Case("reversed_half_pixel", NCHW_SMALL, lambda b, x: b.op(
        "roi_align", x, b.const(ROI4), b.const(np.zeros(1, np.int64)), output_height=4, output_width=3,
        sampling_ratio=1))],
    "resize": [Case("crop_and_resize", NCHW_SMALL, unary(
        "resize", sizes=(7, 3), axes=(2, 3), roi=(0.1, 0.0, 0.9, 1.2), nearest_mode="floor",
        coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=-1.0))],
    "quantize_linear": [Case("uint8_ties", F, binary("quantize_linear", np.float32(0.5)),
                             lambda rng, shape: integral(rng, shape) / 4)],
    "conv_integer": [Case("zero_point_pads", TensorType("uint8", (1, 2, 4, 5)), lambda b, x: b.op(
        "conv_integer", x, b.const(c(3, 2, 2, 3, dtype=np.int8, low=-9, high=9)), b.const(np.uint8(7)),
        pads=(1, 2, 3, 0)), lambda rng, shape: rng.integers(0, 256, size=shape).astype(np.uint8))],
})
for _op in ("reduce_prod", "reduce_l1", "reduce_l2", "reduce_sum_square", "reduce_log_sum",
            "reduce_log_sum_exp"):
    gen = positive if _op == "reduce_log_sum" else normal
    CASES[_op] = [Case("keep", F, unary(_op, axes=(1,), keepdims=1), gen),
                  Case("drop_two", F, unary(_op, axes=(0, -1), keepdims=0), gen),
                  Case("every_axis", F, unary(_op, axes=(0, 1, 2), keepdims=0), gen)]


def build_case(case: Case) -> Graph:
    b = Builder(case.input)
    b.graph.output = case.build(b, b.input)
    verify(b.graph, grid_output=False)
    return b.graph


def first_opset(graph: Graph, op: str, lowering: str) -> str | None:
    """The first target whose opset has ``lowering`` for the op's nodes (None if none)."""
    nodes = [n for n in graph.nodes if n.op == op]
    for target, opset in OPSETS.items():
        alts = {a.name: a for a in LOWERINGS[op]}
        if all(alts[lowering].available(n, opset) for n in nodes):
            return target
    return None


def _params():
    out = []
    for op in sorted(OPS):
        for case in CASES.get(op, []):
            graph = build_case(case)
            lowerings = [a.name for a in LOWERINGS.get(op, [])] or [None]
            for name in lowerings:
                target = first_opset(graph, op, name) if name else "ng2026"
                if target is not None:
                    out.append(pytest.param(op, name, case, target, id=f"{op}-{name}-{case.id}-{target}"))
    return out


PARAMS = _params()


@pytest.fixture(autouse=True)
def _opset12(monkeypatch):
    monkeypatch.setitem(targets.TARGETS, "test_opset12",
                        targets.Target("test_opset12", 12, "onnxruntime", "test only"))
    monkeypatch.setitem(targets.TARGETS, "test_opset10",  # Equal-7: imported old networks
                        targets.Target("test_opset10", 10, "onnxruntime", "test only"))


def test_every_op_has_a_case():
    missing = sorted(set(OPS) - set(CASES))
    assert not missing, f"ops without an emit test case: {missing}"
    assert set(LOWERINGS) <= set(OPS)
    assert sorted(set(OPS) - set(LOWERINGS)) == ["constant"]  # emitted as initializers


def test_every_lowering_is_exercised():
    covered = {(p.values[0], p.values[1]) for p in PARAMS}
    wanted = {(op, a.name) for op, alts in LOWERINGS.items() for a in alts}
    assert not wanted - covered, f"lowerings no case reaches at any opset: {sorted(wanted - covered)}"


@pytest.mark.parametrize(("op", "lowering", "case", "target"), PARAMS)
def test_op_lowering_matches_interpreter(op, lowering, case, target):
    graph = build_case(case)
    forced = {op: lowering} if lowering else None
    rng = np.random.default_rng(zlib.crc32(case.id.encode()))
    for _ in range(2):
        x = case.sample(rng)
        emitted = check_emitted(graph, x, target, forced, grid_output=False)
    if lowering:
        got = {ch.lowering for ch in emitted.choices if ch.op == op}
        assert got == {lowering}


def test_selection_only_offers_available_lowerings():
    """LoweringSession.choose never returns a lowering outside its opset window."""
    for op, alts in LOWERINGS.items():
        for case in CASES.get(op, []):  # a missing case fails test_every_op_has_a_case
            node = next(n for n in build_case(case).nodes if n.op == op)
            for opset in OPSETS.values():
                if any(a.available(node, opset) for a in alts):
                    alt, _ = LoweringSession(opset, Initializers()).choose(
                        node, ["i"] * len(node.inputs), [f"o{k}" for k in range(len(node.outputs))])
                    assert alt.available(node, opset)


@pytest.mark.parametrize("op", ["reduce_sum", "reduce_l2", "reduce_max"])
def test_reduction_over_every_axis_is_picked_without_axes(op):
    """Selection prefers the axes-free form when a reduction covers every axis (it saves the
    axes initializer's params); a partial reduction keeps its axes."""
    for axes, want, inits in (((0, 1, 2), "all_axes", 0), ((0, 2), "axes_input", 1)):
        graph = build_case(Case(f"{op}_{want}", F, unary(op, axes=axes, keepdims=0)))
        emitted = check_emitted(graph, normal(np.random.default_rng(1), F.shape), "ng2026", None,
                                grid_output=False)
        assert {ch.lowering for ch in emitted.choices if ch.op == op} == {want}
        assert len(emitted.model.graph.initializer) == inits
