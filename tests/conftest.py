"""Shared fixtures. Real NeuroGolf tasks come from $TRMGOLF_DATA or ../shared/data/neurogolf
beside the checkout; tests that need them skip when neither exists."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def neurogolf_dir() -> Path | None:
    for candidate in (os.environ.get("TRMGOLF_DATA"), REPO.parent / "shared" / "data" / "neurogolf"):
        if candidate and (Path(candidate) / "task001.json").is_file():
            return Path(candidate)
    return None


@pytest.fixture
def neurogolf() -> Path:
    """The folder of taskNNN.json files (skips the test when it is absent)."""
    folder = neurogolf_dir()
    if folder is None:
        pytest.skip("NeuroGolf task files not found (set TRMGOLF_DATA)")
    return folder
