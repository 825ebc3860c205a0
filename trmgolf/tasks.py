"""Loading NeuroGolf / ARC task files and converting grids to the NeuroGolf tensors.

Tasks are found, by every command alike, in ``--data DIR``, else ``$TRMGOLF_DATA``, else
``../shared/data/neurogolf`` beside the checkout (the folder holding ``taskNNN.json``);
a task may be named ``16``, ``task016`` or given as a path.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trmgolf.errors import UserError

GRID = 30
COLORS = 10
SPLITS = ("train", "test", "arc-gen")

Grid = list[list[int]]


@dataclass(frozen=True)
class Example:
    input: Grid
    output: Grid


@dataclass
class Task:
    """One task: its name and its examples per split (pairs over 30x30 already dropped)."""

    name: str
    splits: dict[str, list[Example]] = field(default_factory=dict)

    def examples(self, splits: tuple[str, ...] | None = None) -> list[tuple[str, Example]]:
        names = splits or tuple(self.splits)
        return [(s, ex) for s in names for ex in self.splits.get(s, [])]

    def max_shape(self) -> tuple[int, int]:
        """Largest height and width over every input and output grid."""
        h = w = 1
        for _, ex in self.examples():
            for g in (ex.input, ex.output):
                h, w = max(h, len(g)), max(w, len(g[0]))
        return h, w


#: Where the task files are when neither ``--data`` nor ``TRMGOLF_DATA`` says: beside the checkout.
BESIDE_CHECKOUT = Path(__file__).resolve().parents[2] / "shared" / "data" / "neurogolf"
NO_TASK_FOLDER = ("no task folder: pass --data DIR, set TRMGOLF_DATA, or put the task files in "
                  "../shared/data/neurogolf beside the checkout")


def data_dir(data: str | os.PathLike[str] | None = None) -> Path | None:
    """The task folder: ``--data``, else ``TRMGOLF_DATA``, else ``BESIDE_CHECKOUT`` when it
    exists; None when none of them gives one."""
    value = data or os.environ.get("TRMGOLF_DATA")
    if value:
        return Path(value)
    return BESIDE_CHECKOUT if BESIDE_CHECKOUT.is_dir() else None


def task_number(name: str) -> int | None:
    m = re.fullmatch(r"(?:task)?0*(\d+)(?:\.json)?", str(name).strip())
    return int(m.group(1)) if m else None


def resolve_task_path(task: str | int, data: str | os.PathLike[str] | None = None) -> Path:
    """Turn ``16``, ``task016`` or a path into the task file's path, or raise UserError."""
    text = str(task)
    path = Path(text)
    if path.suffix == ".json" or os.sep in text:
        if not path.is_file():
            raise UserError(f"task file not found: {path}")
        return path
    num = task_number(text)
    if num is None:
        raise UserError(f"not a task name: {text!r} (use 16, task016 or a path to a .json file)")
    folder = data_dir(data)
    if folder is None:
        raise UserError(NO_TASK_FOLDER)
    if not folder.is_dir():
        raise UserError(f"task folder not found: {folder}")
    candidate = folder / f"task{num:03d}.json"
    if not candidate.is_file():
        raise UserError(f"task {num} not found in {folder}")
    return candidate


def _check_grid(grid: object, where: str) -> Grid:
    if not isinstance(grid, list) or not grid or not all(isinstance(r, list) for r in grid):
        raise UserError(f"{where}: a grid must be a non-empty list of rows")
    width = len(grid[0])
    for row in grid:
        if len(row) != width or width == 0:
            raise UserError(f"{where}: rows of a grid must have one non-zero length")
        for v in row:
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < COLORS:
                raise UserError(f"{where}: cell values must be integers 0-9, got {v!r}")
    return grid


def _fits(grid: Grid) -> bool:
    return len(grid) <= GRID and len(grid[0]) <= GRID


def parse_examples(raw: object, where: str) -> list[Example]:
    """Validate a list of ``{"input", "output"}`` pairs; drop pairs with a grid over 30x30."""
    if not isinstance(raw, list):
        raise UserError(f"{where}: expected a list of examples")
    out = []
    for i, pair in enumerate(raw):
        if not isinstance(pair, dict) or "input" not in pair or "output" not in pair:
            raise UserError(f"{where}[{i}]: an example needs 'input' and 'output'")
        gi = _check_grid(pair["input"], f"{where}[{i}].input")
        go = _check_grid(pair["output"], f"{where}[{i}].output")
        if _fits(gi) and _fits(go):
            out.append(Example(gi, go))
    return out


def read_json(path: Path) -> object:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UserError(f"file not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: not valid JSON ({e})") from None


def load_task_file(path: str | os.PathLike[str]) -> Task:
    path = Path(path)
    raw = read_json(path)
    if not isinstance(raw, dict) or not any(s in raw for s in SPLITS):
        raise UserError(f"{path}: not a task file (expected keys train/test/arc-gen)")
    splits = {s: parse_examples(raw[s], f"{path.name}:{s}") for s in SPLITS if s in raw}
    num = task_number(path.stem)
    name = f"task{num:03d}" if num is not None else path.stem
    return Task(name=name, splits=splits)


def load_task(task: str | int, data: str | os.PathLike[str] | None = None) -> Task:
    """Load a task by number, name or path (see module docstring)."""
    return load_task_file(resolve_task_path(task, data))


def load_extra_examples(path: str | os.PathLike[str]) -> list[Example]:
    """Extra examples: a task-shaped file (every split is used) or a bare list of pairs."""
    path = Path(path)
    raw = read_json(path)
    if isinstance(raw, dict):
        out: list[Example] = []
        for key, value in sorted(raw.items()):
            out.extend(parse_examples(value, f"{path.name}:{key}"))
        return out
    return parse_examples(raw, path.name)


def parse_task_range(spec: str) -> list[int]:
    """``1-400``, ``1,5,9-12`` or ``all`` to sorted task numbers."""
    if spec.strip() == "all":
        return list(range(1, 401))
    nums: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise UserError(f"not a task range: {spec!r} (use 1-400, 1,5,9-12 or all)")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if lo > hi or lo < 1:
            raise UserError(f"not a task range: {spec!r}")
        nums.update(range(lo, hi + 1))
    return sorted(nums)


def grid_to_onehot(grid: Grid) -> np.ndarray:
    """The NeuroGolf tensor of a grid: float32 ``[1,10,30,30]``, one-hot in the top-left."""
    x = np.zeros((1, COLORS, GRID, GRID), dtype=np.float32)
    g = np.asarray(grid, dtype=np.int64)
    rows, cols = np.indices(g.shape)
    x[0, g, rows, cols] = 1.0
    return x


def onehot_to_grid(t: np.ndarray) -> Grid | None:
    """Decode a thresholded ``[1,10,30,30]`` tensor; None when it is not a clean one-hot grid."""
    mask = np.asarray(t)[0] > 0
    counts = mask.sum(axis=0)
    if (counts > 1).any():
        return None
    filled = counts == 1
    if not filled.any():
        return None
    h = int(filled.any(axis=1).nonzero()[0].max()) + 1
    w = int(filled.any(axis=0).nonzero()[0].max()) + 1
    if not filled[:h, :w].all() or filled.sum() != h * w:
        return None
    return mask[:, :h, :w].argmax(axis=0).tolist()
