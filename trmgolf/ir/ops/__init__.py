"""The IR's op definitions, grouped by kind. Importing this package registers them all."""

from trmgolf.ir.ops import (  # noqa: F401
    attention,
    attr_scalars,
    constant,
    elementwise,
    foreign,
    grid_io,
    mlp,
    nn,
    norm,
    numeric,
    pool,
    quantized,
    resample,
    shape,
)
