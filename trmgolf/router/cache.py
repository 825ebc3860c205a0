"""An on-disk cache of LLM answers, keyed by task content, model, prompt version and the question.

The key hashes the exact messages sent (the task's grids and the solver list), the
model and ``PROMPT_VERSION``; a rerun, or a run without network, reads the answer
back instead of calling the endpoint. Files are written atomically, so several
processes may share one cache. Nothing secret is stored.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from trmgolf.fsutil import write_atomic


def default_cache_dir() -> Path:
    env = os.environ.get("TRMGOLF_CACHE")
    if env:
        return Path(env).expanduser()
    return Path("~/.cache/trmgolf/router").expanduser()


def cache_key(model: str, prompt_version: str, messages: list[dict[str, str]]) -> str:
    blob = json.dumps(
        {"model": model, "prompt": prompt_version, "messages": messages},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode()).hexdigest()


class AnswerCache:
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        try:
            entry = json.loads(self.path(key).read_text())
        except (OSError, json.JSONDecodeError):
            return None
        return entry if isinstance(entry, dict) and isinstance(entry.get("answer"), str) else None

    def put(self, key: str, entry: dict) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(entry, indent=1, sort_keys=True))
