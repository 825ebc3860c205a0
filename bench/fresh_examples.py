"""Run a network on fresh examples of a rule, drawn at random: grids no one has seen.

The given examples and the held-out half of ARC-GEN do not cover everything a task's
generator draws. Each generator here writes inputs of a known rule, with the hard cases
of its domain drawn on purpose (long winding regions, walls or objects touching only at
corners, a lone object on a small grid), and its output from a plain numpy version of the
rule; the network is scored on them with the grader's settings (``trmgolf.scoring.verify``).

    PYTHONPATH=$PWD python bench/fresh_examples.py NET.onnx enclosed_fill --count 200
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from scipy import ndimage

from trmgolf.scoring.answers import verify
from trmgolf.tasks import Example, Task

Pair = tuple[np.ndarray, np.ndarray]


def fill_enclosed(a: np.ndarray, fill: int) -> np.ndarray:
    """Background cells not 4-connected to the border take colour ``fill``."""
    parts, _ = ndimage.label(a == 0)
    outer = np.unique(np.concatenate([parts[0], parts[-1], parts[:, 0], parts[:, -1]]))
    out = a.copy()
    out[(parts > 0) & ~np.isin(parts, outer)] = fill
    return out


def serpentine(h: int, w: int, wall: int, rng: np.random.Generator) -> np.ndarray:
    """Walls everywhere but a one-cell corridor winding row by row through the interior; its
    start opens onto the border or not (all of it reached from outside, or all enclosed)."""
    a = np.full((h, w), wall)
    rows = list(range(1, h - 1, 2))
    for i, r in enumerate(rows):
        a[r, 1:w - 1] = 0
        if i + 1 < len(rows):
            a[r + 1, (w - 2) if i % 2 == 0 else 1] = 0
    if rng.random() < 0.5:
        a[1, 0] = 0
    return a


def diagonal_loops(h: int, w: int, wall: int, rng: np.random.Generator) -> np.ndarray:
    """Diamonds and random walls whose cells touch only at corners."""
    a = np.where(rng.random((h, w)) < 0.15, wall, 0)
    for _ in range(int(rng.integers(1, 4))):
        k = int(rng.integers(1, max(2, min(h, w) // 3)))
        r, c = int(rng.integers(0, max(1, h - 2 * k))), int(rng.integers(0, max(1, w - 2 * k)))
        for t in range(k + 1):
            for dr, dc in ((t, k + t), (k + t, 2 * k - t), (2 * k - t, k - t), (k - t, t)):
                if r + dr < h and c + dc < w:
                    a[r + dr, c + dc] = wall
    return a


def enclosed_fill(rng: np.random.Generator) -> Pair:
    """task002's rule: green (3) walls, enclosed background filled yellow (4); up to 20 x 20."""
    n = int(rng.integers(6, 21))
    a = serpentine(n, n, 3, rng) if rng.random() < 0.5 else diagonal_loops(n, n, 3, rng)
    return a, fill_enclosed(a, 4)


def drop_isolated(rng: np.random.Generator) -> Pair:
    """task097's rule: cells with no non-background cell among their 8 neighbours are cleared.
    Half the grids are 5 to 9 cells a side holding one object (often three cells on a
    diagonal); the rest hold scattered cells."""
    colour = int(rng.integers(1, 10))
    if rng.random() < 0.5:
        h, w = int(rng.integers(5, 10)), int(rng.integers(5, 10))
        a = np.zeros((h, w), np.int64)
        r, c = int(rng.integers(0, h - 2)), int(rng.integers(0, w - 2))
        step = 1 if rng.random() < 0.5 else -1
        for t in range(3):
            a[r + t, c + (t if step > 0 else 2 - t)] = colour
    else:
        h, w = int(rng.integers(5, 21)), int(rng.integers(5, 21))
        a = np.where(rng.random((h, w)) < rng.uniform(0.05, 0.25), colour, 0)
    return a, clear_isolated(a)


def clear_isolated(a: np.ndarray) -> np.ndarray:
    """Cells with no non-background cell among their 8 neighbours become background."""
    near = ndimage.convolve((a > 0).astype(int), np.ones((3, 3), int), mode="constant") - (a > 0)
    return np.where(near > 0, a, 0)


GENERATORS: dict[str, Callable[[np.random.Generator], Pair]] = {
    "enclosed_fill": enclosed_fill,
    "drop_isolated": drop_isolated,
}


def fresh(generator: str, count: int, seed: int) -> list[Example]:
    rng = np.random.default_rng(seed)
    return [Example(a.tolist(), o.tolist()) for a, o in (GENERATORS[generator](rng) for _ in range(count))]


def score(model: str, generator: str, count: int, seed: int) -> tuple[int, int]:
    """(exact, drawn) for ``count`` fresh examples of ``generator`` run through ``model``."""
    total = verify(model, Task("fresh", {}), fresh(generator, count, seed), threads_check=False).total
    return total.passed, total.passed + total.failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="the network (.onnx)")
    parser.add_argument("generator", choices=sorted(GENERATORS), help="the rule to draw examples of")
    parser.add_argument("--count", type=int, default=200, help="examples to draw")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args()
    passed, total = score(args.model, args.generator, args.count, args.seed)
    print(f"{args.model}: {passed} of {total} fresh {args.generator} examples exact")


if __name__ == "__main__":
    main()
