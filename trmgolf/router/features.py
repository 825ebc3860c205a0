"""Task features for the heuristic router: cheap, exact facts about the example pairs.

Each feature is true only if it holds on every example looked at, so one
counter-example rules a family out; that is what makes a heuristic ordering
sharp on ARC, where most rules hold exactly or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from trmgolf.tasks import Example, Task

MAX_EXAMPLES = 24  # train + test + a few arc-gen: enough to refute, cheap to compute


@dataclass(frozen=True)
class Features:
    examples: int
    same_shape: bool  # every output has its input's shape
    fixed_out_shape: bool  # every output has one shape
    fixed_in_shape: bool  # every input has one shape
    transposed_shape: bool  # output is h x w of a w x h input (and not square-only)
    scale_up: tuple[int, int] | None  # output = input x (a, b) in every example
    scale_down: tuple[int, int] | None  # input = output x (a, b)
    out_smaller: bool  # output fits strictly inside the input
    out_larger: bool
    out_is_subgrid: bool  # output appears verbatim inside its input
    identity: bool
    color_map: bool  # one colour -> colour table explains every cell (same shape)
    dihedral: str | None  # name of the one dihedral transform that explains every pair
    tiles_input: bool  # output is a tiling of (transforms of) the input
    new_colors: bool  # some output colour never appears in its input
    colors_removed: bool
    same_color_counts: bool  # each colour's cell count is kept (moves, gravity)
    only_background_changes: bool  # only cells that were 0 change (fill, draw)
    changed_fraction: float  # mean share of cells that change (same shape only)
    out_symmetric: bool  # every output is left-right or up-down symmetric
    in_symmetric: bool
    in_objects: float  # mean connected components (non-zero, 4-neighbour) per input
    out_objects: float
    out_single_color: bool  # every output uses one colour (besides 0)
    constant_output: bool  # every output is the same grid
    max_side: int
    masked_colour: int | None = None  # only cells of this colour change, and it leaves every output
    example_color_maps: bool = False  # each example has its own colour -> colour table (same shape)

    def to_dict(self) -> dict:
        return asdict(self)


DIHEDRAL = {
    "flip_lr": lambda a: a[:, ::-1],
    "flip_ud": lambda a: a[::-1, :],
    "rot90": lambda a: np.rot90(a, 1),
    "rot180": lambda a: np.rot90(a, 2),
    "rot270": lambda a: np.rot90(a, 3),
    "transpose": lambda a: a.T,
    "anti_transpose": lambda a: np.rot90(a, 2).T,
}


def _pairs(task: Task, limit: int = MAX_EXAMPLES) -> list[tuple[np.ndarray, np.ndarray]]:
    examples: list[Example] = [ex for _, ex in task.examples(("train", "test"))]
    examples += [ex for _, ex in task.examples(("arc-gen",))][: max(0, limit - len(examples))]
    return [(np.asarray(e.input), np.asarray(e.output)) for e in examples[: max(limit, 1)]]


def _components(a: np.ndarray) -> int:
    """Connected non-zero single-colour components, 4-neighbour (small grids: plain BFS)."""
    seen = np.zeros(a.shape, bool)
    h, w = a.shape
    count = 0
    for r in range(h):
        for c in range(w):
            if a[r, c] == 0 or seen[r, c]:
                continue
            count += 1
            stack = [(r, c)]
            seen[r, c] = True
            while stack:
                y, x = stack.pop()
                for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                    if 0 <= ny < h and 0 <= nx < w and not seen[ny, nx] and a[ny, nx] == a[y, x]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
    return count


def _is_subgrid(big: np.ndarray, small: np.ndarray) -> bool:
    bh, bw = big.shape
    sh, sw = small.shape
    if sh > bh or sw > bw:
        return False
    for r in range(bh - sh + 1):
        for c in range(bw - sw + 1):
            if np.array_equal(big[r : r + sh, c : c + sw], small):
                return True
    return False


def _tiles(i: np.ndarray, o: np.ndarray) -> bool:
    ih, iw = i.shape
    oh, ow = o.shape
    if oh % ih or ow % iw or (oh, ow) == (ih, iw):
        return False
    variants = [i] + [f(i) for f in DIHEDRAL.values() if f(i).shape == i.shape]
    for r in range(0, oh, ih):
        for c in range(0, ow, iw):
            block = o[r : r + ih, c : c + iw]
            if not any(np.array_equal(block, v) for v in variants):
                return False
    return True


def _symmetric(a: np.ndarray) -> bool:
    return bool(np.array_equal(a, a[:, ::-1]) or np.array_equal(a, a[::-1, :]))


def _ratio(big: tuple[int, int], small: tuple[int, int]) -> tuple[int, int] | None:
    if big[0] % small[0] or big[1] % small[1]:
        return None
    return big[0] // small[0], big[1] // small[1]


def _same_ratio(ratios: Sequence[tuple[int, int] | None]) -> tuple[int, int] | None:
    if not ratios or any(r is None for r in ratios) or len(set(ratios)) != 1:
        return None
    r = ratios[0]
    return r if r is not None and r != (1, 1) else None


def _color_map(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> bool:
    table: dict[int, int] = {}
    for i, o in pairs:
        for a, b in zip(i.ravel().tolist(), o.ravel().tolist(), strict=True):
            if table.setdefault(a, b) != b:
                return False
    return True


def _example_color_maps(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> bool:
    """Every output is its input through a colour table of its own (a per-example swap)."""
    for i, o in pairs:
        if i.shape != o.shape:
            return False
        codes = np.unique(i.ravel() * 10 + o.ravel())
        if len(np.unique(codes // 10)) != len(codes):
            return False
    return True


def _masked_colour(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> int | None:
    """The colour every changed cell had, in every input and in no output (a patch to repair)."""
    if not all(i.shape == o.shape for i, o in pairs) or all(np.array_equal(i, o) for i, o in pairs):
        return None
    for c in range(10):
        if all((i == c).any() and not (o == c).any() and (i[i != o] == c).all() for i, o in pairs):
            return c
    return None


def task_features(task: Task, limit: int = MAX_EXAMPLES) -> Features:
    """The features of ``task`` from its train/test pairs and the first arc-gen pairs."""
    pairs = _pairs(task, limit)
    if not pairs:
        raise ValueError(f"{task.name} has no examples")
    same = all(i.shape == o.shape for i, o in pairs)
    identity = same and all(np.array_equal(i, o) for i, o in pairs)
    dihedral = None
    if not identity:
        for name, f in DIHEDRAL.items():
            if all(f(i).shape == o.shape and np.array_equal(f(i), o) for i, o in pairs):
                dihedral = name
                break
    changed = [float((i != o).mean()) for i, o in pairs] if same else []
    in_colors = [set(np.unique(i).tolist()) for i, _ in pairs]
    out_colors = [set(np.unique(o).tolist()) for _, o in pairs]
    counts_kept = all(
        np.array_equal(np.bincount(i.ravel(), minlength=10), np.bincount(o.ravel(), minlength=10))
        for i, o in pairs
    )
    return Features(
        examples=len(pairs),
        same_shape=same,
        fixed_out_shape=len({o.shape for _, o in pairs}) == 1,
        fixed_in_shape=len({i.shape for i, _ in pairs}) == 1,
        transposed_shape=not same and all(o.shape == i.shape[::-1] for i, o in pairs),
        scale_up=_same_ratio([_ratio(o.shape, i.shape) for i, o in pairs]),
        scale_down=_same_ratio([_ratio(i.shape, o.shape) for i, o in pairs]),
        out_smaller=all(o.shape[0] <= i.shape[0] and o.shape[1] <= i.shape[1] for i, o in pairs)
        and not same,
        out_larger=all(o.shape[0] >= i.shape[0] and o.shape[1] >= i.shape[1] for i, o in pairs)
        and not same,
        out_is_subgrid=not same and all(_is_subgrid(i, o) for i, o in pairs),
        identity=identity,
        color_map=same and not identity and _color_map(pairs),
        dihedral=dihedral,
        tiles_input=all(_tiles(i, o) for i, o in pairs),
        new_colors=any(oc - ic for ic, oc in zip(in_colors, out_colors, strict=True)),
        colors_removed=any(ic - oc for ic, oc in zip(in_colors, out_colors, strict=True)),
        same_color_counts=counts_kept and not identity,
        only_background_changes=same and not identity and all(
            bool((i[i != o] == 0).all()) for i, o in pairs
        ),
        changed_fraction=float(np.mean(changed)) if changed else 1.0,
        out_symmetric=all(_symmetric(o) for _, o in pairs),
        in_symmetric=all(_symmetric(i) for i, _ in pairs),
        in_objects=float(np.mean([_components(i) for i, _ in pairs])),
        out_objects=float(np.mean([_components(o) for _, o in pairs])),
        out_single_color=all(len(c - {0}) <= 1 for c in out_colors),
        constant_output=len(pairs) > 1 and all(np.array_equal(o, pairs[0][1]) for _, o in pairs),
        max_side=max(max(*i.shape, *o.shape) for i, o in pairs),
        masked_colour=_masked_colour(pairs),
        example_color_maps=not identity and _example_color_maps(pairs),
    )
