"""The LLM router: ask any OpenAI-compatible endpoint (DeepSeek by default) to classify a task.

Configuration comes from the environment (``TRMGOLF_LLM_BASE_URL``, ``TRMGOLF_LLM_MODEL``,
``TRMGOLF_LLM_API_KEY`` or ``DEEPSEEK_API_KEY``). The key is only handed to the
``openai`` client: it is never printed, logged, cached or shown in a repr. Every
failure (timeout, unreachable endpoint, refused key, malformed answer) falls back
to the heuristic router for that task with a one-line warning; after an endpoint
failure the rest of the run stops calling it, so 400 tasks never wait 400 timeouts.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trmgolf.router.base import Route, complete
from trmgolf.router.cache import AnswerCache, cache_key, default_cache_dir
from trmgolf.router.heuristic import HeuristicRouter
from trmgolf.router.prompt import PROMPT_VERSION, MalformedAnswer, messages, parse_answer
from trmgolf.solvers.base import Solver
from trmgolf.tasks import Task

DEFAULT_BASE_URL = "https://api.deepseek.com"
DEFAULT_MODEL = "deepseek-chat"
KEY_VARS = ("TRMGOLF_LLM_API_KEY", "DEEPSEEK_API_KEY")
MAX_TIMEOUTS = 3  # consecutive timeouts before the endpoint counts as down

Warn = Callable[[str], None]


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    max_retries: int = 2

    @classmethod
    def from_env(cls, timeout: float = 60.0, max_retries: int = 2) -> LLMConfig:
        key = next((os.environ[v] for v in KEY_VARS if os.environ.get(v)), None)
        return cls(
            os.environ.get("TRMGOLF_LLM_BASE_URL") or DEFAULT_BASE_URL,
            os.environ.get("TRMGOLF_LLM_MODEL") or DEFAULT_MODEL,
            key,
            timeout,
            max_retries,
        )


class LLMRouter:
    """Routes through the endpoint (or its disk cache); the heuristic answers when it cannot."""

    name = "llm"

    def __init__(
        self,
        config: LLMConfig,
        cache_dir: str | os.PathLike[str] | None = None,
        warn: Warn | None = None,
    ) -> None:
        self.config = config
        self.cache = AnswerCache(Path(cache_dir) if cache_dir else default_cache_dir())
        self.fallback = HeuristicRouter()
        self.warn = warn or (lambda _msg: None)
        self.calls = 0  # requests sent (for tests and reports)
        self._down: str | None = None
        self._timeouts = 0
        self._lock = threading.Lock()
        self._client = None

    def _client_once(self):
        import openai

        with self._lock:
            if self._client is None:
                self._client = openai.OpenAI(
                    api_key=self.config.api_key or "missing",
                    base_url=self.config.base_url,
                    timeout=self.config.timeout,
                    max_retries=self.config.max_retries,
                )
            return self._client

    def route(self, task: Task, solvers: Sequence[Solver]) -> Route:
        msgs = messages(task, solvers)
        key = cache_key(self.config.model, PROMPT_VERSION, msgs)
        names = [s.name for s in solvers]
        entry = self.cache.get(key)
        if entry is not None:
            route = self._to_route(task, solvers, entry["answer"], "cache")
            if route is not None:
                return route
        if self._down is not None:
            return self._fall_back(task, solvers, None)
        text = self._ask(task, msgs)
        if text is None:
            return self._fall_back(task, solvers, None)
        route = self._to_route(task, solvers, text, "llm")
        if route is None:
            return self._fall_back(task, solvers, None)
        self.cache.put(
            key,
            {
                "task": task.name,
                "model": self.config.model,
                "prompt_version": PROMPT_VERSION,
                "solvers": names,
                "answer": text,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
        )
        return route

    def _to_route(self, task: Task, solvers: Sequence[Solver], text: str, source: str) -> Route | None:
        names = [s.name for s in solvers]
        try:
            answer = parse_answer(text, names)
        except MalformedAnswer as e:
            self.warn(f"LLM router: malformed answer for {task.name} ({e}); heuristic used")
            return None
        rest = self.fallback.route(task, solvers).solvers
        return Route(complete(answer.solvers, rest), answer.train_trm, source, answer.category, answer.reason)

    def _fall_back(self, task: Task, solvers: Sequence[Solver], _why: str | None) -> Route:
        r = self.fallback.route(task, solvers)
        return Route(r.solvers, r.train_trm, "fallback", r.category, r.reason, r.scores)

    def _mark_down(self, why: str) -> None:
        with self._lock:
            first = self._down is None
            self._down = why
        if first:
            self.warn(f"LLM router: {why}; using the heuristic router for the rest of the run")

    def _ask(self, task: Task, msgs: list[dict[str, str]]) -> str | None:
        """The reply text, or None after a warning; never raises for endpoint trouble."""
        import openai

        client = self._client_once()
        where = self.config.base_url
        with self._lock:
            self.calls += 1
        try:
            reply = client.chat.completions.create(
                model=self.config.model, messages=msgs, temperature=0.0, max_tokens=400
            )
        except openai.APITimeoutError:
            with self._lock:
                self._timeouts += 1
                down = self._timeouts >= MAX_TIMEOUTS
            msg = f"{where} did not answer within {self.config.timeout:g} s"
            if down:
                self._mark_down(msg)
            else:
                self.warn(f"LLM router: {msg} for {task.name}; heuristic used")
            return None
        except openai.APIConnectionError:
            self._mark_down(f"cannot reach {where}")
            return None
        except (openai.AuthenticationError, openai.PermissionDeniedError) as e:
            self._mark_down(f"{where} refused the API key (HTTP {e.status_code})")
            return None
        except openai.NotFoundError:
            self._mark_down(f"{where} has no model {self.config.model!r} or no chat endpoint (HTTP 404)")
            return None
        except openai.APIStatusError as e:
            self.warn(f"LLM router: {where} answered HTTP {e.status_code} for {task.name}; heuristic used")
            return None
        except openai.OpenAIError as e:  # e.g. a reply body that is not a chat completion
            self.warn(f"LLM router: bad reply for {task.name} ({type(e).__name__}); heuristic used")
            return None
        with self._lock:
            self._timeouts = 0
        try:
            text = reply.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            text = None
        if not isinstance(text, str):
            self.warn(f"LLM router: malformed answer for {task.name} (no message content); heuristic used")
            return None
        return text
