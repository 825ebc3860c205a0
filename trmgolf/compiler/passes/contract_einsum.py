"""Contraction fusion: absorb transposes into the contraction that reads or writes them.

``transpose -> matmul -> transpose`` (a channel mix written in NHWC) becomes one
``einsum`` over the NCHW tensor: the transposed copies are never materialised, and
under the NeuroGolf cost a tensor that is never materialised costs nothing.

Rules, applied per node:
- a ``matmul`` next to a transpose (reading one, or read only by one) becomes the
  equivalent ``einsum``;
- an ``einsum`` operand produced by ``transpose(x, perm)`` is replaced by ``x`` with
  its index letters permuted;
- ``transpose(einsum(...))`` where the transpose is the einsum's only reader becomes
  one einsum with permuted output letters.
"""

from __future__ import annotations

from trmgolf.compiler.passes.result import PassResult
from trmgolf.ir.graph import Graph, Node, Value

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _is_transpose(v: Value) -> bool:
    return v.producer is not None and v.producer.op == "transpose"


def _matmul_equation(node: Node) -> str:
    a, b = (v.type.rank for v in node.inputs)
    out_rank = node.output.type.rank
    batch = LETTERS[: out_rank - 2]
    i, k, j = LETTERS[out_rank - 2], LETTERS[out_rank - 1], LETTERS[out_rank]
    la = batch[len(batch) - (a - 2):] + i + k
    lb = batch[len(batch) - (b - 2):] + k + j
    return f"{la},{lb}->{batch}{i}{j}"


def _broadcasts(node: Node) -> bool:
    """matmul batch broadcasting (size-1 against size-n) has no einsum spelling here."""
    a, b = node.inputs
    ba, bb = a.type.shape[:-2], b.type.shape[:-2]
    n = min(len(ba), len(bb))
    return any(x != y for x, y in zip(ba[len(ba) - n:], bb[len(bb) - n:], strict=True))


def _only_reader(v: Value) -> Node | None:
    """The node that reads ``v``, when it is the only read of ``v``."""
    uses = v.uses
    return uses[0][0] if len(uses) == 1 else None


def contract_einsum(graph: Graph) -> PassResult:
    changed = False
    for node in graph.nodes:
        if node.graph is not graph:
            continue  # replaced earlier in this pass
        if node.op == "matmul" and not _broadcasts(node):
            reader = _only_reader(node.output)
            near = any(_is_transpose(v) for v in node.inputs) or (
                reader is not None and reader.op == "transpose" and node.output is not graph.output)
            if near:
                new = Node("einsum", node.inputs, {"equation": _matmul_equation(node)},
                           [node.output.type], node.region)
                node = graph.replace_node(node, new)
                changed = True
        if node.op != "einsum":
            continue
        lhs, out = node.attrs["equation"].split("->")
        parts = lhs.split(",")
        inputs = list(node.inputs)
        absorbed = False
        for idx, v in enumerate(inputs):
            if _is_transpose(v):
                perm = v.producer.attrs["perm"]
                letters = [""] * len(perm)
                for i, p in enumerate(perm):
                    letters[p] = parts[idx][i]
                parts[idx] = "".join(letters)
                inputs[idx] = v.producer.inputs[0]
                absorbed = True
        if absorbed:
            new = Node("einsum", inputs, {"equation": f"{','.join(parts)}->{out}"},
                       [node.output.type], node.region)
            node = graph.replace_node(node, new)
            changed = True
        reader = _only_reader(node.output)
        if reader is not None and reader.op == "transpose" and node.output is not graph.output:
            perm = reader.attrs["perm"]
            new_out = "".join(out[p] for p in perm)
            fused = Node("einsum", node.inputs, {"equation": f"{','.join(parts)}->{new_out}"},
                         [reader.output.type], reader.region)
            graph.replace_node(reader, fused)
            changed = True
    return PassResult(graph, changed)
