"""The grader's rules for every output dtype and every constant dtype (NEUROGOLF.md section 1).

The grader feeds a float32 input and only evaluates ``output > 0.0``: an output of any dtype
numpy compares with 0.0 scores. Memory is elements x itemsize of every tensor but ``input``
and ``output`` (a Constant node's output included); params are elements, whatever the dtype.
Each network here is an identity on one-hot grids written through the dtype under test, so
its expected answers are its inputs, and its memory and params are known in closed form.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper as h

from trmgolf.compiler.importer import import_model
from trmgolf.compiler.optimize import reemit
from trmgolf.ir import print_graph
from trmgolf.scoring.answers import run_examples, verify
from trmgolf.scoring.official import measure
from trmgolf.scoring.validity import validate
from trmgolf.tasks import Example, Task, grid_to_onehot

GRID = [1, 10, 30, 30]
CELLS = 9000
DTYPES = {
    "bool": T.BOOL, "int8": T.INT8, "int16": T.INT16, "int32": T.INT32, "int64": T.INT64,
    "uint8": T.UINT8, "uint16": T.UINT16, "uint32": T.UINT32, "uint64": T.UINT64,
    "float16": T.FLOAT16, "float32": T.FLOAT, "float64": T.DOUBLE,
}
RNG = np.random.default_rng(5)


def _grid(h_: int, w: int) -> list[list[int]]:
    return RNG.integers(0, 10, size=(h_, w)).tolist()


def identity_task() -> Task:
    """A task whose answer is its input: every network below solves it."""
    grids = [_grid(3, 4), _grid(30, 30), _grid(1, 1), _grid(7, 2)]
    return Task("identity", {"train": [Example(g, g) for g in grids[:3]],
                             "test": [Example(grids[3], grids[3])]})


def _model(nodes, inits, out_dtype: int) -> onnx.ModelProto:
    graph = h.make_graph(nodes, "dtypes", [h.make_tensor_value_info("input", T.FLOAT, GRID)],
                         [h.make_tensor_value_info("output", out_dtype, GRID)], initializer=inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 17)], ir_version=10)


def output_dtype_network(dtype: str) -> onnx.ModelProto:
    """input * ones[1,10,1,1] (float32, 36,000 bytes), cast to ``dtype`` into ``output``."""
    ones = onnx.numpy_helper.from_array(np.ones((1, 10, 1, 1), np.float32), "ones")
    return _model([h.make_node("Mul", ["input", "ones"], ["scaled"]),
                   h.make_node("Cast", ["scaled"], ["output"], to=DTYPES[dtype])], [ones], DTYPES[dtype])


def constant_dtype_network(dtype: str) -> onnx.ModelProto:
    """Cast the input to ``dtype``, combine it with a [1,10,1,1] initializer and a scalar
    Constant node of that dtype (Mul by one; And with True for bool), write ``output``."""
    np_dtype = np.bool_ if dtype == "bool" else np.dtype(dtype)
    op = "And" if dtype == "bool" else "Mul"
    table = onnx.numpy_helper.from_array(np.ones((1, 10, 1, 1), np_dtype), "table")
    one = onnx.numpy_helper.from_array(np.ones((), np_dtype), "one")
    return _model([h.make_node("Cast", ["input"], ["cast"], to=DTYPES[dtype]),
                   h.make_node(op, ["cast", "table"], ["mixed"]),
                   h.make_node("Constant", [], ["scalar"], value=one),
                   h.make_node(op, ["mixed", "scalar"], ["output"])], [table], DTYPES[dtype])


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_output_of_any_dtype_scores(dtype):
    model = output_dtype_network(dtype)
    assert validate(model).valid, validate(model).line()
    result = verify(model, identity_task(), threads_check=False)
    assert result.passed, result.first_failure and result.first_failure.render()
    assert (result.cost.memory, result.cost.params) == (CELLS * 4, 10)
    assert result.points == pytest.approx(25 - np.log(CELLS * 4 + 10), abs=1e-5)


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_constants_of_any_dtype_cost_elements_and_bytes(dtype):
    model = constant_dtype_network(dtype)
    itemsize = np.dtype(np.bool_ if dtype == "bool" else dtype).itemsize
    validity, cost = measure(model, [grid_to_onehot(_grid(4, 4))])
    assert validity.valid, validity.line()
    # cast + mixed (9,000 elements each) + the Constant node's output (one element)
    assert cost.memory == (2 * CELLS + 1) * itemsize
    assert cost.params == 10 + 1
    assert verify(model, identity_task(), threads_check=False).passed


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("build", [output_dtype_network, constant_dtype_network], ids=["output", "constants"])
def test_every_dtype_imports_and_round_trips(build, dtype):
    model = build(dtype)
    graph = import_model(model)
    assert graph.output.type.dtype == dtype
    assert "onnx_node" not in print_graph(graph)
    emitted = reemit(graph, model).model
    assert validate(emitted).valid
    inputs = [grid_to_onehot(ex.input) for _, ex in identity_task().examples()]
    for a, b in zip(run_examples(model, inputs), run_examples(emitted, inputs), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a > 0, b > 0)

