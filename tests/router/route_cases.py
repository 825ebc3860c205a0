"""Small synthetic tasks of many kinds, for router tests (shared by two test modules)."""

from __future__ import annotations

import numpy as np

from trmgolf.tasks import Example, Task


def grids(n: int = 3, h: int = 4, w: int = 5, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.choice([0, 0, 1, 2, 3], size=(h, w)) for _ in range(n)]


def make(fn, **kw) -> Task:
    gs = grids(**kw)
    return Task("t", {"train": [Example(g.tolist(), np.asarray(fn(g)).tolist()) for g in gs]})


def gravity(g: np.ndarray) -> np.ndarray:
    out = np.zeros_like(g)
    for c in range(g.shape[1]):
        col = g[:, c][g[:, c] != 0]
        out[g.shape[0] - len(col):, c] = col
    return out


def _varying(fn) -> Task:
    sizes = [(3, 4), (5, 5), (4, 6)]
    gs = [g for i, (h, w) in enumerate(sizes) for g in grids(1, h, w, seed=i)]
    return Task("t", {"train": [Example(g.tolist(), np.asarray(fn(g)).tolist()) for g in gs]})


ROUTE_TASKS: dict[str, Task] = {
    "identity": make(lambda g: g),
    "flip": make(lambda g: g[:, ::-1]),
    "rot90": make(lambda g: np.rot90(g), h=4, w=4),
    "recolour": make(lambda g: np.where(g == 1, 7, g)),
    "tile": make(lambda g: np.tile(g, (2, 2))),
    "upscale": make(lambda g: np.kron(g, np.ones((2, 2), int))),
    "crop": make(lambda g: g[1:3, 1:4]),
    "gravity": make(gravity),
    "constant": make(lambda g: np.ones((2, 2), int) * 4),
    "fill": make(lambda g: np.where(g == 0, 5, g)),
    "varying_flip": _varying(lambda g: g[::-1]),
    "halves": make(lambda g: np.maximum(g[:, :2], g[:, 3:]), w=5),
}
