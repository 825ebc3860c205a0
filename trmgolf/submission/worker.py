"""Solve one task: for each routed solver, build -> optimise -> emit -> verify, keep the cheapest.

Runs inside a worker process (or inline with ``--jobs 1``, or as a Ray task). Everything a
solver or the compiler does wrong becomes an attempt outcome, never a crash of the run.
``solve_job`` writes the network and then the result JSON before it returns, so a killed run
loses at most the tasks in flight; a Ray worker runs ``compute_job`` instead and the driver
writes what it returns with the same ``write_solved``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from trmgolf.families.contract import fit_data, solver_fit
from trmgolf.families.merge import Entry, Merge, Offer
from trmgolf.scoring.answers import VerifyResult, verify
from trmgolf.solvers.base import Solver
from trmgolf.submission.limits import TaskTimeout, contained, first_line, time_limit
from trmgolf.submission.results import (
    SEARCH_PREFIX,
    STAGES,
    TRM_SOLVER,
    TRM_TRAIN_PREFIX,
    Attempt,
    TaskResult,
    onnx_path,
    save_result,
    sha256,
    write_atomic,
)
from trmgolf.submission.split import FIT_SPLITS, HELDOUT_SPLITS, OFFICIAL, Split, split_task
from trmgolf.tasks import load_task_file, task_number

MODES = ("all", "first")


@dataclass(frozen=True)
class Job:
    """Everything a worker needs; small and picklable (the task is read in the worker)."""

    task_path: str
    out: str
    route: dict
    mode: str = "all"  # "all": try every routed solver, keep the cheapest; "first": stop at a pass
    top_k: int | None = None  # try only the first k routed solvers
    timeout_s: float | None = None
    threads_check: bool = True
    trm: str | None = None  # checkpoint for --trm
    fit_share: float = 0.5
    search_s: float = 0.0  # structure search after a solver passed: wall-clock safety net, s (0: none)
    search_work: int = 20_000  # its deterministic work budget (search.driver.DEFAULT_WORK; 0: none)
    trm_train_s: float = 0.0  # --trm-train: wall-clock seconds of TRM training when unsolved (0: off)


@dataclass
class Candidate:
    attempt: Attempt
    data: bytes
    rank: int
    result: VerifyResult
    confirmed: bool | None = None  # thread check: None = not run yet


@dataclass
class _State:
    attempts: list[Attempt] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)


def _failed(result: VerifyResult, splits: tuple[str, ...]) -> int:
    return sum(result.splits[s].failed for s in splits if s in result.splits)


def _judge(attempt: Attempt, result: VerifyResult) -> None:
    """Set the attempt's outcome and cost from a verification run (thread check excluded)."""
    if not result.validity.valid:
        attempt.outcome, attempt.detail = "invalid", result.validity.line()
        return
    if result.cost is not None:
        attempt.memory, attempt.params = result.cost.memory, result.cost.params
        attempt.cost = result.cost.total()
    where = ""
    if result.first_failure is not None:
        where = f"first failure {result.first_failure.split}[{result.first_failure.index}]"
    if _failed(result, FIT_SPLITS):
        attempt.outcome, attempt.detail = "wrong", where
    elif _failed(result, HELDOUT_SPLITS):
        attempt.outcome, attempt.detail = "heldout_fail", where
    elif not result.passed:
        attempt.outcome, attempt.detail = "wrong", where or "no examples"
    else:
        attempt.outcome = "passed"
        attempt.points = result.points


def _check(attempt: Attempt, data: bytes, split: Split) -> VerifyResult:
    t0 = time.perf_counter()
    try:
        result = verify(data, split.task, threads_check=False)
    finally:
        attempt.verify_s += time.perf_counter() - t0
    _judge(attempt, result)
    return result


Tried = tuple[Attempt, bytes | None, VerifyResult | None]


def try_trm(checkpoint: str, task_path: str, split: Split) -> Tried:
    from trmgolf.submission.trm import trm_network

    attempt = Attempt(TRM_SOLVER, TRM_SOLVER, "no_fit")
    t0 = time.perf_counter()
    data: bytes | None = None
    with contained(attempt):
        data = trm_network(checkpoint, task_path)
    attempt.build_s = time.perf_counter() - t0
    if data is None:
        return attempt, None, None
    return attempt, data, _check(attempt, data, split)


def _confirm(c: Candidate, split: Split, threads_check: bool) -> bool:
    """The thread-count check, run once per candidate and only on networks that passed."""
    if c.confirmed is None:
        if not threads_check:
            c.confirmed = True
            return True
        t0 = time.perf_counter()
        result = verify(c.data, split.task, threads_check=True)
        c.attempt.verify_s += time.perf_counter() - t0
        c.confirmed = result.passed and not result.thread_mismatch
        if c.confirmed:
            c.result = result
        else:
            m = result.thread_mismatch[0] if result.thread_mismatch else None
            c.attempt.outcome = "thread_mismatch"
            c.attempt.detail = f"answers differ at {m.threads} threads" if m else "failed on rerun"
    return bool(c.confirmed)


