"""Object families: connected components by label propagation, recolour by a property, select one.

Synthetic tasks are scenes of separate objects (filled or hollow rectangles, bars); each rule
is fitted on one set of scenes and must hold on another, and the compiled network must be
exact under onnxruntime.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from solver_testlib import assert_solves_real_task, make_examples, ort_exact

from trmgolf.grid.labels import Grouping, label_steps, labels_of, propagate
from trmgolf.solvers import SOLVERS, check

ANY = tuple(range(1, 10))


def scenes(n: int, seed: int, colours: tuple[int, ...] = (5,), lo: int = 8, hi: int = 12,
           hollow: bool = True) -> list[np.ndarray]:
    """Grids with three to five objects that do not touch (not even diagonally): filled
    rectangles and, when ``hollow``, rings with a hole; the largest object is unique."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        h, w = rng.integers(lo, hi + 1, 2)
        g = np.zeros((h, w), np.int64)
        sizes = []
        for _ in range(200):
            if len(sizes) == rng.integers(3, 6):
                break
            ring = hollow and rng.random() < 0.3
            rh, rw = (rng.integers(3, 5, 2) if ring else rng.integers(1, 4, 2))
            r, c = rng.integers(0, h - rh + 1), rng.integers(0, w - rw + 1)
            if g[max(r - 1, 0):r + rh + 1, max(c - 1, 0):c + rw + 1].any():
                continue
            g[r:r + rh, c:c + rw] = rng.choice(colours)
            if ring:
                g[r + 1:r + rh - 1, c + 1:c + rw - 1] = 0
            sizes.append(int((g[r:r + rh, c:c + rw] > 0).sum()))
        if len(sizes) >= 3 and sorted(sizes)[-1] > sorted(sizes)[-2] and sorted(sizes)[0] < sorted(sizes)[1]:
            out.append(g)
    return out


def components_of(g: np.ndarray) -> tuple[np.ndarray, int]:
    return ndimage.label(g > 0)


def by_size(g: np.ndarray) -> np.ndarray:
    """Size 1 -> 3, size 2 -> 4, size 4 -> 6, other sizes keep their colour."""
    labels, n = components_of(g)
    out = g.copy()
    for k in range(1, n + 1):
        size = (labels == k).sum()
        if size in (1, 2, 4):
            out[labels == k] = {1: 3, 2: 4, 4: 6}[size]
    return out


def largest_red(g: np.ndarray) -> np.ndarray:
    labels, n = components_of(g)
    sizes = ndimage.sum(g > 0, labels, range(1, n + 1))
    out = g.copy()
    out[labels == 1 + int(np.argmax(sizes))] = 2
    return out


def border_green(g: np.ndarray) -> np.ndarray:
    labels, _ = components_of(g)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    out = g.copy()
    out[np.isin(labels, edge[edge > 0])] = 3
    return out


def holes_yellow(g: np.ndarray) -> np.ndarray:
    labels, n = components_of(g)
    out = g.copy()
    for k in range(1, n + 1):
        obj = labels == k
        if (ndimage.binary_fill_holes(obj) & ~obj).any():
            out[obj] = 4
    return out


def smallest_in_place(g: np.ndarray) -> np.ndarray:
    labels, n = components_of(g)
    sizes = ndimage.sum(g > 0, labels, range(1, n + 1))
    return np.where(labels == 1 + int(np.argmin(sizes)), g, 0)


def largest_cut(g: np.ndarray) -> np.ndarray:
    labels, n = components_of(g)
    sizes = ndimage.sum(g > 0, labels, range(1, n + 1))
    rows, cols = np.nonzero(labels == 1 + int(np.argmax(sizes)))
    return g[rows.min():rows.max() + 1, cols.min():cols.max() + 1]


@pytest.mark.parametrize("connectivity", [4, 8])
def test_labels_match_connected_components(connectivity):
    rng = np.random.default_rng(0)
    structure = np.ones((3, 3)) if connectivity == 8 else None
    for _ in range(20):
        g = rng.integers(0, 3, size=(9, 11)) * (rng.random((9, 11)) < 0.5)
        grouping = Grouping(connectivity, (ANY,))
        labels = labels_of(g, grouping, 11)
        steps = label_steps(g, grouping)
        assert np.array_equal(propagate(g, grouping, 11, steps), labels)  # the network converges to it
        assert steps == 0 or not np.array_equal(propagate(g, grouping, 11, steps - 1), labels)
        truth, n = ndimage.label(g > 0, structure=structure)
        # the same partition: each true component has one label, distinct components differ
        pairs = {(int(t), int(lab)) for t, lab in zip(truth.ravel(), labels.ravel(), strict=True)}
        assert len(pairs) == n + 1 and len({lab for _, lab in pairs}) == n + 1


