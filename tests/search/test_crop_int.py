"""crop_int: the ConvInteger numpy model against onnxruntime, a synthetic task it solves on one
channel, and tasks it must leave alone."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from trmgolf.compiler.driver import compile_graph
from trmgolf.families.contract import Budget, Candidate, fit_data
from trmgolf.ir.ops.quantized import conv_integer_reference
from trmgolf.scoring.answers import verify
from trmgolf.search import crop_int
from trmgolf.tasks import Example, Task


def _conv_integer_session(x: np.ndarray, w: np.ndarray, zero: int, attrs: dict) -> np.ndarray:
    node = helper.make_node("ConvInteger", ["x", "w", "z"], ["y"], **attrs)
    graph = helper.make_graph([node], "g",
                              [helper.make_tensor_value_info("x", TensorProto.UINT8, list(x.shape))],
                              [helper.make_tensor_value_info("y", TensorProto.INT32, None)],
                              [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.uint8(zero), "z")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=10)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), opts).run(None, {"x": x})[0]


@pytest.mark.parametrize("seed", range(3))
def test_conv_integer_model_matches_onnxruntime(seed):
    """Zero-point padding (pads wider than the input too), strides and dilations."""
    rng = np.random.default_rng(seed)
    for _ in range(10):
        x = rng.integers(0, 256, (1, 2, int(rng.integers(1, 8)), int(rng.integers(1, 8)))).astype(np.uint8)
        w = rng.integers(-20, 21, (3, 2, int(rng.integers(1, 4)), int(rng.integers(1, 4)))).astype(np.int8)
        attrs = {"pads": [int(p) for p in rng.integers(0, 12, 4)],
                 "strides": [int(s) for s in rng.integers(1, 3, 2)],
                 "dilations": [int(d) for d in rng.integers(1, 3, 2)]}
        zero = int(rng.integers(0, 256))
        want = _conv_integer_session(x, w, zero, attrs)
        got = conv_integer_reference(x, w, zero, 0, attrs["pads"], attrs["strides"], attrs["dilations"])
        assert got.dtype == np.int32 and np.array_equal(got, want), attrs


def _red_halo(g: np.ndarray) -> np.ndarray:
    """Background cells next to (8 neighbours) a colour-5 cell turn 2; everything else stays."""
    p = np.pad(g == 5, 1)
    near = np.zeros_like(g, bool)
    for dr in range(3):
        for dc in range(3):
            near |= p[dr:dr + g.shape[0], dc:dc + g.shape[1]]
    return np.where((g == 0) & near, 2, g)


def _isolated_fives(rng, size: tuple[int, int]) -> np.ndarray:
    """A grid of background with scattered colour-5 cells off its border, no two of them neighbours."""
    g = np.zeros(size, np.int64)
    for r, c in rng.permutation([(r, c) for r in range(1, size[0] - 1) for c in range(1, size[1] - 1)]):
        if rng.random() < 0.3 and not g[max(r - 1, 0):r + 2, max(c - 1, 0):c + 2].any():
            g[r, c] = 5
    return g


def _examples(rule, n: int, seed: int, colours=None, size=(6, 6)) -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        g = _isolated_fives(rng, size) if colours is None else rng.choice(colours, size=size)
        out.append(Example(g.tolist(), rule(g).tolist()))
    return out


def _first(examples: list[Example]):
    budget = Budget(20_000, 120)
    steps = crop_int.candidates(fit_data(examples), budget)
    return next(((c.label, c.graph) for c in steps if isinstance(c, Candidate)), None)


def test_one_channel_integer_conv_is_found_and_exact_under_onnxruntime():
    """A halo around scattered colour-5 cells inside 6x6 grids: the background must light inside
    the grid only, which one float channel without bias cannot say; one uint8 channel of the grid's
    interior read by a ConvInteger with zero point 1 can (a border cell sees the interior; a cell
    beyond the grid sees only padding). The compiled network is valid, exact on unseen grids,
    writes an int32 ``output`` and costs exactly the family's estimate."""
    fit = _examples(_red_halo, 12, seed=1)
    found = _first(fit)
    assert found is not None
    label, graph = found
    assert label.startswith("crop_int/ch5:6:1/rows1:5,cols1:5/convint3x3"), label
    data = compile_graph(graph).data
    model = onnx.load_from_string(data)
    assert [n.op_type for n in model.graph.node][-1] == "ConvInteger"
    assert model.graph.output[0].type.tensor_type.elem_type == TensorProto.INT32
    task = Task("synthetic", {"train": fit, "test": _examples(_red_halo, 30, seed=2)})
    result = verify(data, task, threads_check=False)
    assert result.validity.valid and result.passed
    shape = next(s for s in _shapes(label))
    assert result.cost is not None and result.cost.memory + result.cost.params == shape.cost


def _shapes(label: str):
    """The IntCropConv a label names (its cost is what the family charged)."""
    from trmgolf.search.conv_lp import AxisTaps
    from trmgolf.search.crop_conv import Channels

    parts = label.split("/")
    start, end, step = (int(v) for v in parts[1][2:].split(":"))
    rows, cols = parts[2].split(",")
    r0, r1 = (int(v) for v in rows[4:].split(":"))
    c0, c1 = (int(v) for v in cols[4:].split(":"))
    kh, kw = (int(v) for v in parts[3][7:].split("x"))
    ro, co = (int(v) for v in parts[4][2:].split("x"))
    count = len(range(start, end, step))
    yield crop_int.IntCropConv(Channels(start, step, count), AxisTaps(1, kh, 1, ro), AxisTaps(1, kw, 1, co),
                               (r0, r1, c0, c1), int(parts[5][3:]))


def test_no_candidate_when_two_channels_cannot_tell_the_colours_apart():
    """A colour permutation of four colours: any one or two channels miss two colours (both read as
    "another colour of the crop"), so the family yields nothing rather than a wrong network."""
    perm = np.array([0, 2, 3, 1, 4, 5, 6, 7, 8, 9])
    fit = _examples(lambda g: perm[g], 10, seed=3, colours=(0, 1, 2, 3), size=(4, 4))
    assert _first(fit) is None


def test_integer_fit_uses_zero_as_off():
    """Integer outputs: off only needs <= 0; a pattern both on and off has no weights."""
    rows = np.array([[1, 0], [0, 1], [1, 1]])
    inverse = np.array([0, 1, 2, 2])
    w = crop_int.fit_integer(rows, inverse, np.array([True, False, True, True]), 127)
    assert w is not None and (rows @ w)[0] >= 1 and (rows @ w)[1] <= 0 and (rows @ w)[2] >= 1
    assert crop_int.fit_integer(rows, inverse, np.array([True, False, True, False]), 127) is None