def _order(job: Job, solvers: dict[str, Solver]) -> list[str]:
    names = [n for n in job.route.get("solvers", []) if n in solvers]
    names += [n for n in solvers if n not in names]
    return names[: job.top_k] if job.top_k else names


def _entries(names: list[str], solvers: dict[str, Solver], with_search: bool) -> list[Entry]:
    """The merge's entries: the solvers ``names`` in that order, then (``with_search``) every
    search family in its declared order."""
    entries = [Entry(n, "solver", solver_fit(n, solvers[n].build)) for n in names]
    if with_search:
        from trmgolf.search import search_families

        entries += [Entry.of(f) for f in search_families()]
    return entries


def _gate(offer: Offer, attempt: Attempt, split: Split) -> tuple[bytes | None, VerifyResult | None]:
    """Compile an offered graph and verify it under onnxruntime; failures become ``attempt``'s
    outcome. ``attempt.build_s``: the fit's time plus the compile's."""
    from trmgolf.compiler.driver import compile_graph

    attempt.build_s = offer.seconds
    if offer.error is not None:
        attempt.outcome, attempt.detail = "error", first_line(offer.error)
        return None, None
    if offer.candidate is None:
        return None, None
    t0 = time.perf_counter()
    data: bytes | None = None
    with contained(attempt) as failed:
        data = compile_graph(offer.candidate.graph).data
    attempt.compile_s = time.perf_counter() - t0
    attempt.build_s += attempt.compile_s
    if failed or data is None:
        return None, None
    with contained(attempt):
        return data, _check(attempt, data, split)
    return data, None


def _search_label(offer: Offer) -> str:
    """A search attempt's name: ``search:`` and the candidate's label (``search:error``)."""
    return SEARCH_PREFIX + (offer.candidate.label if offer.candidate and offer.error is None else "error")


def _cheapest(state: _State) -> Candidate | None:
    passed = [c for c in state.candidates if c.attempt.cost is not None]
    return min(passed, key=lambda c: (c.attempt.cost or 0, c.rank)) if passed else None


def _merge(job: Job, split: Split, entries: list[Entry], **kw: object) -> Merge:
    return Merge(fit_data(split.fit), entries, search_work=job.search_work, search_s=job.search_s,
                 fatal=(TaskTimeout,), **kw)  # type: ignore[arg-type]


def _run(job: Job, solvers: dict[str, Solver], split: Split, state: _State, result: TaskResult) -> None:
    """Every routed solver, then the structure search below the cheapest network proven: one
    cost-ordered merge (``families.merge``). Each solver's network is compiled and gated; the
    search starts once one passed, and the first search network that passes and costs less
    ends it (the rest cost at least its estimate). Leaves what it learnt in ``state`` even
    when interrupted."""
    search_on = job.search_s > 0 and job.search_work > 0
    merge = _merge(job, split, _entries(_order(job, solvers), solvers, search_on))
    _consume(merge, job, split, state, result, solvers)
    if job.trm and not (state.candidates and job.mode == "first"):
        before = _cheapest(state)
        attempt, data, verdict = try_trm(str(job.trm), job.task_path, split)
        state.attempts.append(attempt)
        if attempt.outcome == "passed" and data is not None and verdict is not None:
            state.candidates.append(Candidate(attempt, data, len(merge.streams), verdict))
            if search_on and (before is None or (attempt.cost or 0) < (before.attempt.cost or 0)):
                # the search below the TRM's network, as below a solver's
                again = _merge(job, split, _entries([], solvers, True), rule_proven=True,
                               bound=attempt.cost or 0)
                _consume(again, job, split, state, result, solvers)


