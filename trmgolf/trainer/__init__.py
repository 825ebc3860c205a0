"""Train Tiny Recursive Models (TRM) for NeuroGolf, and load them as NeuroGolf networks.

The inference contract (the TRM compiler relies on it; keep it stable)
======================================================================

``load_model(path, task=None) -> TRMInference`` (a ``torch.nn.Module`` in eval mode).
``task`` names the puzzle of a multi-task checkpoint (``16``, ``"task016"``); a single-task
checkpoint needs none. ``module.forward(x)``: float32 one-hot ``[B,10,30,30]`` in, float32
``[B,10,30,30]`` out, and ``out > 0`` is exactly the predicted one-hot grid. Pure tensor
ops, no data-dependent Python control flow (``torch.onnx.export`` can trace it).

``module.config`` is a ``TRMConfig`` (``trmgolf.trainer.config``) with fields:
``hidden`` (D), ``heads``, ``expansion``, ``intermediate`` (I), ``layers``, ``H_cycles`` (T),
``L_cycles`` (n), ``puzzle_emb_len`` (P), ``canvas_h``, ``canvas_w``, ``mixer``
('attention' | 'conv'), ``rope_base``, ``norm_eps``, ``sup_steps`` (supervision steps at
inference), ``num_classes`` (11), plus training-only ``halt_max_steps``,
``halt_exploration_prob``, ``num_puzzles``, ``loss_on_outside``.

Weights (``module.state_dict()``; no biases except ``q_head``, unused at inference)::

    net.embed_tokens.weight          [11, D]   class 0 = outside, class k = colour k-1
    net.puzzle_emb.weight            [1, D]    this task's puzzle vector (``module.puzzle_vector``)
    net.H_init, net.L_init           [D]       fixed initial z_H / z_L (broadcast to every position)
    net.blocks.{i}.mixer.qkv.weight  [3D, D]   attention: q, k, v rows in that order, heads
    net.blocks.{i}.mixer.o.weight    [D, D]      contiguous (head h = dims h*D/heads ...)
    net.blocks.{i}.mixer.conv.weight [D, D, 3, 3]  conv mixer instead (padding 1, zeros)
    net.blocks.{i}.mlp.gate_up.weight [2I, D]  rows 0..I-1 = gate, I..2I-1 = up
    net.blocks.{i}.mlp.down.weight   [D, I]
    net.lm_head.weight               [11, D]
    net.q_head.weight/bias           [2, D]/[2] halting head (training only)

Forward, step by step (``Linear`` = ``x @ W.T``; ``rms(v) = v / sqrt(mean(v^2) + norm_eps)``):

1. Crop: ``x[:, :, :canvas_h, :canvas_w]``; the model never sees cells beyond the canvas.
2. Tokens, per cell row-major (``cells = canvas_h*canvas_w``): ``tok = sum_c (c+1) * x[c]``,
   i.e. 0 ("outside") where all 10 channels are 0, else colour+1.
3. Input embedding ``X`` [B, L, D], scaled by ``sqrt(D)``:
   attention: ``L = P + cells``, ``X = sqrt(D) * concat(puzzle_vector, zeros[P-1, D],
   embed_tokens[tok])``; conv (P = 0): ``X = sqrt(D) * (embed_tokens[tok] + puzzle_vector)``.
4. ``z_H = H_init``, ``z_L = L_init`` at every position. Repeat ``sup_steps * H_cycles``
   times: { ``L_cycles`` times ``z_L = net(z_L, z_H + X)``; then ``z_H = net(z_H, z_L)`` }.
   ``net(h, inj)``: ``h = h + inj``; for each block: ``h = rms(h + mixer(h));
   h = rms(h + down(silu(gate) * up))`` with ``gate, up = split(gate_up(h))``.
   Attention mixer: ``q, k, v = split(qkv(h))`` into heads; 1-D RoPE over positions
   0..L-1 (prefix first) with base ``rope_base``, rotate-half layout on each head
   (``x*cos + [-x2, x1]*sin`` with angles ``pos * rope_base^(-2j/head_dim)`` repeated twice);
   softmax(q k^T / sqrt(head_dim)) v, non-causal; then ``o``. Conv mixer: the cells as a
   ``[B, D, canvas_h, canvas_w]`` image, 3x3 conv, zero padding 1.
5. ``logits = lm_head(z_H[:, P:])`` [B, cells, 11] (classes: 0 outside, 1..10 colours 0..9).
6. ``score[c] = logits[c+1] - max_{k != c+1} logits[k]`` for colours c = 0..9: > 0 exactly
   where colour c is the strict argmax; an "outside" argmax or a tie gives <= 0 everywhere.
7. Reshape to [B, 10, canvas_h, canvas_w] and pad to 30x30 with -1 (``OUTSIDE_SCORE``).

Checkpoints: see ``trmgolf.trainer.checkpoint`` (``torch.load(path, weights_only=True)``).
"""

from trmgolf.trainer.config import PRESETS, TrainConfig, TRMConfig
from trmgolf.trainer.inference import TRMInference, load_model

__all__ = ["PRESETS", "TRMConfig", "TRMInference", "TrainConfig", "load_model"]
