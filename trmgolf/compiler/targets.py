"""Named compilation targets: which ONNX opset to emit and which runtime runs it."""

from __future__ import annotations

from dataclasses import dataclass

from trmgolf.errors import UserError


@dataclass(frozen=True)
class Target:
    name: str
    opset: int
    runtime: str
    description: str


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("ng2026", 24, "onnxruntime 1.24.4",
               "the NeuroGolf 2026 grader: opset 24 (fused Attention, RMSNormalization, "
               "RotaryEmbedding, Swish)"),
        Target("opset18", 18, "onnxruntime >= 1.14",
               "opset 18: Split(num_outputs), reduction axes as inputs; no fused transformer ops"),
        Target("opset17", 17, "onnxruntime >= 1.13",
               "opset 17, what torch.onnx.export's TorchScript exporter targets"),
        Target("opset13", 13, "onnxruntime >= 1.7", "opset 13, for old runtimes"),
    )
}
DEFAULT_TARGET = "ng2026"


def get_target(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        raise UserError(f"unknown target {name!r} (choose from {', '.join(TARGETS)})") from None
