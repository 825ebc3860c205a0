"""distribute: sums, scales and products of linear maps by constants become one map."""

from __future__ import annotations

import numpy as np
import pytest
from rule_cases import check_case, check_cases_golden, finish

from trmgolf.compiler.passes.distribute import distribute
from trmgolf.ir import Builder, Graph, TensorType

ROWS = TensorType("float32", (2, 3))  # a [2,3] input: weights of 2x2 stay printable
NCHW = TensorType("float32", (1, 2, 3, 3))


def _w(*values: float, shape=(2, 2)) -> np.ndarray:
    return np.asarray(values, np.float32).reshape(shape)


A, B = _w(1, 2, 3, 4), _w(0.5, -1, 0, 2)


def _sum(op: str, same: bool = False):
    def build() -> Graph:
        b = Builder(ROWS)
        x = b.op("tanh", b.input)
        m = b.op("matmul", b.const(A), x)
        return finish(b, b.op("relu", b.op(op, m, m if same else b.op("matmul", b.const(B), x))))
    return build


def _conv_sum() -> Graph:
    b = Builder(NCHW)
    x = b.op("tanh", b.input)
    w1, w2 = (b.const(np.arange(k, k + 8, dtype=np.float32).reshape(2, 2, 1, 2)) for k in (0, 3))
    c1 = b.op("conv2d", x, w1, b.const(np.float32([1, 2])), pads=(0, 0, 0, 1))
    c2 = b.op("conv2d", x, w2, pads=(0, 0, 0, 1))
    return finish(b, b.op("add", c1, c2))


def _scaled_output() -> Graph:
    b = Builder(NCHW)
    c = b.op("conv2d", b.op("tanh", b.input), b.const(_w(1, 2, 3, 4, shape=(2, 2, 1, 1))),
             b.const(np.float32([1, -1])))
    return finish(b, b.op("mul", b.const(np.float32(0.5)), c))


def _scaled_input() -> Graph:
    b = Builder(NCHW)
    x = b.op("mul", b.op("tanh", b.input), b.const(np.float32([[[[2.0]]]])))
    return finish(b, b.op("einsum", b.const(A), x, equation="oc,nchw->nohw"))


def _product(left: bool):
    def build() -> Graph:
        b = Builder(TensorType("float32", (2, 2)))
        x = b.op("tanh", b.input)
        inner = b.op("matmul", b.const(B), x) if left else b.op("matmul", x, b.const(B))
        return finish(b, b.op("matmul", b.const(A), inner) if left else b.op("matmul", inner, b.const(A)))
    return build


def _shared_map() -> Graph:
    """A map read twice is not folded into the sum (that would compute it twice)."""
    b = Builder(ROWS)
    x = b.op("tanh", b.input)
    m = b.op("matmul", b.const(A), x)
    s = b.op("add", m, b.op("matmul", b.const(B), x))
    return finish(b, b.op("mul", s, m))


def _per_row_scale() -> Graph:
    """A scale per element is not a scalar: left alone."""
    b = Builder(ROWS)
    m = b.op("matmul", b.const(A), b.op("tanh", b.input))
    return finish(b, b.op("mul", m, b.const(np.float32([[2.0], [3.0]]))))


def _different_data() -> Graph:
    b = Builder(ROWS)
    return finish(b, b.op("add", b.op("matmul", b.const(A), b.op("tanh", b.input)),
                         b.op("matmul", b.const(B), b.op("neg", b.input))))


CASES = {
    "add_of_two_matmuls": (_sum("add"), ["tanh", "matmul", "relu"]),
    "sub_of_two_matmuls": (_sum("sub"), ["tanh", "matmul", "relu"]),
    "matmul_plus_itself": (_sum("add", same=True), ["tanh", "matmul", "relu"]),
    "add_of_two_convs_with_one_bias": (_conv_sum, ["tanh", "conv2d"]),
    "scalar_times_conv": (_scaled_output, ["tanh", "conv2d"]),
    "einsum_of_scaled_input": (_scaled_input, ["tanh", "einsum"]),
    "matmul_chain_left": (_product(True), ["tanh", "matmul"]),
    "matmul_chain_right": (_product(False), ["tanh", "matmul"]),
    # not rewritten
    "shared_map": (_shared_map, ["tanh", "matmul", "matmul", "add", "mul"]),
    "per_row_scale": (_per_row_scale, ["tanh", "matmul", "mul"]),
    "different_data": (_different_data, ["tanh", "matmul", "neg", "matmul", "add"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_distribute_rule(name):
    check_case(CASES, name, distribute, tol=1e-6)


def test_combined_weights():
    """The weights are really combined: 2A for A x + A x, AB for A (B x), c(W, b) for c conv."""
    def weights(name):
        return [v.constant for n in check_case(CASES, name, distribute, tol=1e-6).nodes
                if n.op == "constant" for v in n.outputs]
    np.testing.assert_array_equal(weights("matmul_plus_itself")[0], 2 * A)
    np.testing.assert_array_equal(weights("matmul_chain_left")[0], A @ B)
    np.testing.assert_array_equal(weights("matmul_chain_right")[0], B @ A)
    w, bias = weights("scalar_times_conv")
    np.testing.assert_array_equal(bias, [0.5, -0.5])


def test_distribute_golden():
    check_cases_golden(CASES, distribute, "passes/distribute.txt")
