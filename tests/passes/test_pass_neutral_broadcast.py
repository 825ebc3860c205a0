"""neutral_broadcast: x + 0 / x * 1 that only add leading unit axes become a reshape."""

from __future__ import annotations

import numpy as np
import pytest
from rule_cases import check_case, check_cases_golden, finish

from trmgolf.compiler.passes.neutral_broadcast import neutral_broadcast
from trmgolf.ir import Builder, Graph, TensorType

ROWS = TensorType("float32", (2, 3))


def _with(op: str, constant, swap: bool = False):
    def build() -> Graph:
        b = Builder(ROWS)
        x, c = b.op("tanh", b.input), b.const(np.asarray(constant, np.float32))
        return finish(b, b.op("relu", b.op(op, c, x) if swap else b.op(op, x, c)))
    return build


CASES = {
    "add_zero_bias_of_rank_3": (_with("add", np.zeros((1, 2, 3))), ["tanh", "reshape", "relu"]),
    "zero_plus_x": (_with("add", np.zeros((1, 1, 1, 1)), swap=True), ["tanh", "reshape", "relu"]),
    "sub_zero": (_with("sub", np.zeros((1, 1, 3))), ["tanh", "reshape", "relu"]),
    "mul_one": (_with("mul", np.ones((1, 1, 1))), ["tanh", "reshape", "relu"]),
    "div_one": (_with("div", np.ones((1, 2, 1))), ["tanh", "reshape", "relu"]),
    # not rewritten: the constant grows more than leading unit axes, is not neutral, or is
    # the first operand of a sub (0 - x)
    "broadcast_to_more_rows": (_with("add", np.zeros((2, 2, 3))), ["tanh", "add", "relu"]),
    "add_non_zero": (_with("add", np.full((1, 2, 3), 0.5)), ["tanh", "add", "relu"]),
    "zero_minus_x": (_with("sub", np.zeros((1, 2, 3)), swap=True), ["tanh", "sub", "relu"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_neutral_broadcast_rule(name):
    after = check_case(CASES, name, neutral_broadcast)
    if "reshape" in CASES[name][1]:
        reshape = next(n for n in after.nodes if n.op == "reshape")
        assert reshape.output.type == next(n for n in CASES[name][0]().nodes if n.op not in (
            "constant", "tanh")).output.type


def test_neutral_broadcast_golden():
    check_cases_golden(CASES, neutral_broadcast, "passes/neutral_broadcast.txt")
