"""Shared fixtures. Real NeuroGolf tasks come from $TRMGOLF_DATA or ../shared/data/neurogolf
beside the checkout; tests that need them skip when neither exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from task_data import neurogolf_dir


@pytest.fixture
def neurogolf() -> Path:
    """The folder of taskNNN.json files (skips the test when it is absent)."""
    folder = neurogolf_dir()
    if folder is None:
        pytest.skip("NeuroGolf task files not found (set TRMGOLF_DATA)")
    return folder
