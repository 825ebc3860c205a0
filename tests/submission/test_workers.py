"""workers.run_in_workers: results, errors, a dead worker, and a Ctrl-C in the parent."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from trmgolf.errors import UserError
from trmgolf.submission.workers import run_in_workers


def square(x: int) -> int:
    return x * x


def fails_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def dies_on_two(x: int) -> int:
    if x == 2:
        os._exit(7)
    return x


def slow(x: int) -> int:
    time.sleep(30 if x else 0)
    return x


def test_every_result_arrives():
    got: list[int] = []
    run_in_workers(square, {n: n for n in range(7)}, 2, got.append)
    assert sorted(got) == [n * n for n in range(7)]
    assert multiprocessing.active_children() == []


def test_a_job_error_is_raised_in_the_parent():
    with pytest.raises(ValueError, match="three"):
        run_in_workers(fails_on_three, {n: n for n in range(5)}, 2, lambda _: None)
    assert multiprocessing.active_children() == []


def test_a_dead_worker_is_one_user_error():
    with pytest.raises(UserError, match="worker process died"):
        run_in_workers(dies_on_two, {n: n for n in range(4)}, 2, lambda _: None)
    assert multiprocessing.active_children() == []


def test_ctrl_c_in_the_parent_stops_busy_workers_at_once():
    def interrupt(_: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_in_workers(slow, {0: 0, 1: 1, 2: 2}, 3, interrupt)  # 1, 2 sleep: terminated
    assert multiprocessing.active_children() == []

