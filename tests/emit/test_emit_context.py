"""EmitContext: initializers shared by content, derived constants memoised by key."""

import numpy as np

from trmgolf.kernels.context import EmitContext, Initializers


def test_const_key_memoises_derived_constants():
    """A derived constant is built (and hashed) once per key; equal content still shares one
    initializer whatever the key."""
    calls = []

    def build():
        calls.append(1)
        return np.arange(6.0).reshape(2, 3)

    inits = Initializers()
    a = EmitContext(24, inits, set()).const(build, "float32", "t", key=("table", 1))
    b = EmitContext(24, inits, set()).const(build, "float32", "t", key=("table", 1))
    c = EmitContext(24, inits, set()).const(np.arange(6.0).reshape(2, 3), "float32", "u")
    assert a == b == c and len(calls) == 1 and len(inits.tensors) == 1
    d = EmitContext(24, inits, set()).const(build, "float16", "t", key=("table", 1))
    assert d != a and len(calls) == 2  # the key is per dtype
