"""The ``constant`` op: a node with no inputs whose ``value`` attribute is a numpy array."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trmgolf.ir.opaque import require_concrete
from trmgolf.ir.registry import Attr, IRTypeError, register
from trmgolf.ir.types import TensorType


def _constant(types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
    value = attrs.get("value")
    if not isinstance(value, np.ndarray):
        raise IRTypeError("constant: 'value' must be a numpy array")
    return [TensorType.of(value)]


@register("constant", infer=_constant, attrs={"value": Attr("array")}, arity=0)
def constant(*, value):
    return require_concrete(value)