def test_same_colour_groups_split_touching_objects():
    g = np.array([[1, 1, 2, 2], [0, 0, 0, 2]])
    grouping = Grouping(4, ((1,), (2,)))
    labels = labels_of(g, grouping, 4)
    assert labels[0, 0] == labels[0, 1] != labels[0, 2] == labels[1, 3]
    merged = labels_of(g, Grouping(4, (ANY,)), 4)
    assert len(np.unique(merged[g > 0])) == 1


@pytest.mark.parametrize("rule", [by_size, largest_red, border_green, holes_yellow])
def test_recolour_objects_generalises(rule):
    fit = make_examples(scenes(16, 1), rule)
    held = make_examples(scenes(16, 2), rule)
    g = SOLVERS["recolour_objects"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:3] + held[:3])


def test_recolour_objects_several_colours():
    fit = make_examples(scenes(16, 3, colours=(1, 5, 8), hollow=False), largest_red)
    held = make_examples(scenes(12, 4, colours=(1, 5, 8), hollow=False), largest_red)
    g = SOLVERS["recolour_objects"].build(fit)
    assert g is not None and check(g, held)


@pytest.mark.parametrize("rule", [smallest_in_place, largest_cut])
def test_select_object_generalises(rule):
    fit = make_examples(scenes(16, 5, colours=(1, 5, 8)), rule)
    held = make_examples(scenes(16, 6, colours=(1, 5, 8)), rule)
    g = SOLVERS["select_object"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:3] + held[:3])


def test_not_an_object_rule():
    grids = scenes(8, 7)
    rng = np.random.default_rng(0)
    recolour, select = SOLVERS["recolour_objects"].build, SOLVERS["select_object"].build
    assert recolour(make_examples(grids, np.fliplr)) is None  # moves cells
    assert recolour(make_examples(grids, lambda g: np.where(g == 0, 1, g))) is None  # paints background

    def random_colour(g):  # each object gets a colour no property of it explains
        labels, n = components_of(g)
        out = g.copy()
        for k in range(1, n + 1):
            out[labels == k] = rng.integers(1, 10)
        return out

    assert recolour(make_examples(grids, random_colour)) is None
    assert select(make_examples(grids, lambda g: g[:2, :2])) is None


@pytest.mark.parametrize("num,name", [(10, "recolour_objects"), (169, "recolour_objects"),
                                      (196, "recolour_objects"), (277, "recolour_objects"),
                                      (216, "select_object"), (365, "select_object")])
def test_real_tasks(num, name):
    assert_solves_real_task(name, num, 20)


# ---- marker selections -------------------------------------------------------------------------

