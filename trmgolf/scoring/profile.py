"""The grader's profiled run, and the runtime tensor sizes its trace shows.

The grader raises each node output's memory to the largest shape the profiler saw
(events ``<node>_kernel_time``, ``args.output_type_shape``); this module produces that
trace and reads it.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from trmgolf.scoring.runtime import Outcome, grader_session, run_each


def profiled_run(
    model_bytes: bytes, inputs: Sequence[np.ndarray], threads: int = 0
) -> tuple[list[Outcome], list[dict]]:
    """Run the (already renamed) model on each input in one profiled session.

    Returns each output (or the exception that run raised) and the profiler's
    node events. The trace is written to a private temp folder and removed.
    """
    folder = tempfile.mkdtemp(prefix="trmgolf-prof-")
    try:
        session = grader_session(model_bytes, threads, profile_prefix=str(Path(folder) / "trace"))
        outputs = run_each(session, inputs)
        trace = session.end_profiling()
        events = json.loads(Path(trace).read_text())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return outputs, [e for e in events if e.get("cat") == "Node" and "args" in e]


def runtime_bytes(
    events: Sequence[dict], node_outputs: dict[str, list[str]], itemsize: dict[str, int]
) -> dict[str, int]:
    """Largest size in bytes seen per tensor in the trace, as the scorer reads it."""
    seen: dict[str, int] = {}
    for event in events:
        shapes = event.get("args", {}).get("output_type_shape")
        if shapes is None:
            continue
        outs = node_outputs.get(str(event.get("name", "")).replace("_kernel_time", ""))
        if outs is None:
            continue
        for i, shape_dict in enumerate(shapes):
            if i >= len(outs) or outs[i] not in itemsize:
                continue
            elems = sum(math.prod(dims) for dims in shape_dict.values())
            seen[outs[i]] = max(seen.get(outs[i], 0), itemsize[outs[i]] * elems)
    return seen