def _consume(merge: Merge, job: Job, split: Split, state: _State, result: TaskResult,
             solvers: dict[str, Solver]) -> None:
    """Gate the merge's offers into attempts and candidates, lowering its bound as networks
    pass. The search's CPU seconds (its fits, compiles and gates: the issue's "a minute per
    task on one core") go to ``result.search_s``."""
    gate_cpu = 0.0
    try:
        for offer in merge:
            if offer.entry.kind == "solver":
                attempt = Attempt(offer.entry.name, solvers[offer.entry.name].family, "no_fit")
                data, verdict = _gate(offer, attempt, split)
                state.attempts.append(attempt)
                if attempt.outcome == "passed" and data is not None and verdict is not None:
                    c = Candidate(attempt, data, offer.rank, verdict)
                    state.candidates.append(c)
                    merge.rule_proven = True
                    merge.bound = min(merge.bound, attempt.cost or 0)
                    if job.mode == "first" and _confirm(c, split, job.threads_check):
                        merge.close("solver")
                continue
            c0 = time.process_time()
            best = _cheapest(state)
            attempt = Attempt(_search_label(offer), best.attempt.family if best else "", "no_fit")
            state.attempts.append(attempt)
            data, verdict = _gate(offer, attempt, split)
            gate_cpu += time.process_time() - c0
            if attempt.outcome == "passed" and data is not None and verdict is not None \
                    and best is not None and (attempt.cost or 0) < (best.attempt.cost or 0):
                state.candidates.append(Candidate(attempt, data, offer.rank, verdict))
                merge.close("search")
    finally:
        for kind, stage in (("solver", "solver_fit"), ("search", "search_fit")):
            result.stages[stage] = result.stages.get(stage, 0.0) + merge.wall_s.get(kind, 0.0)
        if merge.rule_proven and any(s.entry.kind == "search" for s in merge.streams):
            result.search_s = (result.search_s or 0.0) + merge.cpu_s.get("search", 0.0) + gate_cpu


def wants_trm_training(job: Job, state: _State) -> bool:
    """--trm-train is on, no solver passed and the router thinks a TRM could learn the task."""
    return job.trm_train_s > 0 and not state.candidates and bool(job.route.get("train_trm"))


def _train_trm(job: Job, split: Split, state: _State, result: TaskResult) -> None:
    """The TRM ladder on the fit examples; each rung's network goes through the same gate as a
    solver's, and the first that passes (thread check included) ends the ladder."""
    from trmgolf.submission.trm_train import ladder

    folder = Path(job.out) / "trm" / Path(job.task_path).stem
    rank = 1 + max((c.rank for c in state.candidates), default=len(job.route.get("solvers", [])))
    result.trm_train_s = 0.0
    for run in ladder(job.task_path, split, folder, job.trm_train_s):
        attempt = Attempt(TRM_TRAIN_PREFIX + run.rung, TRM_SOLVER, "no_fit",
                          build_s=run.train_s + run.compile_s, compile_s=run.compile_s)
        state.attempts.append(attempt)
        result.trm_train_s += run.train_s
        if run.error:
            attempt.outcome, attempt.detail = "error", f"{run.error}; {run.note}".rstrip("; ")
            continue
        if run.data is None:
            share = "?" if run.fit_exact is None else f"{run.fit_exact:.0%}"
            attempt.outcome, attempt.detail = "wrong", f"training: {share} of fit examples exact; {run.note}"
            continue
        verdict = _check(attempt, run.data, split)
        attempt.detail = "; ".join(d for d in (attempt.detail, run.note) if d)
        if attempt.outcome != "passed":
            continue
        c = Candidate(attempt, run.data, rank, verdict)
        state.candidates.append(c)
        if _confirm(c, split, job.threads_check):
            result.trm_config = run.rung
            return


def _keep(result: TaskResult, best: Candidate) -> None:
    """Record ``best`` as the task's network (its file is written by ``write_solved``)."""
    counts: dict[str, list[int]] = {}
    for name, sc in best.result.splits.items():
        c = counts.setdefault(OFFICIAL.get(name, name), [0, 0])
        c[0] += sc.passed
        c[1] += sc.passed + sc.failed
    a = best.attempt
    result.solved = True
    result.solver, result.family = a.solver, a.family
    result.onnx, result.sha256 = onnx_path(Path("."), result.number).name, sha256(best.data)
    result.memory, result.params, result.cost = a.memory, a.params, a.cost
    result.points = float(a.points or 0.0)
    result.splits = counts
    held = [s for s in HELDOUT_SPLITS if s in best.result.splits]
    result.heldout_passed = bool(held) and _failed(best.result, tuple(held)) == 0


def _stages(result: TaskResult) -> None:
    """The task's wall seconds by stage (``results.STAGES``), rounded; ``other`` is the rest."""
    st = result.stages
    st["compile"] = sum(a.compile_s for a in result.attempts)
    st["gate"] = sum(a.verify_s for a in result.attempts)
    st["trm"] = result.trm_train_s or 0.0
    for stage in ("solver_fit", "search_fit"):
        st.setdefault(stage, 0.0)
    st["other"] = max(0.0, result.seconds - sum(v for k, v in st.items() if k != "other"))
    result.stages = {k: round(st[k], 3) for k in STAGES}


@dataclass
class Solved:
    """A finished task as a worker hands it back: its result and its network (None when not
    solved). Small and picklable, so that a worker on another machine can return it and the
    process holding the output folder writes it (``write_solved``)."""

    result: TaskResult
    network: bytes | None = None


