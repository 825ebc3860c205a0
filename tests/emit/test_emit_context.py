"""EmitContext: initializers shared by content, derived constants memoised by key."""

import numpy as np

from trmgolf.ir.types import TensorType
from trmgolf.kernels.context import EmitContext, Initializers, unique_name


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


def test_one_naming_scheme_for_tensors_and_initializers():
    """``unique_name`` numbers repeats from 2; initializers and temporaries share it and,
    given the model's one name space, never collide."""
    taken = {"input", "output"}
    assert [unique_name(taken, h) for h in ("split", "split", "output", "split")] == [
        "split", "split_2", "output_2", "split_3"]
    inits = Initializers(used_names=taken)
    ctx = EmitContext(24, inits, taken, prefix="n/")
    assert inits.add(np.zeros(2), "split") == "split_4"
    assert [ctx.tmp(TensorType("float32", (2,)), "t") for _ in range(2)] == ["n/t", "n/t_2"]
    assert inits.add(np.ones(2), "n/t") == "n/t_3"
