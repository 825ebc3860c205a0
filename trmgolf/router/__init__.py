"""Routers: for a task, the solvers to try (best first) and whether TRM training is worth it.

``make_router("auto" | "llm" | "heuristic")`` picks the implementation: ``auto`` is
the LLM router when an API key is configured, else the heuristic one.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from trmgolf.errors import UserError
from trmgolf.router.base import Route, Router, complete
from trmgolf.router.heuristic import HeuristicRouter
from trmgolf.router.llm import KEY_VARS, LLMConfig, LLMRouter

ROUTERS = ("auto", "llm", "heuristic")

__all__ = ["ROUTERS", "HeuristicRouter", "LLMConfig", "LLMRouter", "Route", "Router", "complete",
           "make_router"]


def make_router(
    kind: str = "auto",
    cache_dir: str | os.PathLike[str] | None = None,
    warn: Callable[[str], None] | None = None,
    timeout: float = 60.0,
    max_retries: int = 2,
) -> Router:
    """The router of ``kind``; ``llm`` without a key is a UserError, ``auto`` then falls back."""
    if kind not in ROUTERS:
        raise UserError(f"unknown router {kind!r} (choose from {', '.join(ROUTERS)})")
    if kind == "heuristic":
        return HeuristicRouter()
    config = LLMConfig.from_env(timeout, max_retries)
    if config.api_key is None:
        if kind == "llm":
            raise UserError(f"--router llm needs an API key: set {' or '.join(KEY_VARS)}")
        if warn:
            warn("no LLM API key configured: using the heuristic router")
        return HeuristicRouter()
    return LLMRouter(config, cache_dir, warn)
