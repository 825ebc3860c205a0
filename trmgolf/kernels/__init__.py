"""ONNX lowerings of IR ops, several per op where ONNX offers a choice.

``base.LOWERINGS`` maps each IR op to its alternatives; importing this package
registers them all. Files: ``elementwise`` (one node each), ``linear`` (MatMul /
Gemm / Einsum / Conv), ``reduce`` (reductions, argmax, softmax), ``shape`` (data
movement, with attribute-only alternatives that save initializer params), and the
composite ops of the TRM front end: ``norm`` (rms_norm), ``attention`` (attention with
RoPE), ``mlp`` (SwiGLU), ``grid_io`` (one-hot grid -> embeddings, states -> answer grid);
``operands`` holds their shared constant-operand helpers; ``numeric`` (ops modelled for
imported networks: mod, clip, tile, old-opset Equal); ``attr_scalars`` (Shrink, Selu, LeakyRelu: a scalar
in an attribute instead of an initializer); ``resample`` (MaxRoiPool, RoiAlign, Resize) and
``quantized`` (QuantizeLinear, ConvInteger): one node each, in the opsets where the version
they write holds.
"""

from trmgolf.kernels import (  # noqa: F401
    attention,
    attr_scalars,
    elementwise,
    grid_io,
    linear,
    mlp,
    norm,
    numeric,
    pool,
    quantized,
    reduce,
    resample,
    shape,
)
from trmgolf.kernels.base import LOWERINGS, Lowering, alternatives, lowering

__all__ = ["LOWERINGS", "Lowering", "alternatives", "lowering"]