def write_solved(out: Path, solved: Solved) -> TaskResult:
    """The task's files: the network (or no stale one), then the result that vouches for it
    by sha256 (last, so that a run killed in between redoes the task)."""
    path = onnx_path(out, solved.result.number)
    if solved.network is not None:
        write_atomic(path, solved.network)
    else:
        path.unlink(missing_ok=True)
    save_result(out, solved.result)
    return solved.result


def _mark_untried(result: TaskResult, job: Job, solvers: dict[str, Solver], tried: set[str],
                  detail: str) -> None:
    for name in _order(job, solvers):
        if name not in tried:
            result.attempts.append(Attempt(name, solvers[name].family, "skipped", detail=detail))


def failed_job(job: Job, error: str, solvers: dict[str, Solver]) -> Solved:
    """The record of a task whose worker raised or died (``error``: what happened, one line):
    not solved, every routed solver marked skipped, as a crash inside a solver is recorded."""
    stem = Path(job.task_path).stem
    number = task_number(stem)
    name = f"task{number:03d}" if number is not None else stem  # as load_task_file names it
    result = TaskResult(name, number or 0, route=dict(job.route), error=error)
    _mark_untried(result, job, solvers, set(), "worker failed")
    return Solved(result)


def compute_job(job: Job, solvers: dict[str, Solver] | None = None) -> Solved:
    """Solve the task of ``job``: its result and network, written nowhere yet (--trm-train's
    checkpoints excepted: they go under ``job.out/trm`` on the machine that trains)."""
    if solvers is None:
        from trmgolf.submission.registry import load_solvers

        solvers = load_solvers()
    t0 = time.perf_counter()
    task = load_task_file(job.task_path)
    number = task_number(Path(job.task_path).stem) or 0
    result = TaskResult(task.name, number, route=dict(job.route))
    split = split_task(task, job.fit_share)
    result.fit_examples, result.heldout_examples = len(split.fit), len(split.heldout)
    state = _State()
    try:
        with time_limit(job.timeout_s):
            _run(job, solvers, split, state, result)
    except TaskTimeout:
        result.timed_out = True
    except Exception as e:  # noqa: BLE001 - recorded; the run goes on
        result.error = first_line(e)
    if wants_trm_training(job, state) and result.error is None:
        # The training budget comes on top of the solvers' --timeout (compiling and gating
        # the trained networks get one --timeout of their own).
        try:
            with time_limit(job.timeout_s + job.trm_train_s if job.timeout_s else None):
                _train_trm(job, split, state, result)
        except TaskTimeout:
            result.timed_out = True
        except Exception as e:  # noqa: BLE001
            result.error = first_line(e)
    result.attempts = state.attempts
    _mark_untried(result, job, solvers, {a.solver for a in state.attempts},
                  "timeout" if result.timed_out else "")
    network = None
    for c in sorted(state.candidates, key=lambda c: (c.attempt.cost or 0, c.rank)):
        if _confirm(c, split, job.threads_check):
            _keep(result, c)
            network = c.data
            break
    result.seconds = time.perf_counter() - t0
    _stages(result)
    return Solved(result, network)


def solve_job(job: Job, solvers: dict[str, Solver] | None = None) -> TaskResult:
    """Solve the task of ``job``, write its network and result, and return the result."""
    return write_solved(Path(job.out), compute_job(job, solvers))


def cheaper_networks(split: Split, below: int, family: str, *, solvers: dict[str, Solver] | None = None,
                     search_work: int = 0, search_s: float = 0.0, threads_check: bool = True
                     ) -> Iterator[Candidate]:
    """Networks for a task whose rule a given network (costing ``below``) already proves:
    trmgolf's ``solvers`` (when given), then the structure search (``search_work`` > 0), as
    one merge (``families.merge``) below the cheapest so far. Each is gated as ``solve``
    gates its own: fitted on the fit half, kept only when exact on every example, held-out
    half included, and the same at other thread counts. Yields each one that costs strictly
    less than the last (so the last one yielded is the cheapest); the first search network
    kept ends the search."""
    table = solvers or {}
    search_on = search_work > 0 and search_s > 0
    merge = Merge(fit_data(split.fit), _entries(list(table), table, search_on), search_work=search_work,
                  search_s=search_s, bound=below, rule_proven=True, fatal=(TaskTimeout,))
    for offer in merge:
        solver = table.get(offer.entry.name) if offer.entry.kind == "solver" else None
        name = offer.entry.name if solver else _search_label(offer)
        attempt = Attempt(name, solver.family if solver else family, "no_fit")
        data, verdict = _gate(offer, attempt, split)
        if attempt.outcome != "passed" or data is None or verdict is None:
            continue
        if (attempt.cost or 0) >= merge.bound:
            continue
        c = Candidate(attempt, data, 0, verdict)
        if _confirm(c, split, threads_check):
            merge.bound = attempt.cost or 0
            yield c
            if solver is None:
                return
