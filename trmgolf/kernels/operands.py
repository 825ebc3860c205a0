"""The constant operands of the composite ops (attention, SwiGLU, embeddings, decoding):
reading them and turning them into initializers.

Derived constants (reshaped or rotated weights, RoPE tables) go through ``ctx.const``,
which shares them by content: every unrolled step reads the same initializer. Kernel
selection emits every alternative of every node, so each derived constant is memoised by
what it is built from (``derived_key``) instead of being rebuilt and re-hashed.
"""

from __future__ import annotations

import numpy as np

from trmgolf.ir.graph import Node
from trmgolf.ir.types import TensorType
from trmgolf.kernels.context import EmitContext


def weights_constant(node: Node) -> bool:
    """Every operand after the first (the activations) is a constant."""
    return all(v.is_constant for v in node.inputs[1:])


def operand(node: Node, i: int) -> np.ndarray:
    """The value of the node's constant input ``i``."""
    return node.inputs[i].constant


def derived_key(node: Node, tag: str, *indices: int, extra: object = None) -> tuple:
    """What a derived constant is built from (``EmitContext.const``'s ``key``): a tag and
    the identities of the node's constant inputs it reads."""
    return (tag, *(id(node.inputs[i]) for i in indices), extra)


def weight(ctx: EmitContext, node: Node, index: int, dt: str, hint: str) -> str:
    """Constant input ``index`` as an initializer of dtype ``dt`` (memoised by identity)."""
    return ctx.const(lambda: operand(node, index), dt, hint, derived_key(node, "input", index))


def activation_dtype(node: Node) -> str:
    return node.inputs[0].type.dtype


def with_channels(t: TensorType, axis: int, n: int) -> TensorType:
    """``t`` with ``n`` elements along ``axis``."""
    shape = list(t.shape)
    shape[axis] = n
    return t.with_shape(tuple(shape))
