"""The LLM prompt: the task's grids in a compact text form and the JSON answer we ask for.

Bump ``PROMPT_VERSION`` whenever the wording or the answer format changes: it is part
of the cache key, so old answers are not reused for a different question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from trmgolf.solvers.base import Solver
from trmgolf.tasks import Grid, Task

PROMPT_VERSION = "route-v1"
MAX_TASK_CHARS = 12_000  # keeps one request small; later examples are dropped first

SYSTEM = """You route ARC-AGI puzzles to program synthesizers. Each puzzle maps an input grid \
to an output grid; cells are colours 0-9, 0 is usually the background. Grids are written one \
row per line, one digit per cell.

Pick, from the solver list given, the solvers most likely to express the rule, most likely \
first. Decide also whether the puzzle is worth training a small neural network on \
(train_trm): true only if no listed solver family fits and the output is a per-cell function \
of a fixed-size canvas.

Answer with one JSON object and nothing else:
{"solvers": ["name", ...], "train_trm": true|false, "category": "short label", \
"reason": "one sentence"}"""


def grid_text(grid: Grid) -> str:
    """``h x w`` header then one line of digits per row: about one token per cell."""
    return f"{len(grid)}x{len(grid[0])}\n" + "\n".join("".join(str(v) for v in row) for row in grid)


def task_text(task: Task, limit: int = MAX_TASK_CHARS) -> str:
    """Train pairs and test pairs, in order, until ``limit`` characters (at least one pair)."""
    parts: list[str] = []
    size = 0
    for n, (split, ex) in enumerate(task.examples(("train", "test"))):
        part = f"## {split} example\ninput {grid_text(ex.input)}\noutput {grid_text(ex.output)}\n"
        if n and size + len(part) > limit:
            break
        parts.append(part)
        size += len(part)
    return "".join(parts)


def catalog_text(solvers: Sequence[Solver]) -> str:
    lines = []
    for s in solvers:
        doc = " ".join(s.doc.split())[:160]
        lines.append(f"- {s.name} ({s.family})" + (f": {doc}" if doc else ""))
    return "\n".join(lines)


def messages(task: Task, solvers: Sequence[Solver]) -> list[dict[str, str]]:
    user = f"# Solvers\n{catalog_text(solvers)}\n\n# Puzzle\n{task_text(task)}\nJSON answer:"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


@dataclass(frozen=True)
class Answer:
    solvers: tuple[str, ...]
    train_trm: bool
    category: str
    reason: str


class MalformedAnswer(ValueError):
    """The model's reply is not the JSON object the prompt asks for."""


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def parse_answer(text: str, known: Sequence[str]) -> Answer:
    """Parse a reply; unknown solver names are dropped, and an answer naming none is malformed."""
    body = _FENCE.sub("", text.strip())
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise MalformedAnswer("no JSON object in the reply")
    try:
        raw = json.loads(body[start : end + 1])
    except json.JSONDecodeError as e:
        raise MalformedAnswer(f"invalid JSON ({e.msg})") from None
    if not isinstance(raw, dict):
        raise MalformedAnswer("the reply is not a JSON object")
    names = raw.get("solvers")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise MalformedAnswer("'solvers' is not a list of names")
    names = [n for n in names if n in set(known)]
    if not names:
        raise MalformedAnswer("'solvers' names no known solver")
    trm = raw.get("train_trm", False)
    if not isinstance(trm, bool):
        raise MalformedAnswer("'train_trm' is not true/false")
    return Answer(tuple(names), trm, str(raw.get("category", ""))[:80], str(raw.get("reason", ""))[:300])
