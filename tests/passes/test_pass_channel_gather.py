"""channel_gather: channel mixes by a selection matrix become a Gather, which then moves
ahead of reshapes and transposes so that the layout changes around it cancel."""

from __future__ import annotations

import numpy as np
import pytest
from golden_support import sequence
from rule_cases import check_case, check_cases_golden, finish

from trmgolf.compiler.passes.channel_gather import channel_gather, scaled_selection, selected_rows
from trmgolf.compiler.passes.dce import dce
from trmgolf.compiler.passes.simplify import simplify
from trmgolf.ir import Builder, Graph, TensorType

NCHW = TensorType("float32", (1, 3, 2, 2))
#: output channel o reads input channel ROWS[o] (a repeat: not a permutation)
ROWS = (2, 0, 2)
S = np.eye(3, dtype=np.float32)[list(ROWS)]  # S[o, c] = 1 where c = ROWS[o]


def _x(b: Builder):
    return b.op("tanh", b.input)


def _matmul_left() -> Graph:
    b = Builder(TensorType("float32", (3, 4)))
    return finish(b, b.op("matmul", b.const(S), _x(b)))


def _matmul_right() -> Graph:
    b = Builder(TensorType("float32", (4, 3)))
    return finish(b, b.op("matmul", _x(b), b.const(S.T.copy())))


def _conv1x1() -> Graph:
    b = Builder(NCHW)
    return finish(b, b.op("conv2d", _x(b), b.const(S[:, :, None, None].copy())))


def _einsum(equation: str, weight_first: bool = True):
    def build() -> Graph:
        b = Builder(NCHW)
        w = b.const(S if equation.split(",")[0 if weight_first else 1] in ("oc",) else S.T.copy())
        ins = (w, _x(b)) if weight_first else (_x(b), w)
        return finish(b, b.op("einsum", *ins, equation=equation))
    return build


def _einsum_then_transpose() -> Graph:
    """An NHWC Einsum read by a transpose back to NCHW: the two transposes compose."""
    b = Builder(NCHW)
    m = b.op("einsum", _x(b), b.const(S.T.copy()), equation="nchw,co->nhwo")
    return finish(b, b.op("transpose", m, perm=(0, 3, 1, 2)))


def _einsum_big_matrix() -> Graph:
    """A reversal of 16 channels (256 params) on a 64-byte tensor: the Transpose pays."""
    b = Builder(TensorType("float32", (1, 16, 1, 1)))
    rev = np.eye(16, dtype=np.float32)[::-1].copy()
    return finish(b, b.op("einsum", _x(b), b.const(rev), equation="nchw,co->nhwo"))


def _nhwc_mix() -> Graph:
    """transpose -> reshape [4,3] -> matmul by S^T -> reshape -> transpose back."""
    b = Builder(NCHW)
    t = b.op("reshape", b.op("transpose", _x(b), perm=(0, 2, 3, 1)), shape=(4, 3))
    m = b.op("matmul", t, b.const(S.T.copy()))
    return finish(b, b.op("transpose", b.op("reshape", m, shape=(1, 2, 2, 3)), perm=(0, 3, 1, 2)))


def _gather_twice() -> Graph:
    b = Builder(NCHW)
    g = b.op("gather", _x(b), b.const(np.int64([1, 2, 0])), axis=1)
    return finish(b, b.op("gather", g, b.const(np.int64(list(ROWS))), axis=1))


def _not_selection(matrix):
    def build() -> Graph:
        b = Builder(TensorType("float32", (3, 4)))
        return finish(b, b.op("matmul", b.const(np.float32(matrix)), _x(b)))
    return build


def _conv_padded() -> Graph:
    b = Builder(NCHW)
    return finish(b, b.op("conv2d", _x(b), b.const(S[:, :, None, None].copy()), pads=(1, 1, 1, 1)))


def _growing_gather() -> Graph:
    """A gather that repeats more rows than it reads stays after the transpose."""
    b = Builder(NCHW)
    t = b.op("transpose", _x(b), perm=(0, 2, 3, 1))
    return finish(b, b.op("gather", t, b.const(np.int64([0, 1, 2, 0])), axis=3))


CASES = {
    "matmul_selection_on_the_left": (_matmul_left, ["tanh", "gather"]),
    "matmul_selection_on_the_right": (_matmul_right, ["tanh", "gather"]),
    "conv1x1_selection": (_conv1x1, ["tanh", "gather"]),
    "einsum_in_place": (_einsum("oc,nchw->nohw"), ["tanh", "gather"]),
    "einsum_transposed_then_transposed": (_einsum_then_transpose,
                                          ["tanh", "gather", "transpose", "transpose"]),
    "einsum_transposed_big_matrix": (_einsum_big_matrix, ["tanh", "gather", "transpose"]),
    "nhwc_channel_mix": (_nhwc_mix, ["tanh", "gather", "transpose", "reshape", "reshape", "transpose"]),
    "gather_of_gather": (_gather_twice, ["tanh", "gather"]),
    # not rewritten
    "two_ones_in_a_row": (_not_selection([[1, 1, 0], [0, 1, 0], [0, 0, 1]]), ["tanh", "matmul"]),
    "a_zero_row": (_not_selection([[0, 0, 0], [0, 1, 0], [0, 0, 1]]), ["tanh", "matmul"]),
    "a_half": (_not_selection([[0.5, 0, 0], [0, 1, 0], [0, 0, 1]]), ["tanh", "matmul"]),
    "padded_conv": (_conv_padded, ["tanh", "conv2d"]),
    "growing_gather": (_growing_gather, ["tanh", "transpose", "gather"]),
    # the Einsum's transpose is free; a Transpose node's 48 bytes cost more than 6 params
    "einsum_weight_second_transposed": (_einsum("nchw,co->nhwo", weight_first=False), ["tanh", "einsum"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_channel_gather_rule(name):
    after = check_case(CASES, name, channel_gather)
    gathers = [n for n in after.nodes if n.op == "gather"]
    if gathers and name not in ("growing_gather", "gather_of_gather", "einsum_transposed_big_matrix"):
        assert gathers[0].inputs[1].constant.tolist() == list(ROWS)
    if name == "gather_of_gather":
        assert gathers[0].inputs[1].constant.tolist() == [0, 1, 0]  # [1, 2, 0] read at [2, 0, 2]


def test_the_layout_changes_around_a_mix_cancel():
    """With simplify (a few rounds, as the pipeline runs them), the NHWC round trip leaves
    one Gather on the channel axis."""
    out = sequence(*[channel_gather, simplify, dce] * 3)(_nhwc_mix()).graph
    ops = [n for n in out.nodes if n.op != "constant"]
    assert [n.op for n in ops] == ["tanh", "gather"] and ops[1].attrs["axis"] == 1


def test_selected_rows():
    assert selected_rows(S).tolist() == list(ROWS)
    assert selected_rows(np.zeros((2, 2))) is None
    assert selected_rows(np.ones((2, 2, 1))) is None


def test_channel_gather_golden():
    check_cases_golden(CASES, channel_gather, "passes/channel_gather.txt")


def test_scaled_selection_is_a_gather_times_its_scale():
    S = np.zeros((3, 4))
    S[0, 2] = S[1, 0] = S[2, 2] = 2.0
    idx, scale = scaled_selection(S)
    assert idx.tolist() == [2, 0, 2] and scale == 2.0
    assert selected_rows(S) is None  # not a plain selection
    S[2, 2] = 3.0
    assert scaled_selection(S) is None  # two different scales
    assert scaled_selection(np.zeros((2, 2))) is None
