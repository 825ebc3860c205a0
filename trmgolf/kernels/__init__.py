"""ONNX lowerings of IR ops, several per op where ONNX offers a choice.

``base.LOWERINGS`` maps each IR op to its alternatives; importing this package
registers them all. Files: ``elementwise`` (one node each), ``linear`` (MatMul /
Gemm / Einsum / Conv), ``reduce`` (reductions, argmax, softmax), ``shape`` (data
movement, with attribute-only alternatives that save initializer params), ``numeric``
(ops modelled for imported networks: mod, clip, argmin, tile).
"""

from trmgolf.kernels import elementwise, linear, numeric, reduce, shape, transformer  # noqa: F401
from trmgolf.kernels.base import LOWERINGS, Lowering, alternatives, lowering

__all__ = ["LOWERINGS", "Lowering", "alternatives", "lowering"]
