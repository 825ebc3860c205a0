"""Parse the printer's text back into a graph: ``print_graph(parse(text)) == text``.

Tests can state a graph as text instead of building it::

    g = parse('''
        graph(%input: f32[1,10,30,30]) {
          %c0 = constant 2.0 : f32[]
          %0 = mul(%input, %c0) : f32[1,10,30,30]
          return %0
        }''')

(common indentation and blank edge lines are ignored). Small constants print their
values and parse back exactly. A large one prints only a content hash (``#1a2b3c4d``);
``arrays`` maps such a name to its array (bytes for an ``onnx_node``'s ``<N bytes #...>``):
by the printed digest (``digests(graph)`` collects them from a graph) or by any name
the text chooses (``constant #w : f32[10,10]`` with ``arrays={"w": w}``). A hash with no
entry becomes an opaque constant (``trmgolf.ir.opaque``): it verifies and prints back the
same digest, but evaluating or emitting it raises ``OpaqueConstantError``.
Value names (``%c0``, ``%3``) are only labels: parsed values are unnamed.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np

from trmgolf.ir.graph import Graph, Node, Value, array_digest
from trmgolf.ir.opaque import OpaqueArray, OpaqueBytes
from trmgolf.ir.printer import SIGN_NOTE, bytes_digest, format_constant
from trmgolf.ir.registry import OPS
from trmgolf.ir.types import NUMPY_DTYPES, SHORT_NAMES, TensorType
from trmgolf.ir.verify import IRVerifyError, verify

Hashed = np.ndarray | bytes

_DTYPE_OF_SHORT = {short: name for name, short in SHORT_NAMES.items()}
_TYPE = re.compile(r"([a-z0-9]+)\[([0-9,]*)\]")
_NAME = re.compile(r"%(c?\d+|input)")
_HASH = re.compile(r"#(\w+)")
_OP = re.compile(r"[a-z_][a-z0-9_]*")
_ATTR_NAME = re.compile(r"[A-Za-z_]\w*")
_TOKEN = re.compile(r"[^,\]}>\s]+")


class IRParseError(ValueError):
    """The text is not a printed graph; the message names the line."""


def parse(text: str, arrays: Mapping[str, Hashed] | None = None, *, check: bool = True) -> Graph:
    """The graph printed as ``text``; ``check`` verifies it (types, attributes, SSA)."""
    lines = textwrap.dedent(text).strip("\n").splitlines()
    if len(lines) < 3:
        raise IRParseError("a graph needs a header, a return and a closing brace")
    if lines[-1] != "}":
        raise IRParseError(f"line {len(lines)}: expected '}}', got {lines[-1]!r}")
    parser = _Parser(arrays or {})
    graph = parser.header(lines[0])
    for number, line in enumerate(lines[1:-2], start=2):
        parser.statement(graph, _Cursor(line, number))
    parser.finish(graph, _Cursor(lines[-2], len(lines) - 1))
    if check:
        try:
            verify(graph, grid_output=False)
        except IRVerifyError as e:
            raise IRParseError(f"parsed graph does not verify: {e}") from None
    return graph


def digests(graph: Graph) -> dict[str, Hashed]:
    """Every array and bytes value of ``graph`` that prints as a hash, by its printed digest:
    ``parse(print_graph(g), digests(g))`` gives back an evaluable graph."""
    out: dict[str, Hashed] = {}
    for node in graph:
        for value in node.attrs.values():
            if isinstance(value, np.ndarray) and format_constant(value).startswith("#"):
                out[array_digest(value)] = value
            elif isinstance(value, bytes):
                out[bytes_digest(value)] = value
    return out


class _Cursor:
    """A position in one line of text, with the few reads the grammar needs."""

    def __init__(self, text: str, number: int) -> None:
        self.text, self.pos, self.number = text, 0, number

    def error(self, what: str) -> IRParseError:
        return IRParseError(f"line {self.number}: expected {what} at column {self.pos + 1}: "
                            f"{self.text!r}")

    def at(self, literal: str) -> bool:
        return self.text.startswith(literal, self.pos)

    def eat(self, literal: str) -> None:
        if not self.at(literal):
            raise self.error(repr(literal))
        self.pos += len(literal)

    def match(self, pattern: re.Pattern[str], what: str) -> re.Match[str]:
        m = pattern.match(self.text, self.pos)
        if m is None:
            raise self.error(what)
        self.pos = m.end()
        return m

    def rest(self) -> str:
        return self.text[self.pos:]

    def done(self) -> bool:
        return self.pos == len(self.text)


class _Parser:
    def __init__(self, arrays: Mapping[str, Hashed]) -> None:
        self.arrays = arrays
        self.values: dict[str, Value] = {}

    def header(self, line: str) -> Graph:
        cur = _Cursor(line, 1)
        cur.eat("graph(%input: ")
        graph = Graph(_type(cur))
        cur.eat(") {")
        if not cur.done():
            raise cur.error("end of line")
        self.values["%input"] = graph.input
        return graph

    def finish(self, graph: Graph, cur: _Cursor) -> None:
        cur.eat("  return ")
        graph.output = None if cur.rest() == "%<none>" else self.value(cur)
        if not cur.done():
            raise cur.error("end of line")

    def value(self, cur: _Cursor) -> Value:
        name = cur.match(_NAME, "a value name (%N, %cN or %input)").group(0)
        if name not in self.values:
            raise IRParseError(f"line {cur.number}: {name} is not defined before it is read")
        return self.values[name]

    def statement(self, graph: Graph, cur: _Cursor) -> None:
        cur.eat("  ")
        outs = [cur.match(_NAME, "a value name").group(0)]
        while cur.at(", "):
            cur.eat(", ")
            outs.append(cur.match(_NAME, "a value name").group(0))
        cur.eat(" = ")
        op = cur.match(_OP, "an op name").group(0)
        if op == "constant":
            cur.eat(" ")
            literal = cur.match(re.compile(r"\[[^\]]*\]|#\w+|[^ ]+"), "a constant").group(0)
            cur.eat(" : ")
            t = _type(cur)
            node = Node("constant", [], {"value": self.constant(literal, t, cur)}, [t])
        else:
            if op not in OPS:
                raise IRParseError(f"line {cur.number}: unknown op {op!r}")
            cur.eat("(")
            inputs = []
            while not cur.at(")"):
                if inputs:
                    cur.eat(", ")
                inputs.append(self.value(cur))
            cur.eat(")")
            attrs = self.attrs(cur) if cur.at(" {") else {}
            cur.eat(" : ")
            types = [_type(cur)]
            while cur.at(", "):
                cur.eat(", ")
                types.append(_type(cur))
            node = Node(op, inputs, attrs, types)
        if cur.at(SIGN_NOTE):
            cur.eat(SIGN_NOTE)  # derived from the graph (``ir.sign``), so nothing to keep
        if cur.at("  # "):
            cur.eat("  # ")
            node.region = cur.rest()
            cur.pos = len(cur.text)
        if not cur.done():
            raise cur.error("end of line or '  # region'")
        if len(outs) != len(node.outputs):
            raise IRParseError(f"line {cur.number}: {len(outs)} results but {len(node.outputs)} types")
        for name, v in zip(outs, node.outputs, strict=True):
            if name in self.values:
                raise IRParseError(f"line {cur.number}: {name} is defined twice")
            self.values[name] = v
        graph.append(node)

    def constant(self, literal: str, t: TensorType, cur: _Cursor) -> np.ndarray:
        if literal.startswith("#"):
            return self.array(literal[1:], t.np_dtype, t.shape, cur)
        items = literal[1:-1].split(", ") if literal.startswith("[") else [literal]
        try:
            flat = [_scalar(item) for item in items]
            return np.array(flat, dtype=t.np_dtype).reshape(t.shape)
        except ValueError:
            raise cur.error(f"{t.numel} values of {t}") from None

    def array(self, key: str, dtype: np.dtype, shape: tuple[int, ...], cur: _Cursor) -> np.ndarray:
        given = self.arrays.get(key)
        if given is None:
            return OpaqueArray(dtype, shape, key)
        array = np.asarray(given)
        if array.dtype != dtype or array.shape != shape:
            raise IRParseError(f"line {cur.number}: array #{key} is {array.dtype}{list(array.shape)}, "
                               f"the text says {dtype}{list(shape)}")
        return array

    def attrs(self, cur: _Cursor) -> dict[str, Any]:
        cur.eat(" {")
        attrs: dict[str, Any] = {}
        while not cur.at("}"):
            if attrs:
                cur.eat(", ")
            name = cur.match(_ATTR_NAME, "an attribute name").group(0)
            cur.eat("=")
            attrs[name] = self.attr_value(cur)
        cur.eat("}")
        return attrs

    def attr_value(self, cur: _Cursor) -> Any:
        if cur.at("["):
            cur.eat("[")
            items = []
            while not cur.at("]"):
                if items:
                    cur.eat(",")
                items.append(self.attr_value(cur))
            cur.eat("]")
            return tuple(items)
        if cur.at("'") or cur.at('"'):
            return _string(cur)
        if cur.at("<"):
            return self.hashed_attr(cur)
        token = cur.match(_TOKEN, "an attribute value").group(0)
        try:
            return _scalar(token)
        except ValueError:
            raise cur.error("a number, True, False or None") from None

    def hashed_attr(self, cur: _Cursor) -> Hashed:
        """``<N bytes #digest>`` or ``<dtype [shape] #digest>``."""
        cur.eat("<")
        m = cur.match(re.compile(r"(\d+) bytes #(\w+)>|(\w+) \[([0-9, ]*)\] #(\w+)>"),
                      "<N bytes #digest> or <dtype [shape] #digest>")
        if m.group(1) is not None:
            length, key = int(m.group(1)), m.group(2)
            given = self.arrays.get(key)
            return OpaqueBytes(length, key) if given is None else bytes(given)
        shape = tuple(int(d) for d in m.group(4).split(",") if d.strip())
        return self.array(m.group(5), np.dtype(m.group(3)), shape, cur)


def _type(cur: _Cursor) -> TensorType:
    m = cur.match(_TYPE, "a type like f32[1,10,30,30]")
    dtype = _DTYPE_OF_SHORT.get(m.group(1))
    if dtype is None or dtype not in NUMPY_DTYPES:
        raise IRParseError(f"line {cur.number}: unknown dtype {m.group(1)!r}")
    shape = tuple(int(d) for d in m.group(2).split(",")) if m.group(2) else ()
    return TensorType(dtype, shape)


def _scalar(token: str) -> Any:
    """A printed scalar: True/False/None, an int, or a float (``repr``, with inf and nan)."""
    special = {"True": True, "False": False, "None": None}
    if token in special:
        return special[token]
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    return float(token)  # raises ValueError for anything else


def _string(cur: _Cursor) -> str:
    """A Python string literal as ``repr`` writes it."""
    m = cur.match(re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""), "a quoted string")
    return ast.literal_eval(m.group(0))
