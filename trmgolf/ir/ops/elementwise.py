"""Elementwise ops: arithmetic, comparisons, logic, activations, where and cast.

Binary ops broadcast like numpy (and ONNX); both inputs share a dtype.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.ops.infer import (
    broadcast,
    broadcast_bool,
    broadcast_shape,
    require_float,
    same_as_first,
)
from trmgolf.ir.registry import Attr, IRTypeError, register
from trmgolf.ir.types import NUMPY_DTYPES, TensorType


def _keep(x: np.ndarray, like: np.ndarray) -> np.ndarray:
    return np.asarray(x).astype(like.dtype, copy=False)


def _constant_sign(v: Any) -> int:
    """+1 when ``v`` is a constant >= 0 everywhere, -1 when <= 0 everywhere, else 0."""
    if not v.is_constant:
        return 0
    c = np.asarray(v.constant)
    if c.size == 0 or c.dtype.kind not in "biuf" or np.isnan(c.astype(np.float64)).any():
        return 0
    return 1 if bool(np.all(c >= 0)) else -1 if bool(np.all(c <= 0)) else 0


def _mul_monotone(node: Any) -> tuple[int, ...]:
    """x * c moves with x as c's sign says (c a constant of one sign)."""
    a, b = node.inputs
    return (_constant_sign(b), _constant_sign(a))


def _div_monotone(node: Any) -> tuple[int, ...]:
    """x / c for a float constant c of one sign, never 0 (integer division truncates)."""
    if node.inputs[0].type.np_dtype.kind != "f" or not node.inputs[1].is_constant:
        return (0, 0)
    c = np.asarray(node.inputs[1].constant, np.float64)
    return (1 if bool(np.all(c > 0)) else -1 if bool(np.all(c < 0)) else 0, 0)


def _cast_monotone(node: Any) -> tuple[int, ...]:
    """A cast keeps order unless it wraps integers or converts floats to integers (overflow)."""
    src, dst = node.inputs[0].type.np_dtype, NUMPY_DTYPES[node.attrs["to"]]
    if src.kind == "b" or dst.kind == "f" or (src.kind in "iu" and np.can_cast(src, dst, casting="safe")):
        return (1,)
    return (0,)


@register("add", infer=broadcast, attrs={}, arity=2, commutative=True, elementwise=True, monotone=(1, 1))
def add(a, b):
    return _keep(a + b, a)


@register("sub", infer=broadcast, attrs={}, arity=2, elementwise=True, monotone=(1, -1))
def sub(a, b):
    return _keep(a - b, a)


@register("mul", infer=broadcast, attrs={}, arity=2, commutative=True, elementwise=True,
          monotone=_mul_monotone)
def mul(a, b):
    return _keep(a * b, a)


@register("div", infer=broadcast, attrs={}, arity=2, elementwise=True, monotone=_div_monotone)
def div(a, b):
    """Float division, or integer division truncating toward zero (ONNX semantics)."""
    if np.issubdtype(a.dtype, np.integer):
        return _keep(np.trunc(a / b), a)
    return _keep(a / b, a)


@register("pow", infer=broadcast, attrs={}, arity=2, elementwise=True)
def pow_(a, b):
    return _keep(np.power(a, b), a)


@register("min", infer=broadcast, attrs={}, arity=2, commutative=True, elementwise=True, monotone=(1, 1))
def min_(a, b):
    return np.minimum(a, b)


@register("max", infer=broadcast, attrs={}, arity=2, commutative=True, elementwise=True, monotone=(1, 1))
def max_(a, b):
    return np.maximum(a, b)


@register("equal", infer=broadcast_bool, attrs={}, arity=2, commutative=True, elementwise=True)
def equal(a, b):
    return np.equal(a, b)


@register("less", infer=broadcast_bool, attrs={}, arity=2, elementwise=True, monotone=(-1, 1))
def less(a, b):
    return np.less(a, b)


@register("greater", infer=broadcast_bool, attrs={}, arity=2, elementwise=True, monotone=(1, -1))
def greater(a, b):
    return np.greater(a, b)


def _bool_inputs(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    if any(t.dtype != "bool" for t in types):
        raise IRTypeError("logical ops need bool inputs")
    return broadcast(types, attrs)


@register("and", infer=_bool_inputs, attrs={}, arity=2, commutative=True, elementwise=True, monotone=(1, 1))
def and_(a, b):
    return np.logical_and(a, b)


@register("or", infer=_bool_inputs, attrs={}, arity=2, commutative=True, elementwise=True, monotone=(1, 1))
def or_(a, b):
    return np.logical_or(a, b)


@register("xor", infer=_bool_inputs, attrs={}, arity=2, commutative=True, elementwise=True)
def xor(a, b):
    return np.logical_xor(a, b)


@register("not", infer=_bool_inputs, attrs={}, elementwise=True, monotone=(-1,))
def not_(a):
    return np.logical_not(a)


@register("identity", infer=same_as_first, attrs={}, elementwise=True, monotone=(1,), moves=(0,))
def identity(a):
    return a


@register("neg", infer=same_as_first, attrs={}, elementwise=True, monotone=(-1,))
def neg(a):
    return -a


@register("abs", infer=same_as_first, attrs={}, elementwise=True)
def abs_(a):
    return np.abs(a)


@register("relu", infer=same_as_first, attrs={}, elementwise=True, monotone=(1,))
def relu(a):
    return np.maximum(a, np.zeros((), a.dtype))


def _float_unary(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    require_float(types, "this activation")
    return [types[0]]


@register("sigmoid", infer=_float_unary, attrs={}, elementwise=True, monotone=(1,))
def sigmoid(a):
    return _keep(1.0 / (1.0 + np.exp(-a.astype(np.float64))), a)


@register("exp", infer=_float_unary, attrs={}, elementwise=True, monotone=(1,))
def exp(a):
    return _keep(np.exp(a), a)


@register("log", infer=_float_unary, attrs={}, elementwise=True, monotone=(1,))
def log(a):
    return _keep(np.log(a), a)


@register("sqrt", infer=_float_unary, attrs={}, elementwise=True, monotone=(1,))
def sqrt(a):
    return _keep(np.sqrt(a), a)


@register("reciprocal", infer=_float_unary, attrs={}, elementwise=True)
def reciprocal(a):
    return _keep(np.reciprocal(a), a)


@register("tanh", infer=_float_unary, attrs={}, elementwise=True, monotone=(1,))
def tanh(a):
    return _keep(np.tanh(a), a)


def _where(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    cond, a, b = types
    if cond.dtype != "bool":
        raise IRTypeError("where: condition must be bool")
    if a.dtype != b.dtype:
        raise IRTypeError(f"where: branches must share a dtype, got {a.dtype} and {b.dtype}")
    return [TensorType(a.dtype, broadcast_shape(cond.shape, a.shape, b.shape))]


@register("where", infer=_where, attrs={}, arity=3, elementwise=True, moves=(1, 2))
def where(cond, a, b):
    return np.where(cond, a, b).astype(a.dtype, copy=False)


def _cast(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    to = attrs.get("to")
    if to not in NUMPY_DTYPES:
        raise IRTypeError(f"cast: unknown target dtype {to!r}")
    return [types[0].with_dtype(to)]


@register("cast", infer=_cast, attrs={"to": Attr(str)}, elementwise=True, monotone=_cast_monotone)
def cast(a, *, to):
    return a.astype(NUMPY_DTYPES[to])
