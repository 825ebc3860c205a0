"""The op registry: each IR op declares its type inference and its numpy reference.

Adding an op is one local definition::

    @register("leaky_relu", infer=same_as_first, attrs={"alpha": Attr(float, 0.01)})
    def leaky_relu(x, *, alpha=0.01):
        return np.where(x > 0, x, alpha * x)

``infer(types, attrs) -> list[TensorType]`` raises ``IRTypeError`` on bad input;
the compute function takes the input arrays as positional arguments and the
attributes as keyword arguments, and returns an array or a tuple of arrays.
Every op declares its attributes (``attrs={}`` when it has none): a node's
attributes are checked against them before its types are inferred.

An op may also declare what the value analyses (``compiler.analysis``) may assume of it, once,
here, instead of a rule in a pass: ``elementwise`` (each output cell is the reference applied
to the matching, broadcast, input cells, so it may be run on value sets), ``monotone`` (per
input, +1 nondecreasing, -1 nonincreasing, 0 neither, when the other inputs are held fixed; a
function of the node where it depends on a constant operand or an attribute) and ``moves``
(the inputs whose values the output only copies or moves, plus the value ``fill`` adds where
it adds cells: an attribute's value, named, or a number). An op that declares none of them stops the analyses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from trmgolf.ir.graph import freeze_attr
from trmgolf.ir.types import TensorType

if TYPE_CHECKING:
    from trmgolf.ir.graph import Node

Infer = Callable[[Sequence[TensorType], Mapping[str, Any]], list[TensorType]]
Compute = Callable[..., Any]
#: Per input: +1 nondecreasing, -1 nonincreasing, 0 neither (a function of the node when it
#: depends on a constant operand's sign or an attribute).
Monotone = tuple[int, ...] | Callable[["Node"], tuple[int, ...]]
#: Every input is moved (``concat``).
ALL_INPUTS = "all"


class IRTypeError(TypeError):
    """An op was given inputs or attributes that its type rule rejects."""


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The default of an attribute that every node of the op must set.
REQUIRED: Any = _Required()

#: What an attribute may hold: ``int``, ``float``, ``str``, ``bool``, ``"ints"`` (a tuple of
#: ints), ``"floats"``, ``"array"`` (a numpy array), ``"bytes"`` or ``"any"``.
AttrKind = type | str


@dataclass(frozen=True)
class Attr:
    """One declared attribute of an op: its kind and its default (``REQUIRED`` if none).

    A node's attributes are checked against the declarations by the IR verifier, so a
    missing or mistyped attribute is reported where it is made, not as a ``KeyError`` in
    a pass or a lowering later. ``None`` is accepted for an optional attribute whose
    default is ``None``.
    """

    kind: AttrKind
    default: Any = REQUIRED

    def check(self, op: str, name: str, value: Any) -> None:
        if value is None and self.default is None:
            return
        if not _is_kind(value, self.kind):
            raise IRTypeError(f"{op}: attribute {name!r} should be {_kind_name(self.kind)}, "
                              f"got {type(value).__name__} {value!r:.60}")


def _is_kind(value: Any, kind: AttrKind) -> bool:
    if kind == "any":
        return True
    if kind == "ints":
        return isinstance(value, tuple) and all(isinstance(v, int) and not isinstance(v, bool)
                                                for v in value)
    if kind == "floats":
        return isinstance(value, tuple) and all(isinstance(v, int | float) for v in value)
    if kind == "array":
        return isinstance(value, np.ndarray)
    if kind == "bytes":
        return isinstance(value, bytes)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    assert isinstance(kind, type)
    return isinstance(value, kind)


def _kind_name(kind: AttrKind) -> str:
    return kind if isinstance(kind, str) else kind.__name__


@dataclass(frozen=True)
class OpDef:
    name: str
    infer: Infer
    compute: Compute
    arity: tuple[int, int]  # min and max number of inputs
    commutative: bool = False
    doc: str = ""
    attrs: Mapping[str, Attr] = field(default_factory=dict)
    elementwise: bool = False
    monotone: Monotone | None = None
    moves: tuple[int, ...] | str = ()
    fill: str | float | None = None

    def directions(self, node: Node) -> tuple[int, ...]:
        """Per input of ``node``, how the output moves with it (see ``Monotone``)."""
        if self.monotone is None:
            return (0,) * len(node.inputs)
        dirs = self.monotone(node) if callable(self.monotone) else self.monotone
        return tuple(dirs[i] if i < len(dirs) else 0 for i in range(len(node.inputs)))

    def moved(self, index: int) -> bool:
        """Whether the output only copies or moves the values of input ``index``."""
        return self.moves == ALL_INPUTS or index in self.moves

    def fill_value(self, node: Node) -> float | None:
        """The value ``node`` adds where it adds cells (None: it adds none): its ``fill``
        attribute's value (0 when unset), or the declared number."""
        if isinstance(self.fill, str):
            return float(node.attrs.get(self.fill, 0.0))
        return None if self.fill is None else float(self.fill)

    def check_attrs(self, attrs: Mapping[str, Any]) -> None:
        """Raise ``IRTypeError`` for an unknown, missing or mistyped attribute."""
        for name in attrs:
            if name not in self.attrs:
                known = ", ".join(self.attrs) or "none"
                raise IRTypeError(f"{self.name}: unknown attribute {name!r} (declared: {known})")
        for name, decl in self.attrs.items():
            if name in attrs:
                decl.check(self.name, name, freeze_attr(attrs[name]))
            elif decl.default is REQUIRED:
                raise IRTypeError(f"{self.name}: missing attribute {name!r}")

    def infer_types(self, types: Sequence[TensorType], attrs: Mapping[str, Any]) -> list[TensorType]:
        lo, hi = self.arity
        if not lo <= len(types) <= hi:
            want = str(lo) if lo == hi else f"{lo}-{hi}"
            raise IRTypeError(f"{self.name} takes {want} inputs, got {len(types)}")
        self.check_attrs(attrs)
        return self.infer(types, attrs)

    def run(self, arrays: Sequence[np.ndarray], attrs: Mapping[str, Any]) -> list[np.ndarray]:
        out = self.compute(*arrays, **attrs)
        return list(out) if isinstance(out, tuple | list) else [out]


OPS: dict[str, OpDef] = {}


def register(name: str, *, infer: Infer, attrs: Mapping[str, Attr] | None = None,
             arity: int | tuple[int, int] = 1,
             commutative: bool = False, elementwise: bool = False, monotone: Monotone | None = None,
             moves: tuple[int, ...] | str = (), fill: str | float | None = None
             ) -> Callable[[Compute], Compute]:
    """Register ``name`` with its type rule and declared attributes (required: ``{}`` for
    none) and what the value analyses may assume of it (module docstring); decorates the
    numpy reference implementation."""
    if attrs is None:
        raise ValueError(f"op {name!r}: declare its attributes (attrs={{}} when it has none)")
    lo_hi = (arity, arity) if isinstance(arity, int) else arity

    def wrap(fn: Compute) -> Compute:
        if name in OPS:
            raise ValueError(f"op {name!r} registered twice")
        OPS[name] = OpDef(name, infer, fn, lo_hi, commutative, (fn.__doc__ or "").strip(),
                          dict(attrs), elementwise, monotone, moves, fill)
        return fn

    return wrap


def get_op(name: str) -> OpDef:
    try:
        return OPS[name]
    except KeyError:
        raise IRTypeError(f"unknown op {name!r}") from None
