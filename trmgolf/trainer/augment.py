"""Which augmentations of a task are true ones: transforms its rule commutes with.

A variant (dihedral transform x colour permutation) may share the task's puzzle vector only
if ``rule(T(x)) == T(rule(x))``; otherwise training on ``(T(x), T(y))`` teaches a different
task to the one network that is compiled. The rule is unknown, so the check works on the fit
examples: it finds the smallest neighbourhood radius r whose (2r+1)^2 input patches determine
every output cell (a local rule), then accepts ``T`` only when the transformed examples
contradict that table nowhere and mostly land on patches the table knows (evidence, not
absence of it). Tasks that are not local in this sense, or change the grid's shape, get no
augmentation: refusing a valid transform costs data, accepting a wrong one costs the task.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from trmgolf.trainer.data import IDENTITY_PERM, Variant

Pair = tuple[np.ndarray, np.ndarray]
OUTSIDE = 10  # patch value beyond the grid's edge
MAX_RADIUS = 2
MIN_KNOWN = 0.5  # share of a transform's patches the table must know to vouch for it


@dataclass(frozen=True)
class Augmentations:
    variants: list[Variant]  # identity first
    reason: str  # why these (one line, for logs and results)


def _patches(grid: np.ndarray, radius: int) -> np.ndarray:
    """``[cells, (2r+1)^2]`` uint8 neighbourhoods, row-major, ``OUTSIDE`` beyond the edge."""
    padded = np.pad(grid.astype(np.uint8), radius, constant_values=OUTSIDE)
    k = 2 * radius + 1
    return sliding_window_view(padded, (k, k)).reshape(grid.size, k * k)


def local_table(pairs: list[Pair], radius: int) -> dict[bytes, int] | None:
    """Input patch -> output colour over every cell, or None when one patch meets two colours."""
    table: dict[bytes, int] = {}
    for a, b in pairs:
        for patch, colour in zip(_patches(a, radius), b.reshape(-1).tolist(), strict=True):
            if table.setdefault(patch.tobytes(), colour) != colour:
                return None
    return table


def agrees(table: dict[bytes, int], radius: int, pairs: list[Pair]) -> bool:
    """No transformed patch contradicts the table, and most of them are in it."""
    known = total = 0
    for a, b in pairs:
        for patch, colour in zip(_patches(a, radius), b.reshape(-1).tolist(), strict=True):
            total += 1
            seen = table.get(patch.tobytes())
            if seen is None:
                continue
            if seen != colour:
                return False
            known += 1
    return total > 0 and known >= MIN_KNOWN * total


def _candidates(pairs: list[Pair], tries: int, rng: np.random.Generator) -> list[Variant]:
    """The 8 dihedral transforms, then random ones combined with permutations of the colours
    the examples use (colour 0 fixed; colours absent from the examples cannot be vouched for)."""
    used = sorted({int(c) for a, b in pairs for c in np.unique(np.concatenate([a.ravel(), b.ravel()]))}
                  - {0})
    out = [Variant(d) for d in range(8)]
    for _ in range(tries if len(used) > 1 else 0):
        shuffled = rng.permutation(used)
        perm = list(IDENTITY_PERM)
        for src, dst in zip(used, shuffled.tolist(), strict=True):
            perm[src] = int(dst)
        out.append(Variant(int(rng.integers(8)), tuple(perm)))
    return out


def valid_variants(pairs: list[Pair], canvas: tuple[int, int], count: int, seed: int,
                   tries: int = 32) -> Augmentations:
    """Up to ``count`` variants the fit examples show the rule commutes with (identity first)."""
    identity = [Variant()]
    if any(a.shape != b.shape for a, b in pairs):
        return Augmentations(identity, "no augmentation: output shape differs from input")
    radius, table = next(((r, t) for r in range(MAX_RADIUS + 1)
                          if (t := local_table(pairs, r)) is not None), (None, None))
    if table is None or radius is None:
        return Augmentations(identity, f"no augmentation: the rule is not local (radius <= {MAX_RADIUS})")
    out: list[Variant] = []
    seen: set[Variant] = set()
    for v in _candidates(pairs, tries, np.random.default_rng([seed, 31])):
        if len(out) >= count or v in seen:
            continue
        seen.add(v)
        fits = all(v.apply(g).shape[0] <= canvas[0] and v.apply(g).shape[1] <= canvas[1]
                   for p in pairs for g in p)
        if v == Variant() or (fits and agrees(table, radius, [(v.apply(a), v.apply(b)) for a, b in pairs])):
            out.append(v)
    dihedral = sorted({v.dihedral for v in out})
    perms = sum(v.perm != IDENTITY_PERM for v in out)
    return Augmentations(out, f"radius-{radius} rule: {len(out)} variants (dihedral {dihedral}, "
                              f"{perms} with colour permutations)")
