"""A mix of channels by a selection matrix is a Gather of channels.

A selection matrix S (n_out x n_in) has exactly one 1 in each output row and 0 elsewhere:
``S x`` copies, for each output, one input channel (a permutation of colours, or a
selection that repeats some). Rules, per node:

- ``matmul(S, x)`` -> ``gather(x, idx, axis=-2)``; ``matmul(x, S^T)`` -> ``gather(x, idx, axis=-1)``;
- a 1x1 ``conv2d`` (stride 1, no padding, no bias, one group) by S -> ``gather(x, idx, axis=1)``;
- ``einsum("oc,...c...->...o...", S, x)`` -> a gather on c's axis, then a transpose when
  the output letters are in another order; the Einsum does that transpose for free, and
  the Transpose node writes a tensor of its own, so that form is taken only when the bytes
  of that tensor are fewer than the params the gather saves, or when a transpose reads the
  result (two transposes compose, and ``simplify`` removes one that is the identity);
- ``gather(reshape(x))`` and ``gather(transpose(x))`` -> the gather first, on the axis of
  x that the gathered axis came from (when the gather is the only reader), so the layout
  changes around a channel mix meet and cancel (``simplify``), and the gather is left
  writing ``output`` (only gathers that do not grow the axis move: never more data);
- ``gather(gather(x, i, k), j, k)`` -> ``gather(x, i[j], k)``.

A selection is exact in any dtype: each output element is one input element times 1 plus
zeros (finite inputs: the grid is one-hot).
"""

from __future__ import annotations

import numpy as np

from trmgolf.compiler.passes.linear_maps import constant_before, linear_map, only_read_by
from trmgolf.compiler.passes.result import PassResult
from trmgolf.compiler.passes.rewrite import Rule, rewrite
from trmgolf.ir.graph import Graph, Node, Value


def selected_rows(matrix: np.ndarray) -> np.ndarray | None:
    """For a selection matrix (one 1 per row, zeros elsewhere), the column each row
    selects (int64); None for any other matrix."""
    picked = scaled_selection(matrix)
    return picked[0] if picked is not None and picked[1] == 1 else None


def scaled_selection(matrix: np.ndarray) -> tuple[np.ndarray, float] | None:
    """For ``s`` times a selection matrix (one non-zero per row, all equal to ``s``), the
    column each row selects and ``s``: the mix is then ``s * gather(x)``, exactly, since every
    output element is one input element times ``s`` plus zeros. None for any other matrix."""
    if matrix.ndim != 2 or matrix.size == 0:
        return None
    nonzero = matrix != 0
    if not np.all(nonzero.sum(axis=1) == 1):
        return None
    values = matrix[nonzero]
    scale = values.flat[0]
    if not np.isfinite(scale) or not np.all(values == scale):
        return None
    return np.argmax(nonzero, axis=1).astype(np.int64), float(scale)


def _gather(graph: Graph, anchor: Node, x: Value, idx: np.ndarray, axis: int) -> Value:
    """``gather(x, idx, axis)`` inserted before ``anchor``; the indices are named ``select``,
    as the ``gather_selection`` lowerings name theirs (so either path writes the same bytes)."""
    axis %= x.type.rank
    shape = (*x.type.shape[:axis], len(idx), *x.type.shape[axis + 1:])
    indices = constant_before(graph, anchor, idx, "int64", "select")
    node = Node("gather", [x, indices], {"axis": axis}, [x.type.with_shape(shape)], anchor.region)
    return graph.insert_before(anchor, node).output


def _scaled_gather(graph: Graph, anchor: Node, x: Value, matrix: np.ndarray, axis: int
                   ) -> Value | None:
    """``gather`` of the rows ``matrix`` selects, times its scale when that is not 1 (a later
    pass drops a positive scale that only feeds the output's sign)."""
    picked = scaled_selection(matrix)
    if picked is None:
        return None
    idx, scale = picked
    y = _gather(graph, anchor, x, idx, axis)
    if scale == 1:
        return y
    c = constant_before(graph, anchor, np.asarray(scale), y.type.dtype, "scale")
    return graph.insert_before(anchor, Node("mul", [y, c], {}, [y.type], anchor.region)).output


def _matmul(node: Node, graph: Graph) -> Value | None:
    lin = linear_map(node.output) if node.op == "matmul" else None
    if lin is None:
        return None
    matrix = lin.w if lin.weight == 0 else lin.w.T
    return _scaled_gather(graph, node, lin.x, matrix, -2 if lin.weight == 0 else -1)


