"""crop_box: the input cropped to a box found at run time; synthetic tasks under onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest
from solver_testlib import make_examples, ort_exact

from trmgolf.solvers import SOLVERS, check
from trmgolf.solvers.crop_box import fit_rule, roi_graph, routes_graph


def objects(n: int, seed: int, lo: int = 8, hi: int = 14, side: int = 5) -> list[np.ndarray]:
    """Background-0 grids holding one object: a rectangle of 1..side x 1..side cells of colours
    1-8 at a random place, some inner cells 0."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = (int(v) for v in rng.integers(lo, hi + 1, 2))
        g = np.zeros((h, w), np.int64)
        oh, ow = (int(v) for v in rng.integers(1, side + 1, 2))
        r, c = int(rng.integers(0, h - oh + 1)), int(rng.integers(0, w - ow + 1))
        block = rng.integers(1, 9, (oh, ow))
        if oh > 2 and ow > 2:
            block[1:-1, 1:-1] *= rng.integers(0, 2, (oh - 2, ow - 2))
        g[r:r + oh, c:c + ow] = block
        out.append(g)
    return out


def box(g: np.ndarray, cells: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(cells.any(1)), np.flatnonzero(cells.any(0))
    return g[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def marked(n: int, seed: int) -> list[np.ndarray]:
    """Noise grids of colours 0-4 with two cells of colour 9 at opposite corners of a box."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        h, w = (int(v) for v in rng.integers(8, 13, 2))
        g = rng.integers(0, 5, (h, w))
        r0, c0 = (int(v) for v in rng.integers(0, 4, 2))
        r1, c1 = r0 + int(rng.integers(1, 5)), c0 + int(rng.integers(1, 5))
        g[r0, c0] = g[r1, c1] = 9
        out.append(g)
    return out


def both_exact(rule, fit, held) -> None:
    """Each lowering of ``rule`` is exact on the held-out examples and under onnxruntime."""
    for graph in (routes_graph(rule), roi_graph(rule)):
        assert graph is not None and check(graph, held)
        assert ort_exact(graph, fit[:3] + held[:3])


def test_crop_to_the_object():
    fit = make_examples(objects(14, 1), lambda g: box(g, g != 0))
    held = make_examples(objects(10, 2, side=4), lambda g: box(g, g != 0))
    rule = fit_rule(fit)
    assert rule is not None and rule.selection == tuple(range(1, 10)) and not rule.transpose
    assert [a.tag for a in rule.axes] == ["box+0", "box+0"] and rule.colour_map is None
    both_exact(rule, fit, held)
    g = SOLVERS["crop_box"].build(fit)
    assert g is not None and check(g, held)


def test_crop_to_one_colour_box():
    fit = make_examples(marked(14, 3), lambda g: box(g, g == 9))
    held = make_examples(marked(10, 4), lambda g: box(g, g == 9))
    rule = fit_rule(fit)
    assert rule is not None and rule.selection == (9,)
    both_exact(rule, fit, held)


def test_mirrored_recoloured_and_inner_crops():
    mirrored = lambda g: box(g, g != 0)[:, ::-1]  # noqa: E731
    fit, held = make_examples(objects(14, 5), mirrored), make_examples(objects(8, 6), mirrored)
    rule = fit_rule(fit)
    assert rule is not None and [a.flip for a in rule.axes] == [False, True]
    both_exact(rule, fit, held)
    inner = lambda g: np.where(box(g, g == 9) == 9, 7, box(g, g == 9))[1:-1, 1:-1]  # noqa: E731
    grids = [g for g in marked(30, 7) if min(box(g, g == 9).shape) > 2]
    fit, held = make_examples(grids[:12], inner), make_examples(grids[12:], inner)
    rule = fit_rule(fit)
    assert rule is not None and rule.selection == (9,) and [a.margin for a in rule.axes] == [1, 1]
    both_exact(rule, fit, held)


def test_hole_filled_from_the_mirror_image():
    """A left-right symmetric picture with a 2x2 hole of colour 0: the output is the hole's
    content, read from the mirror image (a fixed window, the routes' mirror lines)."""
    rng = np.random.default_rng(8)
    grids, outs = [], []
    for _ in range(12):
        half = rng.integers(1, 10, (10, 5))
        g = np.concatenate([half, half[:, ::-1]], axis=1)
        r, c = int(rng.integers(0, 9)), int(rng.integers(0, 4))
        outs.append(g[r:r + 2, c:c + 2][:, ::-1].copy())
        g[r:r + 2, 9 - c - 1:9 - c + 1] = 0
        grids.append(g)
    examples = [make_examples([g], lambda _, o=o: o)[0] for g, o in zip(grids, outs, strict=True)]
    rule = fit_rule(examples[:8])
    assert rule is not None and rule.selection == (0,) and rule.axes[1].mirror
    both_exact(rule, examples[:8], examples[8:])


@pytest.mark.parametrize("case", ["same_shape", "scaled", "random"])
def test_not_a_crop(case):
    grids = objects(8, 9)
    if case == "same_shape":
        examples = make_examples(grids, np.fliplr)
    elif case == "scaled":  # the object's box, each cell 2 x 2: no box has that many lines
        examples = make_examples(grids, lambda g: np.kron(box(g, g != 0), np.ones((2, 2), np.int64)))
    else:
        rng = np.random.default_rng(10)
        examples = make_examples(grids, lambda g: rng.integers(0, 10, (3, 3)))
    assert fit_rule(examples) is None
    assert SOLVERS["crop_box"].build(examples) is None and SOLVERS["crop_box_wide"].build(examples) is None


def test_wide_variant_makes_room_for_longer_boxes():
    """Fit boxes at most 3 long, held-out ones 5: the tight K fails, the wide K (the grid) does not."""
    crop = lambda g: box(g, g != 0)  # noqa: E731
    fit, held = make_examples(objects(14, 11, side=3), crop), make_examples(objects(10, 12, side=5), crop)
    held = [e for e in held if max(len(e.output), len(e.output[0])) > 3]
    tight, wide = SOLVERS["crop_box"].build(fit), SOLVERS["crop_box_wide"].build(fit)
    assert tight is not None and wide is not None and held
    assert not check(tight, held) and check(wide, held)
