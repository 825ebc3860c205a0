"""The IR's op definitions, grouped by kind. Importing this package registers them all."""

from trmgolf.ir.ops import constant, elementwise, foreign, nn, numeric, shape, transformer  # noqa: F401
