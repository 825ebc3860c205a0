"""Helpers for the emitter tests: run a model in onnxruntime and compare it with the
numpy interpreter (floats within a tolerance, integers and bools exactly)."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort

from trmgolf.compiler.emit import Emitted, emit
from trmgolf.ir import Graph, run


def ort_run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    """The model's output on ``x`` with every onnxruntime graph optimisation off."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {session.get_inputs()[0].name: x})
    return out


def assert_same(got: np.ndarray, want: np.ndarray, what: str = "") -> None:
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    if np.issubdtype(want.dtype, np.floating):
        tol = 1e-2 if want.dtype == np.float16 else 1e-5
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def check_emitted(graph: Graph, x: np.ndarray, target: str = "ng2026",
                  forced: dict[str, str] | None = None, grid_output: bool = True) -> Emitted:
    """Emit ``graph``, check the model with the full ONNX checker and compare onnxruntime
    with the interpreter on ``x``."""
    emitted = emit(graph, target, forced, grid_output=grid_output)
    onnx.checker.check_model(emitted.model, full_check=True)
    assert_same(ort_run(emitted.model, x), run(graph, x), f"{target} {forced}")
    return emitted
