"""Render a graph as stable, readable text: the IR's debugging interface.

    graph(%input: f32[1,10,30,30]) {
      %c0 = constant 2.0 : f32[]
      %0 = mul(%input, %c0) : f32[1,10,30,30]
      return %0
    }

Values are numbered in order of definition (constants ``%cN``, others ``%N``), so two
graphs with the same structure print the same text whatever their value names.
Constants come first and print as their values when tiny, else as a short content hash. A node's
region follows as ``  # region``. With ``signs=True`` a value only needed up to sign (the grader
reads ``output > 0``: ``ir.sign``) is marked ``  // sign`` before the region.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from trmgolf.ir.graph import Graph, Value, array_digest
from trmgolf.ir.opaque import OpaqueBytes
from trmgolf.ir.sign import sign_only_values

_INLINE_LIMIT = 4
SIGN_NOTE = "  // sign"


def format_attr(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ",".join(format_attr(v) for v in value) + "]"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, np.ndarray):
        return f"<{value.dtype} {list(value.shape)} #{array_digest(value)}>"
    if isinstance(value, bytes):
        return f"<{len(value)} bytes #{bytes_digest(value)}>"
    return str(value)


def bytes_digest(value: bytes) -> str:
    """The printed hash of a bytes attribute (an opaque one keeps the digest it was parsed with)."""
    return value.digest if isinstance(value, OpaqueBytes) else hashlib.sha256(value).hexdigest()[:8]


def format_constant(array: np.ndarray) -> str:
    if array.size <= _INLINE_LIMIT:
        flat = array.reshape(-1).tolist()
        text = ", ".join(repr(v) for v in flat)
        return text if array.ndim == 0 else f"[{text}]"
    return f"#{array_digest(array)}"


def value_names(graph: Graph) -> dict[Value, str]:
    names = {graph.input: "%input"}
    consts = others = 0
    for node in graph.constants() + [n for n in graph.nodes if n.op != "constant"]:
        for v in node.outputs:
            if node.op == "constant":
                names[v] = f"%c{consts}"
                consts += 1
            else:
                names[v] = f"%{others}"
                others += 1
    return names


def print_graph(graph: Graph, *, signs: bool = False) -> str:
    """The graph as text; ``signs`` marks the values only needed up to sign."""
    names = value_names(graph)
    signed = sign_only_values(graph) if signs else set()
    lines = [f"graph(%input: {graph.input.type}) {{"]
    # Constants first (in definition order): their position carries no meaning.
    ordered = graph.constants() + [n for n in graph.nodes if n.op != "constant"]
    for node in ordered:
        if node.op == "constant":
            (out,) = node.outputs
            text = f"  {names[out]} = constant {format_constant(node.attrs['value'])} : {out.type}"
        else:
            outs = ", ".join(names[v] for v in node.outputs)
            args = ", ".join(names.get(v, "%<undefined>") for v in node.inputs)
            attrs = ", ".join(f"{k}={format_attr(v)}" for k, v in node.attrs.items())
            types = ", ".join(str(v.type) for v in node.outputs)
            text = f"  {outs} = {node.op}({args})" + (f" {{{attrs}}}" if attrs else "")
            text += f" : {types}"
            if any(v in signed for v in node.outputs):
                text += SIGN_NOTE
        if node.region:
            text += f"  # {node.region}"
        lines.append(text)
    out_name = names.get(graph.output, "%<none>") if graph.output is not None else "%<none>"
    lines.append(f"  return {out_name}")
    lines.append("}")
    return "\n".join(lines) + "\n"
