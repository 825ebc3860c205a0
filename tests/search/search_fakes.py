"""A fake solver that writes the transpose rule with a 9,000-param constant."""

from __future__ import annotations

import numpy as np

import trmgolf.solvers  # noqa: F401 - register the real solvers before the table is swapped
from trmgolf.ir.builder import Builder
from trmgolf.solvers import base
from trmgolf.solvers.base import Solver


def wasteful_transpose(fit):
    b = Builder()
    t = b.op("transpose", b.input, perm=(0, 1, 3, 2))
    # 2t - 0.5 of a mean over an axis of one (the same values, but reduce_mean declares nothing
    # to the value analyses): a full-size scale and shift the sign rewrites cannot see through
    # (on t itself, {0, 1}, they would: 2t - 0.5 > 0 exactly where t > 0)
    t = b.op("reduce_mean", t, axes=(0,), keepdims=1)
    scaled = b.op("mul", t, b.const(np.full((1, 10, 30, 30), 2.0, np.float32)))
    return b.finish(b.op("add", scaled, b.const(np.full((1, 10, 30, 30), -0.5, np.float32))))


def install_wasteful_transpose(monkeypatch) -> dict[str, Solver]:
    table = {"wasteful_transpose": Solver("wasteful_transpose", "geometry", wasteful_transpose)}
    monkeypatch.setattr(base, "SOLVERS", table)
    return table
