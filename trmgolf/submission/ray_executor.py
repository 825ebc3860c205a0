"""Jobs as Ray tasks: this machine's cores or a cluster's, behind ``run_in_workers``' interface.

Ray (an optional extra) is imported here only, and only when ``--executor ray`` is asked for,
so the default path never loads it. Each job is one Ray task holding one CPU. Results come
back to the driver as tasks finish; the driver alone touches the output folder (a worker may
be another machine). Ray retries a task once, whether it raised or its worker died; a second
failure is handed to ``on_fail`` and the run goes on. However the call ends (done, error,
Ctrl-C), tasks in flight are cancelled and a Ray started here is shut down.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TypeVar

from trmgolf.errors import UserError
from trmgolf.submission.limits import first_line
from trmgolf.submission.workers import sigint_ignored

J = TypeVar("J")
R = TypeVar("R")

RAY_MISSING = "--executor ray needs Ray, an optional extra: pip install -e '.[ray]'"
#: Tries of a task beyond its first, for an exception or a dead worker alike.
RETRIES = 1


def import_ray() -> ModuleType:
    """The ``ray`` module, or a UserError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise UserError(RAY_MISSING) from None
    return ray


def failure_line(error: BaseException) -> str:
    """One line for a task that failed on Ray: the task's own exception when it raised (Ray
    wraps it), else what Ray says (a worker that died, a node lost)."""
    cause = getattr(error, "cause", None)
    if isinstance(cause, BaseException):
        return first_line(cause)
    return first_line(error)


def call(fn: Callable[[J], R], job: J) -> R:
    """The body of every Ray task (``fn`` travels once, through Ray's object store)."""
    return fn(job)


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """A Ctrl-C in this block is raised when the block ends, not in the middle of it: Ray's
    start-up (seconds) cut short would leave a half-made cluster that ``ray.shutdown`` may not
    find. Main thread only (elsewhere signals cannot be set)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = signal.signal(signal.SIGINT, lambda sig, _frame: caught.append(sig))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
    if caught:
        raise KeyboardInterrupt


def connect(ray: ModuleType, address: str | None, n_cpus: int) -> None:
    """Join the cluster at ``address`` (``auto``: the one ``ray start`` runs here), or start a
    private one with ``n_cpus`` CPUs. Ray's own processes block SIGINT: the driver alone
    answers a Ctrl-C, by cancelling the tasks and shutting Ray down."""
    options = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    try:
        with sigint_deferred():
            if address:
                ray.init(address=address, **options)
            else:
                ray.init(num_cpus=n_cpus, **options)
    except ConnectionError as e:
        raise UserError(f"--address {address}: no Ray cluster there ({first_line(e)})") from None


def run_on_ray(fn: Callable[[J], R], jobs: dict[int, J], n_cpus: int, on_done: Callable[[R], None],
               on_fail: Callable[[J, str], None], address: str | None = None) -> None:
    """``fn`` on every job (submitted in key order) as Ray tasks; ``on_done`` sees each result
    in the driver as it finishes, ``on_fail`` each job that failed twice, with one line saying
    why. Uses the Ray this process already joined if any, else joins ``address`` or starts a
    local cluster of ``n_cpus`` CPUs (and stops what it started)."""
    ray = import_ray()
    if not jobs:  # every task finished already: no cluster to start
        return
    started = not ray.is_initialized()
    pending: dict = {}
    try:
        if started:
            connect(ray, address, n_cpus)
        task = ray.remote(num_cpus=1, max_retries=RETRIES, retry_exceptions=True)(call)
        fn_ref = ray.put(fn)
        pending = {task.remote(fn_ref, jobs[n]): n for n in sorted(jobs)}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                job = jobs[pending.pop(ref)]
                try:
                    value = ray.get(ref)
                except ray.exceptions.RayError as e:
                    on_fail(job, failure_line(e))
                else:
                    on_done(value)
    finally:
        with sigint_ignored():
            for ref in pending:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
            if started and ray.is_initialized():
                ray.shutdown()
