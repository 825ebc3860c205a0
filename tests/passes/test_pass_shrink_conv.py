"""shrink_conv: zero biases go, and zero kernel borders are cropped with the padding."""

from __future__ import annotations

import numpy as np
import pytest
from rule_cases import check_case, check_cases_golden, finish

from trmgolf.compiler.passes.shrink_conv import shrink_conv
from trmgolf.ir import Builder, Graph, TensorType

NCHW = TensorType("float32", (1, 2, 5, 6))


def _conv(taps: list[tuple[int, int]], kernel=(3, 3), pads=(1, 1, 1, 1), bias=None, **attrs):
    """A conv whose kernel is non-zero only at ``taps`` (all channel pairs)."""
    def build() -> Graph:
        b = Builder(NCHW)
        w = np.zeros((2, 2, *kernel), np.float32)
        for k, (i, j) in enumerate(taps):
            w[:, :, i, j] = np.float32([[1, 2], [3, 4]]) + k
        ins = [b.op("tanh", b.input), b.const(w)]
        if bias is not None:
            ins.append(b.const(np.float32(bias)))
        return finish(b, b.op("conv2d", *ins, pads=pads, **attrs))
    return build


CASES = {
    "centre_only_with_zero_bias": (_conv([(1, 1)], bias=[0, 0]), ["tanh", "conv2d"]),
    "middle_row": (_conv([(1, 0), (1, 2)]), ["tanh", "conv2d"]),
    "top_left_corner": (_conv([(0, 0)], bias=[1, 0]), ["tanh", "conv2d"]),
    "five_by_five_dilated": (_conv([(2, 2), (3, 2)], kernel=(5, 5), pads=(4, 4, 4, 4), dilations=(2, 2)),
                             ["tanh", "conv2d"]),
    "strided": (_conv([(1, 1), (2, 1)], strides=(2, 2)), ["tanh", "conv2d"]),
    "asymmetric_pads": (_conv([(1, 1)], kernel=(2, 2), pads=(1, 1, 0, 0)), ["tanh", "conv2d"]),
}
#: name -> (weight shape, pads) after the pass (None: the pass changes nothing)
SHRUNK = {
    "centre_only_with_zero_bias": ((2, 2, 1, 1), (0, 0, 0, 0)),
    "middle_row": ((2, 2, 1, 3), (0, 1, 0, 1)),
    "top_left_corner": ((2, 2, 2, 2), (1, 1, 0, 0)),  # the other border has no padding left
    "five_by_five_dilated": ((2, 2, 2, 1), (0, 0, 2, 0)),
    "strided": ((2, 2, 2, 1), (0, 0, 1, 0)),
    "asymmetric_pads": ((2, 2, 1, 1), (0, 0, 0, 0)),
}
# not rewritten: a zero border whose padding cannot absorb it, a full kernel, a non-zero bias
CASES["border_without_padding"] = (_conv([(1, 1)], pads=(0, 0, 0, 0)), ["tanh", "conv2d"])
CASES["full_kernel"] = (_conv([(0, 0), (2, 2), (0, 2), (2, 0)], bias=[0, 1]), ["tanh", "conv2d"])
SHRUNK["border_without_padding"] = SHRUNK["full_kernel"] = None


@pytest.mark.parametrize("name", sorted(CASES))
def test_shrink_conv_rule(name):
    before = CASES[name][0]()
    after = check_case(CASES, name, shrink_conv)
    conv = next(n for n in after.nodes if n.op == "conv2d")
    if SHRUNK[name] is None:
        assert not shrink_conv(before).changed
        return
    weight, pads = SHRUNK[name]
    assert conv.inputs[1].type.shape == weight and tuple(conv.attrs["pads"]) == pads
    old_bias = next(n for n in before.nodes if n.op == "conv2d").inputs[2:]
    assert len(conv.inputs) == 3 - (not old_bias or not old_bias[0].constant.any())


def test_shrink_conv_golden():
    check_cases_golden(CASES, shrink_conv, "passes/shrink_conv.txt")
