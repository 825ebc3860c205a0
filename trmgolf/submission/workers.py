"""Forked worker processes that a Ctrl-C stops at once, leaving none behind.

``concurrent.futures.ProcessPoolExecutor`` lets a terminal's Ctrl-C reach every worker (each
printed a traceback), and a worker killed mid-message could leave its exit join hanging for
minutes. Here workers ignore SIGINT (only the parent decides), each talks to the parent over
its own pipe, and however the parent leaves (done, error, KeyboardInterrupt), every worker
is stopped within a bounded wait: asked to exit, then SIGTERM, then SIGKILL. A finished job's
files are written by the worker before it answers, so an interrupted run keeps them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import TypeVar

from trmgolf.errors import UserError

J = TypeVar("J")
R = TypeVar("R")

#: Seconds a worker gets to leave after being asked (then after SIGTERM) before the next step.
GRACE_S = 2.0
DIED = ("a worker process died (out of memory or a crash in onnxruntime); finished tasks are "
        "saved: rerun the same command to resume")


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    busy: bool = False


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """SIGINT ignored in this block (main thread only: elsewhere signals cannot be set). Forked
    children inherit it; a second Ctrl-C cannot cut short the clean-up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _leave(_sig: int, _frame: object) -> None:
    raise SystemExit(1)  # unwinds: a half-written temporary file is removed on the way out


def _serve(fn: Callable[[J], R], conn: Connection) -> None:
    """A worker's loop: a job in, its result (or its exception) out, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _leave)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            answer: tuple[str, object] = ("ok", fn(job))
        except Exception as e:  # noqa: BLE001 - handed to the parent, which raises it
            answer = ("error", _portable(e))
        conn.send(answer)


def _portable(e: Exception) -> Exception:
    """``e`` when it survives pickling, else a RuntimeError that says what it was."""
    try:
        pickle.loads(pickle.dumps(e))
        return e
    except Exception:  # noqa: BLE001 - any pickling failure
        return RuntimeError(f"{type(e).__name__}: {e}")


def _start(fn: Callable[[J], R]) -> _Worker:
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(fn, child), daemon=True)
    process.start()
    child.close()
    return _Worker(process, parent)


def stop_workers(workers: list[_Worker], grace_s: float = GRACE_S) -> None:
    """Every worker gone before returning: idle ones are asked to exit, busy ones (or any
    still there after ``grace_s``) get SIGTERM, then SIGKILL."""
    for w in workers:
        if not w.busy:
            with contextlib.suppress(OSError):
                w.conn.send(None)
        else:
            w.process.terminate()
    for signal_next in (lambda p: p.terminate(), lambda p: p.kill()):
        deadline = time.monotonic() + grace_s
        for w in workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
        for w in workers:
            if w.process.is_alive():
                signal_next(w.process)
    for w in workers:
        w.process.join(grace_s)
        w.conn.close()


def run_in_workers(fn: Callable[[J], R], jobs: dict[int, J], n_workers: int,
                   on_done: Callable[[R], None]) -> None:
    """``fn`` on every job (in key order) in ``n_workers`` forked processes; ``on_done`` sees
    each result in the parent as it arrives. A job's exception is raised here; a worker that
    dies is a UserError. Workers never outlive this call."""
    queue = [jobs[n] for n in sorted(jobs)]
    workers: list[_Worker] = []
    try:
        with sigint_ignored():
            workers = [_start(fn) for _ in range(min(n_workers, len(queue)))]
        queue.reverse()
        for w in workers:
            _give(w, queue)
        while any(w.busy for w in workers):
            busy = [w for w in workers if w.busy]
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for w in busy:
                if w.conn.poll():
                    _receive(w, on_done)
                    _give(w, queue)
                elif not w.process.is_alive():
                    raise UserError(DIED)
    finally:
        with sigint_ignored():
            stop_workers(workers)


def _give(w: _Worker, queue: list) -> None:
    """The next job to an idle worker (a worker that died in between is a UserError)."""
    if queue:
        w.busy = True
        try:
            w.conn.send(queue.pop())
        except OSError:
            raise UserError(DIED) from None


def _receive(w: _Worker, on_done: Callable[[R], None]) -> None:
    try:
        kind, value = w.conn.recv()
    except (EOFError, OSError):
        raise UserError(DIED) from None
    w.busy = False
    if kind == "error":
        assert isinstance(value, Exception)
        raise value
    on_done(value)  # type: ignore[arg-type]