def _conv(node: Node, graph: Graph) -> Value | None:
    lin = linear_map(node.output) if node.op == "conv2d" else None
    a = node.attrs
    if lin is None or lin.bias is not None or lin.w.shape[2:] != (1, 1) or a.get("group", 1) != 1:
        return None
    if any(a.get("pads", ())) or tuple(a.get("strides", (1, 1))) != (1, 1):
        return None
    return _scaled_gather(graph, node, lin.x, lin.w[:, :, 0, 0], 1)


def _einsum(node: Node, graph: Graph) -> Value | None:
    lin = linear_map(node.output) if node.op == "einsum" else None
    if lin is None or lin.w.ndim != 2:
        return None
    lhs, out = node.attrs["equation"].replace(" ", "").split("->")
    parts = lhs.split(",")
    w_letters, x_letters = parts[lin.weight], parts[lin.data]
    if len(set(x_letters)) != len(x_letters) or len(set(w_letters)) != 2:
        return None
    for o, c, matrix in ((w_letters[0], w_letters[1], lin.w), (w_letters[1], w_letters[0], lin.w.T)):
        gathered = x_letters.replace(c, o)
        if c in x_letters and o not in x_letters and sorted(gathered) == sorted(out):
            if gathered != out and not _transpose_pays(node, graph, matrix):
                return None
            y = _scaled_gather(graph, node, lin.x, matrix, x_letters.index(c))
            if y is None:
                return None
            if gathered == out:
                return y
            perm = tuple(gathered.index(ch) for ch in out)
            t = Node("transpose", [y], {"perm": perm}, [node.output.type], node.region)
            return graph.insert_before(node, t).output
    return None


def _transpose_pays(node: Node, graph: Graph, matrix: np.ndarray) -> bool:
    """Whether a gather plus a Transpose costs less than the Einsum by ``matrix`` it replaces:
    its params fall from ``matrix.size`` to one index per row, and the Transpose adds a tensor
    of the output's bytes unless a transpose reads the result (then the two compose)."""
    readers = [user for user, _ in node.output.uses]
    if readers and node.output is not graph.output and all(u.op == "transpose" for u in readers):
        return True
    return node.output.type.nbytes < matrix.size - matrix.shape[0]


def _source_axis(shape_in: tuple[int, ...], shape_out: tuple[int, ...], axis: int) -> int | None:
    """The axis of ``shape_in`` that axis ``axis`` of its reshape to ``shape_out`` is a
    whole copy of (same size, same number of elements before it), or None."""
    before = int(np.prod(shape_out[:axis], dtype=np.int64))
    for k, d in enumerate(shape_in):
        if d == shape_out[axis] and int(np.prod(shape_in[:k], dtype=np.int64)) == before:
            return k
    return None


def _hoist(node: Node, graph: Graph) -> Value | None:
    """gather(reshape(x)) -> reshape(gather(x)); gather(transpose(x)) -> transpose(gather(x));
    gather(gather(x, i), j) on one axis -> gather(x, i[j])."""
    if node.op != "gather" or not node.inputs[1].is_constant or node.inputs[1].type.rank != 1:
        return None
    src, idx, axis = node.inputs[0], node.inputs[1].constant, node.attrs["axis"] % node.output.type.rank
    layout = src.producer
    if layout is None or layout.op not in ("reshape", "transpose", "gather") \
            or not only_read_by(src, node, graph) or len(idx) > src.type.shape[axis]:
        return None  # (a longer gather first would move more data)
    x = layout.inputs[0]
    if layout.op == "gather":
        inner = layout.inputs[1]
        if not inner.is_constant or inner.type.rank != 1 or layout.attrs["axis"] % x.type.rank != axis:
            return None
        return _gather(graph, node, x, inner.constant[idx], axis)
    if layout.op == "transpose":
        perm = layout.attrs["perm"]
        y = _gather(graph, node, x, idx, perm[axis])
        new = Node("transpose", [y], {"perm": perm}, [node.output.type], node.region)
        return graph.insert_before(node, new).output
    k = _source_axis(x.type.shape, src.type.shape, axis)
    if k is None:
        return None
    y = _gather(graph, node, x, idx, k)
    new = Node("reshape", [y], {"shape": node.output.type.shape}, [node.output.type], node.region)
    return graph.insert_before(node, new).output


RULES: list[Rule] = [_matmul, _conv, _einsum, _hoist]


def channel_gather(graph: Graph) -> PassResult:
    """Apply the rules until none fits, so a new gather moves as far as it can in one run; a
    node replaced is removed at once with what only it read, so the value a gather reads has
    no stale reader that would stop the gather's next move."""
    return rewrite(graph, RULES, until_settled=True, prune=True)