def dotted_scenes(n: int, seed: int) -> list[np.ndarray]:
    """Three or four separate 8-coloured rectangles, each with a different number of 2-dots."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        g = np.zeros((int(rng.integers(10, 13)), int(rng.integers(10, 13))), np.int64)
        dots = list(rng.permutation(4))
        placed = 0
        for _ in range(100):
            if placed == 4 or not dots:
                break
            rh, rw = rng.integers(3, 5, 2)
            r, c = rng.integers(0, g.shape[0] - rh + 1), rng.integers(0, g.shape[1] - rw + 1)
            if g[max(r - 1, 0):r + rh + 1, max(c - 1, 0):c + rw + 1].any():
                continue
            g[r:r + rh, c:c + rw] = 8
            cells = rng.permutation(rh * rw)[:dots.pop()]
            g[r + cells // rw, c + cells % rw] = 2
            placed += 1
        if placed >= 3:
            out.append(g)
    return out


def most_dots_cut(g: np.ndarray) -> np.ndarray:
    labels, n = components_of(g)
    dots = [int(((labels == k) & (g == 2)).sum()) for k in range(1, n + 1)]
    rows, cols = np.nonzero(labels == 1 + int(np.argmax(dots)))
    return g[rows.min():rows.max() + 1, cols.min():cols.max() + 1]


def marked_scenes(n: int, seed: int, marker_inside: bool) -> list[np.ndarray]:
    """Separate 1-coloured objects and one 5 marker: inside one of them or next to it (diagonally
    or not)."""
    out = []
    for g in scenes(3 * n, seed, colours=(1,), hollow=False):
        labels, k = components_of(g)
        rng = np.random.default_rng(int(g.sum()) + seed)
        target = labels == rng.integers(1, k + 1)
        if marker_inside:
            rows, cols = np.nonzero(target)
            i = rng.integers(len(rows))
            g = g.copy()
            g[rows[i], cols[i]] = 5
            out.append(g)
        else:
            free = ndimage.binary_dilation(target, np.ones((3, 3), bool)) & (g == 0)
            free &= ~ndimage.binary_dilation((g > 0) & ~target, np.ones((3, 3), bool))
            rows, cols = np.nonzero(free)
            if len(rows):
                i = rng.integers(len(rows))
                g = g.copy()
                g[rows[i], cols[i]] = 5
                out.append(g)
        if len(out) == n:
            break
    return out


def touching_marker_cut(g: np.ndarray) -> np.ndarray:
    """The 1-object next to the 5 (its own cells only)."""
    labels, _ = ndimage.label(g == 1, structure=np.ones((3, 3)))
    near = ndimage.binary_dilation(g == 5, np.ones((3, 3), bool))
    k = np.unique(labels[near & (labels > 0)])[0]
    rows, cols = np.nonzero(labels == k)
    return np.where(labels == k, g, 0)[rows.min():rows.max() + 1, cols.min():cols.max() + 1]


def containing_marker_in_place(g: np.ndarray) -> np.ndarray:
    labels, _ = components_of(g)
    return np.where(labels == labels[g == 5][0], g, 0)


@pytest.mark.parametrize("rule,make", [
    (most_dots_cut, lambda n, s: dotted_scenes(n, s)),
    (touching_marker_cut, lambda n, s: marked_scenes(n, s, marker_inside=False)),
    (containing_marker_in_place, lambda n, s: marked_scenes(n, s, marker_inside=True)),
])
def test_select_object_by_marker(rule, make):
    fit = make_examples(make(14, 11), rule)
    held = make_examples(make(14, 12), rule)
    g = SOLVERS["select_object"].build(fit)
    assert g is not None and check(g, held)
    assert ort_exact(g, fit[:2] + held[:3])


def test_touch_marker_marks_the_object_not_the_marker():
    """(The network side of every plane is held equal to this by tests/grid's property test.)"""
    from trmgolf.solvers.components import Objects, object_planes

    side = 12
    # the 5 marker next to an object: touch5 marks that object, not the marker itself
    g = np.zeros((side, side), np.int64)
    g[1:3, 1:3], g[3, 3], g[6:8, 6:8] = 1, 5, 1
    touch = object_planes(g, Objects(Grouping(8, ((1,), (5,))), side, 14, 14, ("touch5",)))[0]
    assert touch[1:3, 1:3].all() and not touch[3, 3] and not touch[6:8, 6:8].any()


def test_marker_selection_rejects_unexplained_crops():
    rng = np.random.default_rng(5)

    def random_dotted(g):  # the box of a random object: no property picks it
        labels, n = components_of(g)
        rows, cols = np.nonzero(labels == rng.integers(1, n + 1))
        return g[rows.min():rows.max() + 1, cols.min():cols.max() + 1]

    assert SOLVERS["select_object"].build(make_examples(dotted_scenes(12, 13), random_dotted)) is None


# ---- grouping order ----------------------------------------------------------------------------

def test_coarsest_first_prefers_8_connected():
    from trmgolf.solvers.components import coarsest_first
    any4, any8 = Grouping(4, (ANY,)), Grouping(8, (ANY,))
    col4 = Grouping(4, ((1,), (2,)))
    assert coarsest_first([any4, any8, col4]) == [any8, any4, col4]
    assert coarsest_first([any4, col4]) == [any4, col4]  # 8 not uniform: the 4-connected stay first


def diagonal_scenes(n: int, seed: int) -> list[np.ndarray]:
    """Objects of two diagonal-touching blocks each (8-connected, not 4-connected)."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        g = np.zeros((12, 12), np.int64)
        placed = []
        for _ in range(60):
            a, b = rng.integers(1, 3, 2)
            r, c = rng.integers(0, 12 - a - b + 1, 2)
            if g[max(r - 1, 0):r + a + b + 1, max(c - 1, 0):c + a + b + 1].any():
                continue
            g[r:r + a, c:c + a] = 5
            g[r + a:r + a + b, c + a:c + a + b] = 5
            placed.append(a * a + b * b)
        if len(placed) >= 3 and sorted(placed)[-1] > sorted(placed)[-2]:
            out.append(g)
    return out


def largest_8_red(g: np.ndarray) -> np.ndarray:
    labels, n = ndimage.label(g > 0, structure=np.ones((3, 3)))
    sizes = ndimage.sum(g > 0, labels, range(1, n + 1))
    return np.where(labels == 1 + int(np.argmax(sizes)), 2, g)


def test_recolour_whole_diagonal_objects():
    fit = make_examples(diagonal_scenes(14, 21), largest_8_red)
    held = make_examples(diagonal_scenes(14, 22), largest_8_red)
    g = SOLVERS["recolour_objects"].build(fit)
    assert g is not None and check(g, held)
