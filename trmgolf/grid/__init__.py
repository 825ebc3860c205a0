"""The vocabulary of grid primitives that solver and search families are written from.

Each primitive exists once, twofold: its numpy meaning on an int grid and its IR builder on
the one-hot input, registered together in :data:`trmgolf.grid.vocab.PRIMITIVES` so that one
property test holds the two sides equal on random grids (``tests/grid``). It sits above
``ir`` and below both ``solvers`` and ``search``.
"""

from trmgolf.grid import labels, vocab  # noqa: F401  (every primitive registered on import)
