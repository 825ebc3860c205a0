"""The op registry: each IR op declares its type inference and its numpy reference.

Adding an op is one local definition::

    @register("relu", infer=same_as_first)
    def relu(x):
        return np.maximum(x, 0)

``infer(types, attrs) -> list[TensorType]`` raises ``IRTypeError`` on bad input;
the compute function takes the input arrays as positional arguments and the
attributes as keyword arguments, and returns an array or a tuple of arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from trmgolf.ir.types import TensorType

Infer = Callable[[Sequence[TensorType], Mapping[str, Any]], list[TensorType]]
Compute = Callable[..., Any]


class IRTypeError(TypeError):
    """An op was given inputs or attributes that its type rule rejects."""


@dataclass(frozen=True)
class OpDef:
    name: str
    infer: Infer
    compute: Compute
    arity: tuple[int, int]  # min and max number of inputs
    commutative: bool = False
    doc: str = ""

    def infer_types(self, types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
        lo, hi = self.arity
        if not lo <= len(types) <= hi:
            want = str(lo) if lo == hi else f"{lo}-{hi}"
            raise IRTypeError(f"{self.name} takes {want} inputs, got {len(types)}")
        return self.infer(types, attrs)

    def run(self, arrays: Sequence[np.ndarray], attrs: Mapping[str, Any]) -> list[np.ndarray]:
        out = self.compute(*arrays, **attrs)
        return list(out) if isinstance(out, tuple | list) else [out]


OPS: dict[str, OpDef] = {}


def register(name: str, *, infer: Infer, arity: int | tuple[int, int] = 1,
             commutative: bool = False) -> Callable[[Compute], Compute]:
    """Register ``name`` with its type rule; decorates the numpy reference implementation."""
    lo_hi = (arity, arity) if isinstance(arity, int) else arity

    def wrap(fn: Compute) -> Compute:
        if name in OPS:
            raise ValueError(f"op {name!r} registered twice")
        OPS[name] = OpDef(name, infer, fn, lo_hi, commutative, (fn.__doc__ or "").strip())
        return fn

    return wrap


def get_op(name: str) -> OpDef:
    try:
        return OPS[name]
    except KeyError:
        raise IRTypeError(f"unknown op {name!r}") from None
