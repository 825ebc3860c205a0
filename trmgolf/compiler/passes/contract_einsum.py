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


def _replace(graph: Graph, old: Node, new: Node, only_reader: dict[Value, Node]) -> None:
    graph.nodes[graph.nodes.index(old)] = new
    for o, n in zip(old.outputs, new.outputs, strict=True):
        n.name = o.name
        graph.replace_uses(o, n)
        if o in only_reader:
            only_reader[n] = only_reader.pop(o)
    for reader_of, reader in list(only_reader.items()):
        if reader is old:
            only_reader[reader_of] = new


def contract_einsum(graph: Graph) -> Graph:
    readers: dict[Value, int] = {}
    for n in graph.nodes:
        for v in n.inputs:
            readers[v] = readers.get(v, 0) + 1
    only_reader: dict[Value, Node] = {}
    for n in graph.nodes:
        for v in n.inputs:
            if readers[v] == 1:
                only_reader[v] = n

    for node in list(graph.nodes):
        if node.op == "matmul" and not _broadcasts(node):
            reader = only_reader.get(node.output)
            near = any(_is_transpose(v) for v in node.inputs) or (
                reader is not None and reader.op == "transpose" and node.output is not graph.output)
            if near:
                new = Node("einsum", node.inputs, {"equation": _matmul_equation(node)},
                           [node.output.type], node.region)
                _replace(graph, node, new, only_reader)
                node = new
        if node.op != "einsum":
            continue
        lhs, out = node.attrs["equation"].split("->")
        parts = lhs.split(",")
        inputs = list(node.inputs)
        changed = False
        for idx, v in enumerate(inputs):
            if _is_transpose(v):
                perm = v.producer.attrs["perm"]
                letters = [""] * len(perm)
                for i, p in enumerate(perm):
                    letters[p] = parts[idx][i]
                parts[idx] = "".join(letters)
                inputs[idx] = v.producer.inputs[0]
                changed = True
        if changed:
            new = Node("einsum", inputs, {"equation": f"{','.join(parts)}->{out}"},
                       [node.output.type], node.region)
            _replace(graph, node, new, only_reader)
            node = new
        reader = only_reader.get(node.output)
        if reader is not None and reader.op == "transpose" and node.output is not graph.output \
                and reader in graph.nodes:
            perm = reader.attrs["perm"]
            new_out = "".join(out[p] for p in perm)
            fused = Node("einsum", node.inputs, {"equation": f"{','.join(parts)}->{new_out}"},
                         [reader.output.type], reader.region)
            _replace(graph, reader, fused, only_reader)
    return graph
