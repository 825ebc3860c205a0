"""Kernel selection under the legacy cost model counts each lowering's MACs."""

import numpy as np
import pytest

from trmgolf.compiler.select import LoweringSession, legacy_macs
from trmgolf.errors import UserError
from trmgolf.ir import Builder
from trmgolf.kernels.context import EmitContext, Initializers
from trmgolf.scoring.cost_model import LEGACY, OFFICIAL


def _conv_node():
    b = Builder()
    w = np.zeros((10, 10, 1, 1), np.float32)
    w[np.arange(10), (np.arange(10) + 1) % 10] = 1.0  # a channel rotation: Conv or Gather
    b.op("conv2d", b.input, b.const(w))
    return b.graph.nodes[-1]


def test_legacy_macs_of_conv_and_gather_lowerings():
    from trmgolf.kernels import alternatives

    node = _conv_node()
    macs = {}
    for alt in alternatives("conv2d"):
        ctx = EmitContext(24, Initializers(), set())
        alt.emit(ctx, node, ["input", "w"], ["out"])
        macs[alt.name] = legacy_macs(ctx, node, ["input", "w"], ["out"])
    assert macs["conv"] == 10 * 30 * 30 * 10  # output elements x input channels x 1x1 kernel
    assert macs["gather_selection"] == 0


@pytest.mark.parametrize("model", ["official", "legacy", OFFICIAL, LEGACY])
def test_choice_is_the_same_or_cheaper_under_legacy(model):
    node = _conv_node()
    inits = Initializers()
    w = inits.add(node.inputs[1].constant, "w")  # as the emitter registers IR constants
    session = LoweringSession(24, inits, cost_model=model)
    alt, cost = session.choose(node, ["input", w], ["out"])
    # Conv would read the 100-element weight (plus 90,000 MACs under legacy);
    # Gather reads ten int64 indices and does no arithmetic.
    assert alt.name == "gather_selection" and cost == 10
    conv_macs = 90_000 if session.cost_model.counts_macs else 0
    assert session.costs(node, ["input", w], ["out"]) == {"conv": 100 + conv_macs, "gather_selection": 10}


def test_session_rejects_an_unknown_cost_model():
    with pytest.raises(UserError, match="unknown cost model 'macs'"):
        LoweringSession(24, cost_model="macs")
