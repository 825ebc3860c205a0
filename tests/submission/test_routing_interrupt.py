"""route_tasks: a Ctrl-C during routing does not wait for the LLM requests in flight."""

from __future__ import annotations

import threading

import pytest

from trmgolf.router.base import Route
from trmgolf.submission.runner import route_tasks


def test_ctrl_c_while_routing_does_not_wait_for_llm_requests_in_flight(tmp_path):
    """Issue 23: the threads' requests are left behind, not joined (up to --llm-timeout each)."""
    release, finished = threading.Event(), []

    class SlowLLM:
        name = "llm"

        def route(self, task, solvers):
            if task.name != "task001":
                release.wait(30)  # a request that takes long
            finished.append(task.name)
            return Route((), False, "llm")

    paths = {}
    for n in (1, 2, 3):
        paths[n] = tmp_path / f"task{n:03d}.json"
        paths[n].write_text('{"train": [{"input": [[1]], "output": [[1]]}], "test": []}')

    def interrupt() -> None:
        raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            route_tasks(SlowLLM(), paths, [], interrupt)
        assert finished == ["task001"]  # returned while the other two were still waiting
    finally:
        release.set()
