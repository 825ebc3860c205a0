"""The architecture: parameter count, recursion schedule, stable-max, halting, EMA."""

from __future__ import annotations

import pytest
import torch

from trmgolf.errors import UserError
from trmgolf.trainer.config import PRESETS, TRMConfig, ffn_width, get_preset
from trmgolf.trainer.model import TRM, count_parameters, stablemax, stablemax_cross_entropy
from trmgolf.trainer.train import EMA, halting, sign_sgd_step

SMALL = TRMConfig(hidden=16, heads=2, expansion=2.0, intermediate=24, layers=2, H_cycles=3,
                  L_cycles=4, puzzle_emb_len=2, canvas_h=3, canvas_w=3, num_puzzles=5)


def test_parameter_count_matches_the_official_formula():
    cfg = get_preset("reference").model
    d, i = cfg.hidden, cfg.intermediate
    assert (d, cfg.heads, i, cfg.layers, cfg.H_cycles, cfg.L_cycles) == (64, 4, 256, 2, 3, 4)
    assert (cfg.sup_steps, cfg.puzzle_emb_len, cfg.canvas_h, cfg.canvas_w) == (1, 16, 30, 30)
    # 2 layers x (qkv + o + SwiGLU) + embedding and lm_head (11 classes each) + Q head
    expected = 2 * (4 * d * d + 3 * d * i) + 2 * 11 * d + 2 * d + 2
    assert count_parameters(TRM(cfg)) == expected == 132_610
    assert ffn_width(512, 4.0, 256) == 1536  # the official D=512 width


def test_conv_mixer_parameter_count():
    cfg = get_preset("tiny").model
    d, i = cfg.hidden, cfg.intermediate
    expected = cfg.layers * (9 * d * d + 3 * d * i) + 2 * 11 * d + 2 * d + 2
    assert count_parameters(TRM(cfg)) == expected


def test_no_biases_except_the_q_head():
    biased = [n for n, _ in TRM(SMALL).named_parameters() if n.endswith("bias")]
    assert biased == ["q_head.bias"]


def test_step_runs_T_times_n_plus_1_net_calls_and_only_the_last_cycle_has_gradient():
    model = TRM(SMALL)
    b = 2
    tokens = torch.randint(0, 11, (b, 9))
    z_H, z_L = model.initial_state(b, torch.float32)
    out = model.step(z_H, z_L, tokens, torch.tensor([0, 3]))
    t, n = SMALL.H_cycles, SMALL.L_cycles
    assert model.net_calls == t * (n + 1)
    assert model.grad_net_calls == n + 1
    assert out.logits.shape == (b, 9, 11) and out.q_halt.shape == (b,)
    assert not out.z_H.requires_grad and not out.z_L.requires_grad
    out.logits.sum().backward()
    assert model.blocks[0].mlp.down.weight.grad is not None


def test_initial_state_is_the_fixed_init_vectors():
    model = TRM(SMALL)
    z_H, z_L = model.initial_state(3, torch.float32)
    assert torch.equal(z_H[2, 5], model.H_init) and torch.equal(z_L[0, 0], model.L_init)
    assert "H_init" in model.state_dict() and "H_init" not in dict(model.named_parameters())


def test_inference_runs_sup_steps_times_T_cycles():
    cfg = SMALL.with_(sup_steps=2)
    model = TRM(cfg)
    model.predict_logits(torch.zeros(1, 9, dtype=torch.long), torch.zeros(1, 16))
    assert model.net_calls == 2 * cfg.H_cycles * (cfg.L_cycles + 1)


def test_stablemax_formula():
    x = torch.tensor([-3.0, -0.5, 0.0, 0.5, 2.0])
    assert torch.allclose(stablemax(x), torch.tensor([1 / 4, 1 / 1.5, 1.0, 1.5, 3.0]))
    logits = torch.tensor([[[-1.0, 0.0, 2.0], [1.0, -2.0, 0.0]]])
    labels = torch.tensor([[2, 1]])
    s = stablemax(logits.double())
    p = s / s.sum(-1, keepdim=True)
    expected = -(p[0, 0, 2].log() + p[0, 1, 1].log()) / 2
    assert torch.allclose(stablemax_cross_entropy(logits, labels), expected.reshape(1))
    masked = stablemax_cross_entropy(logits, labels, torch.tensor([[True, False]]))
    assert torch.allclose(masked, -p[0, 0, 2].log().reshape(1))


def test_halting_without_exploration_follows_q_and_the_step_limit():
    steps = torch.tensor([1, 1, 4, 2])
    q = torch.tensor([1.0, -1.0, -1.0, 0.5])
    assert halting(steps, q, 4, 0.0).tolist() == [True, False, True, True]
    assert halting(torch.tensor([1, 1]), torch.tensor([-5.0, 5.0]), 1, 0.5).all()


def test_exploration_delays_halting_to_at_least_two_steps():
    gen = torch.Generator().manual_seed(0)
    steps = torch.ones(10_000, dtype=torch.long)
    halted = halting(steps, torch.ones(10_000), 4, 0.1, gen)
    assert 0.07 < 1 - halted.float().mean().item() < 0.13  # ~10% forced to continue
    gen = torch.Generator().manual_seed(0)
    assert halting(steps * 4, -torch.ones(10_000), 4, 1.0, gen).all()  # the limit always halts


def test_ema_update_formula():
    model = torch.nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.fill_(1.0)
    ema = EMA(model, decay=0.9)
    with torch.no_grad():
        model.weight.fill_(3.0)
    ema.update(model)
    assert torch.allclose(ema.shadow["weight"], torch.full((2, 2), 1.2))
    ema.update(model)
    assert torch.allclose(ema.shadow["weight"], torch.full((2, 2), 0.9 * 1.2 + 0.3))


def test_sign_sgd_moves_only_rows_with_gradient():
    table = torch.nn.Parameter(torch.ones(3, 2))
    table.grad = torch.tensor([[0.5, -2.0], [0.0, 0.0], [0.0, 1e-6]])
    sign_sgd_step(table, lr=0.1, weight_decay=0.5)
    expected = torch.tensor([[1 - 0.1 * 1.5, 1 - 0.1 * (-0.5)], [1.0, 1.0], [0.95, 1 - 0.15]])
    assert torch.allclose(table.data, expected)
    assert table.grad is None


def test_invalid_configs_and_presets_are_user_errors():
    with pytest.raises(UserError, match="unknown preset"):
        get_preset("huge")
    with pytest.raises(UserError, match="mixer"):
        TRMConfig(mixer="mlp")
    with pytest.raises(UserError, match="canvas"):
        TRMConfig(canvas_h=31)
    assert set(PRESETS) >= {"tiny", "small", "reference"}
