"""``--trm CKPT``: compile a TRM checkpoint for one task with the TRM compiler.

The network is compiled and checked against the PyTorch model by
``trmgolf.frontend.compile.compile_checkpoint``; the solve loop then verifies it on
the task like any other candidate.
"""

from __future__ import annotations


def trm_network(checkpoint: str, task_path: str) -> bytes:
    """ONNX bytes of the checkpoint's network for the task (UserError when it cannot be)."""
    from trmgolf.frontend.compile import compile_checkpoint

    return compile_checkpoint(checkpoint, task_path).data


def check_trm_checkpoint(checkpoint: str) -> None:
    """Fail early, with one line, on a checkpoint the trainer cannot read."""
    from trmgolf.trainer.checkpoint import load_checkpoint

    load_checkpoint(checkpoint)
