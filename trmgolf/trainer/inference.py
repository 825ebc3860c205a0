"""The NeuroGolf inference module: one-hot ``[B,10,30,30]`` in, thresholdable scores out.

See the ``trmgolf.trainer`` package docstring for the exact contract.
"""

from __future__ import annotations

import os

import torch
import torch.nn.functional as F
from torch import nn

from trmgolf.errors import UserError
from trmgolf.trainer.checkpoint import load_checkpoint, puzzle_id_for
from trmgolf.trainer.config import TRMConfig
from trmgolf.trainer.model import TRM

GRID = 30
COLORS = 10
OUTSIDE_SCORE = -1.0  # every channel of every cell beyond the canvas


def onehot_to_tokens(x: torch.Tensor) -> torch.Tensor:
    """``[B,10,H,W]`` one-hot -> ``[B,H*W]`` tokens: 0 where all channels are 0, else colour+1."""
    weights = torch.arange(1, COLORS + 1, dtype=x.dtype, device=x.device).view(1, COLORS, 1, 1)
    return (x * weights).sum(1).flatten(1).round().long()


def margin_scores(logits: torch.Tensor) -> torch.Tensor:
    """``[..., 11]`` logits -> ``[..., 10]``: logit(colour c) minus the max of all other classes.

    Positive exactly where colour c is the strict argmax; an 'outside' argmax (class 0) or a
    tie leaves every channel <= 0.
    """
    # The best other class is the top logit, except for the top class itself, whose best
    # other is the runner-up (equal to the top on a tie). Written with TopK and Where so
    # that torch.onnx.export gives a graph onnxruntime runs (a bool EyeLike has no kernel).
    top2 = logits.topk(2, dim=-1).values
    best, runner_up = top2[..., :1], top2[..., 1:]
    others = torch.where(logits == best, runner_up, best)
    return (logits - others)[..., 1:]


class TRMInference(nn.Module):
    """A trained TRM fixed to one puzzle (task): the NeuroGolf network."""

    def __init__(self, config: TRMConfig, puzzle_vector: torch.Tensor | None = None) -> None:
        super().__init__()
        self.config = config.with_(num_puzzles=1)
        self.net = TRM(self.config)
        if puzzle_vector is not None:
            self.net.puzzle_emb.weight.data[0] = puzzle_vector.detach().float()

    @property
    def puzzle_vector(self) -> torch.Tensor:
        """The task's puzzle embedding ``[D]`` (row 0 of ``net.puzzle_emb.weight``)."""
        return self.net.puzzle_emb.weight[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        b = x.shape[0]
        crop = x[:, :, : cfg.canvas_h, : cfg.canvas_w]
        tokens = onehot_to_tokens(crop)
        puzzle = self.puzzle_vector.unsqueeze(0).expand(b, -1)
        logits = self.net.predict_logits(tokens, puzzle)  # [B, h*w, 11]
        scores = margin_scores(logits).transpose(1, 2).reshape(b, COLORS, cfg.canvas_h,
                                                               cfg.canvas_w)
        pad = (0, GRID - cfg.canvas_w, 0, GRID - cfg.canvas_h)
        return F.pad(scores, pad, value=OUTSIDE_SCORE)


def build_inference(config: TRMConfig, weights: dict[str, torch.Tensor],
                    puzzle_id: int) -> TRMInference:
    """The inference module from a training state dict (``TRM`` keys) and a puzzle id."""
    table = weights.get("puzzle_emb.weight")
    if table is None or not 0 <= puzzle_id < table.shape[0]:
        raise UserError(f"checkpoint has no puzzle embedding for puzzle id {puzzle_id}")
    module = TRMInference(config)
    core = dict(weights)
    core["puzzle_emb.weight"] = table[puzzle_id : puzzle_id + 1]
    try:
        module.net.load_state_dict(core)
    except RuntimeError as e:
        first = str(e).strip().splitlines()[-1].strip()
        raise UserError(f"checkpoint weights do not match its config: {first}") from None
    for p in module.parameters():
        p.requires_grad_(False)
    return module.eval()


def load_model(path: str | os.PathLike[str], task: str | int | None = None) -> TRMInference:
    """The inference module of a checkpoint, in eval mode (see the package docstring)."""
    ckpt = load_checkpoint(path)
    config = TRMConfig.from_dict(ckpt["config"])
    return build_inference(config, ckpt["weights"], puzzle_id_for(ckpt, task))
