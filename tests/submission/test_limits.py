"""The leaf module of time limits: ``contained`` records a failure, never a TaskTimeout."""

from __future__ import annotations

import pytest

from trmgolf.submission.limits import TaskTimeout, contained, first_line
from trmgolf.submission.results import Attempt


def test_contained_turns_an_exception_into_the_attempts_error():
    attempt = Attempt("s", "f", "no_fit")
    with contained(attempt) as failed:
        raise ValueError("bad shape\nmore text")
    assert failed and failed.error == "ValueError: bad shape"
    assert (attempt.outcome, attempt.detail) == ("error", "ValueError: bad shape")


def test_contained_lets_a_timeout_through_and_leaves_a_clean_block_alone():
    attempt = Attempt("s", "f", "no_fit")
    with pytest.raises(TaskTimeout), contained(attempt):
        raise TaskTimeout
    with contained(attempt) as failed:
        pass
    assert not failed and attempt.outcome == "no_fit"


def test_first_line_of_an_empty_message_is_the_type():
    assert first_line(RuntimeError()) == "RuntimeError"
