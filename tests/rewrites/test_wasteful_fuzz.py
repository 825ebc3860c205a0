"""The fuzzer of wasteful networks (issue 24, tests/wasteful_fuzz.py): each is a known optimal
network wrapped in layers that change nothing the grader sees; the compiler must give back a
network no more expensive than the one wrapped, answering exactly as it does.

The fast test compiles (passes + lowering, the path ``optimize`` takes) and costs the result
statically, and runs it under onnxruntime on random one-hot grids; the slow one runs
``optimize_model`` itself, public networks included, on the task's examples."""

from __future__ import annotations

import numpy as np
import pytest
import wasteful_fuzz as wf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trmgolf.compiler.optimize import compile_imported, optimize_model
from trmgolf.scoring.answers import run_examples
from trmgolf.scoring.official import cost_of_view
from trmgolf.scoring.validity import inspect
from trmgolf.tasks import grid_to_onehot, load_task, same_answer

GRIDS = [grid_to_onehot(np.random.default_rng(s).integers(0, 10, size=(h, w)).tolist())
         for s, (h, w) in enumerate([(30, 30), (7, 12), (1, 1)])]
_CORE_COST: dict[str, int] = {}


def _static_cost(data) -> int:
    validity, view = inspect(data, runtime=False)
    assert validity.valid, validity.line()
    return cost_of_view(view).total()


@st.composite
def wasteful(draw) -> wf.Wrapped:
    return wf.build(wf.DrawChooser(draw))


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(wasteful())
def test_wrapped_networks_compile_to_their_core(wrapped):
    if wrapped.core_name not in _CORE_COST:
        _CORE_COST[wrapped.core_name] = _static_cost(wrapped.core)
    data = compile_imported(wrapped.model).data
    assert _static_cost(data) <= _CORE_COST[wrapped.core_name], wrapped.shape
    got, want = run_examples(data, GRIDS), run_examples(wrapped.core, GRIDS)
    assert all(same_answer(a, b) for a, b in zip(got, want, strict=True)), wrapped.shape


def test_every_wrapper_and_core_is_drawn():
    """The seeds the fast test's size covers reach every layer kind and every core."""
    kinds, cores = set(), set()
    for seed in range(120):
        w = wf.build(wf.SeededChooser(seed))
        kinds |= {k.split(":")[1] for k in w.kinds}
        cores.add(w.core_name)
    assert set(wf.EXACT) <= kinds and {"sign_tail", "compare_cast", "compare_bool"} <= kinds
    assert cores == set(wf.CORES)


@pytest.mark.slow
def test_optimize_on_wrapped_public_networks(neurogolf):
    """optimize_model on wrapped public networks: exact on every example of the task, never
    more expensive than its input (the original comes back otherwise)."""
    if not wf.PUBLIC.is_dir():
        pytest.skip(f"no public networks in {wf.PUBLIC}")
    public = wf.public_numbers(limit=12)
    checked = 0
    for seed in range(400):
        wrapped = wf.build(wf.SeededChooser(seed), public)
        if wrapped.task is None:
            continue
        task = load_task(wrapped.task, neurogolf)
        inputs = [grid_to_onehot(ex.input) for _, ex in task.examples()]
        result = optimize_model(wrapped.model, "wrapped", task=task, inputs=inputs[:1])
        assert result.after.total <= result.before.total
        got, want = run_examples(result.data, inputs), run_examples(wrapped.core, inputs)
        assert all(same_answer(a, b) for a, b in zip(got, want, strict=True)), (seed, wrapped.shape)
        checked += 1
        if checked == 6:
            break
    assert checked == 6
