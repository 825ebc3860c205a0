"""Pictures of examples and answers: cell codes, wrong cells, the palette, thumbnails."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.image import imread

from trmgolf.scoring.picture import (
    NO_COLOUR,
    PALETTE,
    SEVERAL,
    answer_cells,
    grid_image,
    thumbnail_png,
    wrong_cells,
)
from trmgolf.tasks import grid_to_onehot

EXPECTED = [[1, 2], [3, 4]]


def test_an_exact_answer_has_no_wrong_cell() -> None:
    cells = answer_cells(grid_to_onehot(EXPECTED), EXPECTED)
    assert cells.tolist() == EXPECTED and not wrong_cells(cells, EXPECTED).any()


def test_missing_several_and_outside_colours_are_wrong() -> None:
    out = grid_to_onehot(EXPECTED)
    out[0, :, 0, 0] = 0  # no colour
    out[0, 5, 1, 1] = 1  # a second colour
    out[0, 7, 2, 3] = 1  # a colour outside the 2x2 grid: the picture grows to show it
    cells = answer_cells(out, EXPECTED)
    assert cells.shape == (3, 4)
    assert cells[0, 0] == NO_COLOUR and cells[1, 1] == SEVERAL and cells[2, 3] == 7
    bad = wrong_cells(cells, EXPECTED)
    assert sorted(zip(*np.nonzero(bad), strict=True)) == [(0, 0), (1, 1), (2, 3)]


def test_grid_image_uses_the_arc_palette() -> None:
    img = grid_image([[0, 9]], cell_px=3)
    assert img.shape == (3, 6, 3)
    assert "#" + "".join(f"{v:02X}" for v in img[0, 5]) == PALETTE[9]


def test_thumbnail_is_a_small_png_of_three_panels() -> None:
    png = thumbnail_png(EXPECTED, EXPECTED, grid_to_onehot(EXPECTED), size=20)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    img = imread(io.BytesIO(png))
    assert img.shape[0] == 20 + 3 and img.shape[1] == 3 * 20 + 2 * 2  # 10 px cells, 2 px gaps
    assert thumbnail_png(EXPECTED, EXPECTED, None, size=20) != png
