"""``--trm CKPT``: compile a TRM checkpoint for a task through ``trmgolf.compile``, if installed.

The TRM compiler is another area's module; this is the one place that calls it, and
it turns its absence into one clear line instead of an ImportError deep in a worker.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import onnx

from trmgolf.errors import UserError
from trmgolf.ir.graph import Graph

HOOK_MODULE = "trmgolf.compile"
HOOK = "compile_checkpoint"  # compile_checkpoint(checkpoint_path, task_name) -> Graph | ModelProto | bytes

TRMCompiler = Callable[[str, str], object]


def trm_compiler() -> TRMCompiler:
    """The TRM compile function, or a UserError saying why ``--trm`` cannot be used."""
    try:
        module = importlib.import_module(HOOK_MODULE)
    except ModuleNotFoundError as e:
        if e.name == HOOK_MODULE:
            raise UserError(
                f"--trm needs the TRM compiler ({HOOK_MODULE}), which this installation does not have"
            ) from None
        raise
    fn = getattr(module, HOOK, None)
    if not callable(fn):
        raise UserError(f"--trm: {HOOK_MODULE} has no {HOOK}(checkpoint, task) function")
    return fn


def network_bytes(network: object) -> bytes:
    """ONNX bytes from whatever the TRM compiler returned (IR graph, model or bytes)."""
    from trmgolf.compiler.emit import emit, serialize
    from trmgolf.compiler.pipeline import optimize

    if isinstance(network, Graph):
        return emit(optimize(network)).to_bytes()
    if isinstance(network, onnx.ModelProto):
        return serialize(network)
    if isinstance(network, bytes | bytearray):
        return bytes(network)
    raise TypeError(f"{HOOK_MODULE}.{HOOK} returned {type(network).__name__}")
