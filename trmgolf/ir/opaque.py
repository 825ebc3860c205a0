"""Opaque constants: arrays and bytes known only by their printed content hash.

The printer shows a large constant as ``#1a2b3c4d``, not its values. Parsed back without
the array (``parse(text)`` with no mapping for that digest), the constant becomes an
``OpaqueArray``: it has the right dtype and shape, so the graph verifies, prints back the
same digest and can be transformed by passes that never look at values; anything that
needs the values (the interpreter, folding, a rule that reads a constant, emission)
raises ``OpaqueConstantError`` instead of computing with made-up numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class OpaqueConstantError(ValueError):
    """A value was needed from a constant parsed without its array."""

    def __init__(self, digest: str | None) -> None:
        super().__init__(f"constant #{digest} is opaque (parsed from text without its array); "
                         "pass parse() the arrays by digest to evaluate it")


class OpaqueArray(np.ndarray):
    """An array of a known dtype and shape whose values are unknown (a zero-stride view)."""

    digest: str | None

    def __new__(cls, dtype: np.dtype, shape: tuple[int, ...], digest: str) -> OpaqueArray:
        obj = np.broadcast_to(np.zeros((), dtype), shape).view(cls)
        obj.digest = digest
        return obj

    def __array_finalize__(self, obj: Any) -> None:
        self.digest = getattr(obj, "digest", None)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        raise OpaqueConstantError(self.digest)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        raise OpaqueConstantError(self.digest)


class OpaqueBytes(bytes):
    """Bytes of a known length whose content is unknown (an ``onnx_node``'s stored node)."""

    digest: str

    def __new__(cls, length: int, digest: str) -> OpaqueBytes:
        obj = super().__new__(cls, bytes(length))
        obj.digest = digest
        return obj


def is_opaque(value: Any) -> bool:
    return isinstance(value, OpaqueArray | OpaqueBytes)


def require_concrete(value: Any) -> Any:
    """``value`` itself, or ``OpaqueConstantError`` when it is opaque."""
    if is_opaque(value):
        raise OpaqueConstantError(value.digest)
    return value
