"""Which values are only needed up to sign: the grader reads ``output > 0`` and nothing else.

A value is *sign-only* when every reader passes on only whether it is positive: the graph
output itself, and inputs of ops that map values of the same positivity to outputs of the
same positivity when their own output is sign-only. Which ops those are is read from their
registration (``ir.registry``), not listed here: an op that ``moves`` the input's values
(transposes, reshapes, slices, gathers, pads, max-pools, concat, where's branches ...), and an
``elementwise`` op ``monotone`` nondecreasing in the input with its other inputs constant,
whose reference maps 0 to a value <= 0 and the dtype's smallest positive value to one > 0
(Relu, ``Greater(x, 0)``, widening casts, a scale by a constant >= 1, Clip, ...). Replacing a
sign-only value by another with the same positivity on every input leaves ``output > 0``
unchanged, which is what the output-side rewrites (``compiler.passes.sign_rewrites``) rely
on. The printer marks them.
"""

from __future__ import annotations

import numpy as np

from trmgolf.ir.graph import Graph, Node, Value
from trmgolf.ir.registry import get_op
from trmgolf.ir.types import NUMPY_DTYPES


def passes_positivity(src: str, dst: str) -> bool:
    """Whether ``cast`` from ``src`` to ``dst`` keeps ``x > 0`` for every value of ``src``."""
    s, d = NUMPY_DTYPES[src], NUMPY_DTYPES[dst]
    if s.kind == "b":
        return True
    if d.kind == "b" or (s.kind == "f" and d.kind != "f"):
        return False  # negatives become True; 0.5 truncates to 0
    if s.kind == "f":
        return d.itemsize >= s.itemsize  # a narrower float can flush a tiny positive to 0
    if d.kind == "f":
        return True  # an integer rounds to a float of its sign (or to an infinity)
    return bool(np.can_cast(s, d, casting="safe"))


def smallest_positive(dtype: np.dtype) -> np.ndarray:
    """The least value of ``dtype`` that is > 0 (a subnormal for floats)."""
    if dtype.kind == "b":
        return np.array(True)
    if dtype.kind == "f":
        return np.array(np.finfo(dtype).smallest_subnormal, dtype)
    return np.array(1, dtype)


def keeps_positivity(node: Node, index: int, nonpositive: np.ndarray, positive: np.ndarray) -> bool:
    """Whether ``node``, nondecreasing in input ``index`` with its other inputs constant, maps
    the largest ``nonpositive`` input to outputs <= 0 and the least ``positive`` one to outputs
    > 0: then ``out > 0`` exactly when ``in > 0`` for every input between and beyond them."""
    op = get_op(node.op)
    if not op.elementwise or op.directions(node)[index] != 1:
        return False
    others = [v for i, v in enumerate(node.inputs) if i != index]
    if not all(v.is_constant for v in others):
        return False
    dtype = node.inputs[index].type.np_dtype

    def at(x: np.ndarray) -> np.ndarray:
        arrays = [np.asarray(x).astype(dtype) if i == index else v.constant
                  for i, v in enumerate(node.inputs)]
        with np.errstate(all="ignore"):
            return np.asarray(op.run(arrays, node.attrs)[0])

    return bool(np.all(at(nonpositive) <= 0) and np.all(at(positive) > 0))


def propagates(node: Node, index: int) -> bool:
    """Whether input ``index`` of ``node`` needs only its sign when ``node``'s outputs do: the
    op moves that input's values, or keeps its positivity for every value of its dtype."""
    op = get_op(node.op)
    if op.moved(index):
        return True
    dtype = node.inputs[index].type.np_dtype
    try:
        return keeps_positivity(node, index, np.zeros((), dtype), smallest_positive(dtype))
    except Exception:  # noqa: BLE001 - a reference that rejects the probe: assume nothing
        return False


def sign_only_values(graph: Graph) -> set[Value]:
    """The values of ``graph`` that are only needed up to sign (the output among them).

    Nodes are visited last to first, so every reader of a value is decided before it; a
    reader none of whose results reaches the output (dead code) needs nothing."""
    signed: set[Value] = set()
    live: set[Value] = set()
    if graph.output is None:
        return signed
    candidates = [graph.input, *(v for node in graph.nodes for v in node.outputs)]
    for v in reversed(candidates):
        readers = [(n, i) for n, i in v.uses if any(o in live for o in n.outputs)]
        if v is not graph.output and not readers:
            continue
        live.add(v)
        if all(all(o in signed or o not in live for o in n.outputs) and propagates(n, i) for n, i in readers):
            signed.add(v)
    return signed
