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
MIN_KNOWN = 0.2  # share of the patches a table must know to vouch for a transform (or a radius)
MIN_KNOWN_CELLS = 20  # and at least this many


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
    """No transformed patch contradicts the table, and the table knows most of them: of all
    cells, and of the cells the rule changes (else a transform that scrambles exactly what the
    rule does could pass on the cells it leaves alone)."""
    known = total = known_changed = changed = 0
    for a, b in pairs:
        centre, colours = a.reshape(-1).tolist(), b.reshape(-1).tolist()
        for patch, before, colour in zip(_patches(a, radius), centre, colours, strict=True):
            moved = before != colour
            total += 1
            changed += moved
            seen = table.get(patch.tobytes())
            if seen is None:
                continue
            if seen != colour:
                return False
            known += 1
            known_changed += moved
    enough = known >= max(MIN_KNOWN * total, MIN_KNOWN_CELLS)
    return enough and (changed == 0 or known_changed >= MIN_KNOWN * changed)


def local_rule(pairs: list[Pair]) -> tuple[int, dict[bytes, int]] | None:
    """The smallest radius whose patch table is consistent and predicts: built from every other
    example, it agrees with the rest (a table of unique patches is consistent but only memorises)."""
    for radius in range(MAX_RADIUS + 1):
        table = local_table(pairs, radius)
        if table is None:
            continue
        half = local_table(pairs[::2], radius)
        if half is not None and len(pairs) >= 2 and agrees(half, radius, pairs[1::2]):
            return radius, table
        return None
    return None


def _candidates(pairs: list[Pair], tries: int, rng: np.random.Generator) -> list[Variant]:
    """The 8 dihedral transforms, then random ones combined with permutations of the colours
    the inputs use (colour 0 fixed; colours absent from the inputs cannot be vouched for, and
    colours only outputs have are what the rule creates)."""
    used = sorted({int(c) for a, _ in pairs for c in np.unique(a)} - {0})
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
    found = local_rule(pairs)
    if found is None:
        return Augmentations(identity, f"no augmentation: the rule is not local (radius <= {MAX_RADIUS})")
    radius, table = found
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
