"""``--holdout FILE_OR_DIR``: re-verify the kept networks on extra example files.

A folder holds ``taskNNN.json`` files (task-shaped, or a bare list of pairs); a single
file is either named after its task or maps task names to such content.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from trmgolf.errors import UserError
from trmgolf.scoring.answers import verify
from trmgolf.submission.results import TaskResult, onnx_path, write_atomic
from trmgolf.tasks import Example, Task, load_extra_examples, parse_examples, read_json, task_number


@dataclass
class HoldoutRow:
    task: str
    examples: int
    passed: int
    status: str  # "pass", "fail" or "no network"


def _from_value(value: object, where: str) -> list[Example]:
    if isinstance(value, dict):
        out: list[Example] = []
        for key, part in sorted(value.items()):
            out.extend(parse_examples(part, f"{where}:{key}"))
        return out
    return parse_examples(value, where)


def holdout_examples(path: Path) -> dict[int, list[Example]]:
    """Task number -> extra examples, from a folder or a file (see module docstring)."""
    if path.is_dir():
        found = {}
        for f in sorted(path.glob("*.json")):
            n = task_number(f.stem)
            if n is not None:
                found[n] = load_extra_examples(f)
        if not found:
            raise UserError(f"--holdout: no taskNNN.json files in {path}")
        return found
    if not path.is_file():
        raise UserError(f"--holdout: not found: {path}")
    n = task_number(path.stem)
    if n is not None:
        return {n: load_extra_examples(path)}
    raw = read_json(path)
    if not isinstance(raw, dict) or any(task_number(k) is None for k in raw):
        raise UserError(
            f"--holdout: {path} must be named taskNNN.json or map task names (task001, ...) to examples"
        )
    return {task_number(k) or 0: _from_value(v, f"{path.name}:{k}") for k, v in raw.items()}


def check_holdout(out: Path, results: dict[int, TaskResult], path: Path) -> list[HoldoutRow]:
    """Run each kept network on its task's extra examples; one row per task that has some."""
    rows = []
    for n, extras in sorted(holdout_examples(path).items()):
        if n not in results:
            continue
        name = f"task{n:03d}"
        if not results[n].solved:
            rows.append(HoldoutRow(name, len(extras), 0, "no network"))
            continue
        v = verify(onnx_path(out, n), Task(name, {}), extra=extras, threads_check=False)
        t = v.total
        rows.append(HoldoutRow(name, len(extras), t.passed, "pass" if t.failed == 0 else "fail"))
    write_atomic(out / "holdout.json", json.dumps([asdict(r) for r in rows], indent=1).encode())
    return rows
