"""Type rules shared by many ops."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.registry import IRTypeError
from trmgolf.ir.types import FLOAT_DTYPES, TensorType


def arg_index(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    """ArgMax/ArgMin: int64 indices along ``axis``, the axis kept as 1 unless ``keepdims=0``."""
    t = types[0]
    axis = normalize_axis(attrs.get("axis", 0), t.rank)
    keep = attrs.get("keepdims", 1)
    return [TensorType("int64", tuple(1 if i == axis else d for i, d in enumerate(t.shape)
                                      if keep or i != axis))]


def broadcast_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise IRTypeError(f"shapes {list(shapes)} do not broadcast") from None


def same_dtype(types: Sequence[TensorType], what: str) -> str:
    dtypes = {t.dtype for t in types}
    if len(dtypes) != 1:
        raise IRTypeError(f"{what}: inputs must share a dtype, got {sorted(dtypes)}")
    return dtypes.pop()


def same_as_first(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    return [types[0]]


def broadcast(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    dtype = same_dtype(types, "elementwise op")
    return [TensorType(dtype, broadcast_shape(*(t.shape for t in types)))]


def broadcast_bool(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    same_dtype(types, "comparison")
    return [TensorType("bool", broadcast_shape(*(t.shape for t in types)))]


def require_float(types: Sequence[TensorType], what: str) -> None:
    for t in types:
        if t.dtype not in FLOAT_DTYPES:
            raise IRTypeError(f"{what} needs float inputs, got {t.dtype}")


def normalize_axis(axis: int, rank: int) -> int:
    if not -rank <= axis < max(rank, 1):
        raise IRTypeError(f"axis {axis} out of range for rank {rank}")
    return axis % rank if rank else 0
