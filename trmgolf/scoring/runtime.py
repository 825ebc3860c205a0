"""Running a model under onnxruntime with the grader's settings: one place for the session.

The grader builds one CPU session with every graph optimisation off (``ORT_DISABLE_ALL``)
and, when scoring, profiling on; then it runs each example at batch 1 and reads
``output``. Everything in trmgolf that runs an ONNX file (validity's load check, the
profiled cost run, verification, the optimiser's proof, the TRM compiler's check) goes
through :func:`grader_session` and :func:`run_each`, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnxruntime as ort

#: A raw ``output``, or the exception its run raised (onnxruntime's errors share no base class).
Outcome = np.ndarray | Exception


def session_options(threads: int = 0, profile_prefix: str | None = None) -> ort.SessionOptions:
    """Session options of the scorer: no graph optimisation; profiling when a prefix is given.
    ``threads`` 0 lets onnxruntime pick (one per core)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = threads
    so.log_severity_level = 3
    if profile_prefix:
        so.enable_profiling = True
        so.profile_file_prefix = profile_prefix
    return so


def grader_session(model_bytes: bytes, threads: int = 0,
                   profile_prefix: str | None = None) -> ort.InferenceSession:
    """One CPU session on the (already renamed) model with the scorer's options; raises
    whatever onnxruntime raises when it cannot load the model."""
    import onnxruntime as ort

    options = session_options(threads, profile_prefix)
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


def run_one(session: ort.InferenceSession, x: np.ndarray) -> Outcome:
    """``output`` for one input, or the exception the run raised."""
    try:
        return session.run(["output"], {"input": x})[0]
    except Exception as e:  # noqa: BLE001 - onnxruntime's errors share no base class
        return e


def run_each(session: ort.InferenceSession, inputs: Sequence[np.ndarray], workers: int = 1) -> list[Outcome]:
    """:func:`run_one` on every input, in input order. ``workers`` > 1 threads call the one
    session concurrently (``run`` is thread-safe and releases the GIL): every core is used
    without changing any kernel's arithmetic."""
    if workers <= 1:
        return [run_one(session, x) for x in inputs]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda x: run_one(session, x), inputs))

