"""Pictures of a task's examples and a network's answers, in the ARC palette.

A row per example: its input, the expected output and (with a network) the answer, read
as the grader reads it (``output > 0``). A cell of the answer with no colour is drawn light
grey, one with several colours white; every cell that differs from the expected output
(or is coloured outside the expected grid) is crossed in red. Also tiny thumbnails (PNG
bytes) for the HTML report of a submission.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from trmgolf.fsutil import write_atomic
from trmgolf.tasks import Grid

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The ARC colours 0-9 (black, blue, red, green, yellow, grey, magenta, orange, azure, maroon).
PALETTE = ("#000000", "#0074D9", "#FF4136", "#2ECC40", "#FFDC00",
           "#AAAAAA", "#F012BE", "#FF851B", "#7FDBFF", "#870C25")
NO_COLOUR, SEVERAL = -1, -2  # answer cells that are not one colour
EXTRA = {NO_COLOUR: "#D8D8D8", SEVERAL: "#FFFFFF"}
WRONG = "#FF0000"


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


_LUT = {code: _rgb(c) for code, c in [*enumerate(PALETTE), *EXTRA.items()]}


def answer_cells(output: np.ndarray, expected: Grid) -> np.ndarray:
    """The answer as cell codes (colour, ``NO_COLOUR`` or ``SEVERAL``) over the expected grid,
    grown to every coloured cell outside it."""
    on = np.asarray(output)[0] > 0
    counts = on.sum(axis=0)
    rows, cols = np.nonzero(counts)
    h = max(len(expected), int(rows.max()) + 1 if rows.size else 0)
    w = max(len(expected[0]), int(cols.max()) + 1 if cols.size else 0)
    cells = np.where(counts == 1, on.argmax(axis=0), np.where(counts == 0, NO_COLOUR, SEVERAL))
    return cells[:h, :w].astype(np.int64)


def wrong_cells(cells: np.ndarray, expected: Grid) -> np.ndarray:
    """Where an answer differs from the expected grid (outside it: any colour at all)."""
    want = np.full(cells.shape, NO_COLOUR, np.int64)
    exp = np.asarray(expected, np.int64)
    want[:exp.shape[0], :exp.shape[1]] = exp
    return cells != want


def grid_image(cells: Grid | np.ndarray, cell_px: int = 1) -> np.ndarray:
    """``uint8 [h*cell_px, w*cell_px, 3]`` in the palette."""
    codes = np.asarray(cells, np.int64)
    img = np.zeros((*codes.shape, 3), np.uint8)
    for code, colour in _LUT.items():
        img[codes == code] = colour
    return img.repeat(cell_px, axis=0).repeat(cell_px, axis=1)


@dataclass
class ExampleRow:
    """One example of the picture; ``answer`` is the raw output (None: no network, or it failed)."""

    title: str
    input: Grid
    expected: Grid
    answer: np.ndarray | None = None
    error: str | None = None  # why there is no answer although a network was given


PANEL_PX = 240  # a grid's longer side in the picture, cell borders included


def examples_figure(rows: list[ExampleRow], title: str, with_answers: bool) -> Figure:
    """A row per example: input, expected, answer (wrong cells crossed)."""
    from matplotlib.figure import Figure

    cols = 3 if with_answers else 2
    n = max(1, len(rows))
    fig = Figure(figsize=(3.2 * cols, 3.1 * n + 0.5))
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.5 / (3.1 * n + 0.5),
                        wspace=0.08, hspace=0.25)
    axes = fig.subplots(n, cols, squeeze=False)
    for ax_row, row in zip(axes, rows, strict=False):
        _draw(ax_row[0], np.asarray(row.input), f"{row.title} input")
        _draw(ax_row[1], np.asarray(row.expected), "expected")
        if not with_answers:
            continue
        if row.answer is None:
            ax_row[2].text(0.5, 0.5, row.error or "no answer", ha="center", va="center", wrap=True,
                           fontsize=9, transform=ax_row[2].transAxes)
            ax_row[2].set_axis_off()
            continue
        cells = answer_cells(row.answer, row.expected)
        bad = wrong_cells(cells, row.expected)
        verdict = "exact" if not bad.any() else f"{int(bad.sum())} wrong cells"
        px = _draw(ax_row[2], cells, f"answer: {verdict}")
        ys, xs = np.nonzero(bad)
        ax_row[2].scatter(xs * px + px / 2, ys * px + px / 2, marker="x", c=WRONG,
                          s=max(6.0, 500.0 / max(cells.shape)), linewidths=1.2)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig


def bordered_image(cells: np.ndarray) -> tuple[np.ndarray, int]:
    """The grid at ``PANEL_PX`` with a dark line between cells; and the pixels per cell."""
    px = max(3, PANEL_PX // max(cells.shape))
    img = grid_image(cells, px)
    img[px - 1::px, :] = 85
    img[:, px - 1::px] = 85
    return img, px


def _draw(ax, cells: np.ndarray, title: str) -> int:
    h, w = cells.shape
    img, px = bordered_image(cells)
    ax.imshow(img, interpolation="nearest")
    ax.set_title(f"{title} ({h}x{w})", fontsize=9)
    ax.set_axis_off()
    return px


def png_bytes(fig: Figure, dpi: int = 80) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def write_examples_png(rows: list[ExampleRow], title: str, with_answers: bool,
                       path: str | os.PathLike[str]) -> None:
    """Render ``examples_figure`` and write it atomically."""
    write_atomic(Path(path), png_bytes(examples_figure(rows, title, with_answers)))


def thumbnail_png(input_grid: Grid, expected: Grid, answer: np.ndarray | None, size: int = 36) -> bytes:
    """Input, expected and answer side by side, each at most ``size`` px, as a PNG; a red bar
    under a wrong answer, a green one under an exact one."""
    from matplotlib.image import imsave

    panels = [np.asarray(input_grid), np.asarray(expected)]
    ok = None
    if answer is not None:
        cells = answer_cells(answer, expected)
        ok = not wrong_cells(cells, expected).any()
        panels.append(cells)
    px = max(1, size // max(max(p.shape) for p in panels))
    images = [grid_image(p, px) for p in panels]
    height = max(i.shape[0] for i in images) + 3
    gap = np.full((height, 2, 3), 255, np.uint8)
    parts = []
    for i, img in enumerate(images):
        tile = np.full((height, img.shape[1], 3), 255, np.uint8)
        tile[:img.shape[0]] = img
        if i == 2:
            tile[-2:] = _rgb("#2ECC40" if ok else WRONG)
        parts += [tile, gap]
    buffer = io.BytesIO()
    imsave(buffer, np.concatenate(parts[:-1], axis=1), format="png", metadata={"Software": None})
    return buffer.getvalue()
