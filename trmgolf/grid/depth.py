"""How many unrolled steps a propagation needs on a canvas, for every grid that fits on it.

A propagation (a flood, component labels) stops growing once it has walked the longest
shortest path of its region. A shortest path is an *induced* path: two of its cells that
are not consecutive are never neighbours (else the path had a shortcut). So its length is
bounded by the canvas alone, not by the examples at hand: in every 2 x 2 block of cells an
induced path holds at most 3 cells under 4-connectivity (all 4 close a cycle) and at most
2 under 8-connectivity (any 3 are pairwise neighbours). A winding region on an unseen grid
of the same size can come close to this bound (a serpentine corridor fills about half the
canvas), so a depth fitted to the examples' longest path is not enough.
"""

from __future__ import annotations


def induced_path_cells(h: int, w: int, connectivity: int) -> int:
    """An upper bound on the cells of an induced path in an h x w grid (4- or 8-neighbours)."""
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, not {connectivity}")
    cap = 3 if connectivity == 4 else 2
    return sum(min(cap, min(2, h - r) * min(2, w - c)) for r in range(0, h, 2) for c in range(0, w, 2))


def path_steps(side: int, connectivity: int) -> int:
    """Steps after which a propagation that starts inside a side x side canvas (from seed
    cells, or every object cell for labels) has reached every cell it can: the longest
    shortest path's moves, one per step."""
    return max(0, induced_path_cells(side, side, connectivity) - 1)


def ring_steps(side: int) -> int:
    """Steps after which a 4-neighbour flood from outside a side x side canvas stops: the
    farthest cell's shortest path enters through one border cell, and every later cell of it
    lies inside the border (a border cell is one step from outside)."""
    return 1 + induced_path_cells(max(0, side - 2), max(0, side - 2), 4) if side > 0 else 0
