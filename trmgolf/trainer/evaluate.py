"""Exact-match measurement through the inference contract, and rendering of a miss."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from trmgolf.tasks import Example, Grid, grid_to_onehot, onehot_to_grid


@dataclass
class SplitResult:
    name: str
    total: int
    correct: int
    first_miss: tuple[int, Example, Grid | None] | None = None  # (index, example, predicted)

    @property
    def exact(self) -> float:
        return self.correct / self.total if self.total else float("nan")

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"total": self.total, "correct": self.correct,
                                  "exact_match": self.exact if self.total else None}
        if self.first_miss is not None:
            i, ex, pred = self.first_miss
            out["first_miss"] = {"index": i, "input": ex.input, "expected": ex.output,
                                 "predicted": pred}
        return out


@torch.no_grad()
def evaluate_examples(module: nn.Module, examples: list[Example], name: str,
                      batch_size: int = 64, device: str = "cpu") -> SplitResult:
    """Run the NeuroGolf module on one-hot inputs; exact means ``out > 0`` equals the target."""
    result = SplitResult(name, len(examples), 0)
    for start in range(0, len(examples), batch_size):
        chunk = examples[start : start + batch_size]
        x = torch.from_numpy(np.concatenate([grid_to_onehot(e.input) for e in chunk]))
        target = np.concatenate([grid_to_onehot(e.output) for e in chunk]) > 0
        out = module(x.to(device)).float().cpu().numpy()
        hits = ((out > 0) == target).reshape(len(chunk), -1).all(axis=1)
        result.correct += int(hits.sum())
        if result.first_miss is None and not hits.all():
            j = int(np.flatnonzero(~hits)[0])
            result.first_miss = (start + j, chunk[j], onehot_to_grid(out[j : j + 1]))
    return result


def render_side_by_side(ex: Example, predicted: Grid | None) -> str:
    """Input, expected and predicted grids next to each other, one digit per cell."""
    blocks = [("input", ex.input), ("expected", ex.output),
              ("predicted", predicted if predicted is not None else [["?"]])]
    widths = [max(len(title), 2 * len(g[0]) - 1) for title, g in blocks]
    lines = ["   ".join(t.ljust(w) for (t, _), w in zip(blocks, widths, strict=False))]
    for r in range(max(len(g) for _, g in blocks)):
        cells = [" ".join(str(v) for v in g[r]) if r < len(g) else "" for _, g in blocks]
        lines.append("   ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip())
    if predicted is None:
        lines.append("(predicted: not a clean one-hot grid)")
    return "\n".join(lines)
