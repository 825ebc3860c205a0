"""Time limits and the guard that turns a failure into an attempt's outcome.

A leaf of the submission package (it imports nothing of trmgolf): the worker, the TRM
training ladder and the optimiser all stop on ``TaskTimeout`` and record other failures
the same way, so they share this module instead of reaching into each other.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Protocol


class TaskTimeout(Exception):
    """The task's time budget ran out (raised by SIGALRM between Python bytecodes)."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise TaskTimeout after ``seconds`` (main thread on POSIX only; else no limit).

    A call stuck inside C code is interrupted only when it returns to Python.
    """
    main = threading.current_thread() is threading.main_thread()
    usable = seconds and hasattr(signal, "setitimer") and main
    if not usable:
        yield
        return

    def _raise(_sig, _frame):
        raise TaskTimeout

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def first_line(e: BaseException) -> str:
    """``Type: first line of the message`` (at most 200 characters of it), for one-line records."""
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0][:200]}" if text else type(e).__name__


class Outcome(Protocol):
    """What ``contained`` records a failure on (``results.Attempt``, ``trm_train.RungRun``)."""

    outcome: str
    detail: str


class Failed:
    """Set by ``contained`` when the guarded block raised: ``error`` is its first line."""

    def __init__(self) -> None:
        self.error: str | None = None

    def __bool__(self) -> bool:
        return self.error is not None


@contextlib.contextmanager
def contained(attempt: Outcome | None = None) -> Iterator[Failed]:
    """Run a block whose bugs must not stop the run: an exception (never ``TaskTimeout``,
    which ends the task) becomes ``attempt``'s outcome ``error`` with its first line, and the
    yielded ``Failed`` says so to code after the block."""
    failed = Failed()
    try:
        yield failed
    except TaskTimeout:
        raise
    except Exception as e:  # noqa: BLE001 - the point of the guard
        failed.error = first_line(e)
        if attempt is not None:
            attempt.outcome, attempt.detail = "error", failed.error
