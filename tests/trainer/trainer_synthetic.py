"""Small synthetic NeuroGolf task files for trainer tests (no real data needed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SWAP = {0: 0, 1: 2, 2: 1, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9}


def colour_map_task(seed: int, n_gen: int = 40, size: int = 3, mapping: dict | None = None
                    ) -> dict:
    """A task whose rule is a fixed colour map on random size x size grids."""
    rng = np.random.default_rng(seed)
    mapping = mapping or SWAP

    def pair() -> dict:
        g = rng.integers(0, 4, (size, size))
        return {"input": g.tolist(), "output": np.vectorize(mapping.get)(g).tolist()}

    return {"train": [pair() for _ in range(4)], "test": [pair()],
            "arc-gen": [pair() for _ in range(n_gen)]}


def write_tasks(folder: Path, tasks: dict[int, dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for num, task in tasks.items():
        (folder / f"task{num:03d}.json").write_text(json.dumps(task))
    return folder
