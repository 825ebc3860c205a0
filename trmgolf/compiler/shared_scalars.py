"""One initializer for each single-element constant, whatever its shape.

A lowering asks for a scalar of shape ``()`` (Clip's bounds, Pad's value, a comparison's
threshold); an imported network often holds the same value already, as ``[1]`` or
``[1,1,1,1]``, for other readers. Each costs a parameter. Where every slot that reads one
accepts the other's shape with the same meaning, the readers share one of them:

* a broadcasting elementwise op (Add, Greater, Where ...) broadcasts a single element of
  any rank up to the highest rank of its other operands to the same result;
* Clip's bounds may be ``()`` or ``[1]`` (onnxruntime refuses more dimensions);
* Pad's constant value may be any single element (onnxruntime reads its one element).
"""

from __future__ import annotations

from collections.abc import Container, Mapping

import numpy as np
import onnx
from onnx import numpy_helper

#: ONNX ops whose output is the multidirectional (or, PRelu, unidirectional) broadcast of
#: their inputs: a single-element operand may have any rank up to its fellow operands'.
BROADCASTING = frozenset({
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Min", "Max", "Sum", "Mean", "Equal", "Less",
    "Greater", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor", "Where", "PRelu", "BitShift",
    "BitwiseAnd", "BitwiseOr", "BitwiseXor"})

#: (op type, input slot) -> the highest rank a single-element operand may have there
FIXED_SLOTS: dict[tuple[str, int], int] = {("Clip", 1): 1, ("Clip", 2): 1, ("Pad", 2): 8}

#: A rank no operand reaches: the slot accepts no other shape.
NO_RANK = -1


def _slot_rank(node: onnx.NodeProto, slot: int, ranks: Mapping[str, int], singles: Container[str]) -> int:
    """The highest rank a single-element operand may have in ``slot`` of ``node``. Next to
    another single-element initializer (which may move too) or to itself, none other."""
    if node.domain not in ("", "ai.onnx"):
        return NO_RANK
    if (node.op_type, slot) in FIXED_SLOTS:
        return FIXED_SLOTS[(node.op_type, slot)]
    if node.op_type in BROADCASTING:
        others = [n for k, n in enumerate(node.input) if k != slot]
        if not others or any(not n or n in singles or n not in ranks for n in others):
            return NO_RANK
        return max(ranks[n] for n in others)
    return NO_RANK


def share_single_element_initializers(model: onnx.ModelProto, ranks: Mapping[str, int]) -> int:
    """Point every reader of a single-element initializer at one equal-valued initializer of
    a shape its slot accepts, drop the initializers no node reads any more, and return how
    many were dropped. ``ranks`` gives the rank of the tensors nodes write (one missing
    blocks the slots next to it); the graph input's and the initializers' are read here."""
    g = model.graph
    ranks = {**ranks, **{t.name: len(t.dims) for t in g.initializer},
             **{vi.name: len(vi.type.tensor_type.shape.dim) for vi in g.input}}
    singles = {t.name: t for t in g.initializer if int(np.prod(t.dims, dtype=np.int64)) == 1}
    if len(singles) < 2:
        return 0
    allowed: dict[str, int] = {}
    for node in g.node:
        for slot, name in enumerate(node.input):
            if name in singles:
                allowed[name] = min(allowed.get(name, 99), _slot_rank(node, slot, ranks, singles))
    groups: dict[tuple[int, bytes], list[str]] = {}
    for name, t in singles.items():
        if name in allowed:
            array = numpy_helper.to_array(t)
            groups.setdefault((t.data_type, array.tobytes()), []).append(name)
    rename: dict[str, str] = {}
    for names in groups.values():
        if len(names) < 2:
            continue

        def moved(keeper: str, names: list[str] = names) -> list[str]:
            return [n for n in names if n != keeper and allowed[n] >= len(singles[keeper].dims)]

        keeper = max(names, key=lambda k: (len(moved(k)), -len(singles[k].dims)))
        rename.update({n: keeper for n in moved(keeper)})
    if not rename:
        return 0
    for node in g.node:
        names = [rename.get(n, n) for n in node.input]
        del node.input[:]
        node.input.extend(names)
    kept = [t for t in g.initializer if t.name not in rename]
    del g.initializer[:]
    g.initializer.extend(kept)
    return len(rename)
