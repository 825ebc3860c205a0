"""Trainer tests run torch on one thread: on a loaded 2-core machine, torch's default of one
thread per core makes every small op wait for a busy core (a 300-step run took minutes)."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
