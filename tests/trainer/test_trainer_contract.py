"""The inference contract: load_model's forward, re-implemented from the documented steps."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from trmgolf.errors import UserError
from trmgolf.trainer import TRMConfig, load_model
from trmgolf.trainer.checkpoint import FORMAT, save_checkpoint
from trmgolf.trainer.model import TRM

CONFIGS = {
    "attention": TRMConfig(hidden=16, heads=2, expansion=2.0, intermediate=24, layers=2,
                           H_cycles=2, L_cycles=2, puzzle_emb_len=3, canvas_h=5, canvas_w=4,
                           mixer="attention", sup_steps=2, num_puzzles=3),
    "conv": TRMConfig(hidden=16, heads=1, expansion=2.0, intermediate=24, layers=1,
                      H_cycles=2, L_cycles=3, puzzle_emb_len=0, canvas_h=6, canvas_w=6,
                      mixer="conv", sup_steps=1, num_puzzles=3),
}


def write_checkpoint(path, cfg: TRMConfig, tasks=("task001",)) -> dict:
    torch.manual_seed(1)
    model = TRM(cfg)
    with torch.no_grad():
        model.puzzle_emb.weight.normal_()
        model.lm_head.weight.mul_(8)  # confident, varied predictions
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    save_checkpoint(path, {
        "format": FORMAT, "config": cfg.to_dict(), "weights": weights,
        "puzzles": [f"{t}/d0" for t in tasks], "task_puzzle": {t: i for i, t in enumerate(tasks)},
        "meta": {"step": 0},
    })
    return weights


def random_onehot(b: int, gen: torch.Generator) -> torch.Tensor:
    x = torch.zeros(b, 10, 30, 30)
    for i in range(b):
        h, w = (int(v) for v in torch.randint(1, 8, (2,), generator=gen))
        colours = torch.randint(0, 10, (h, w), generator=gen)
        x[i].scatter_(0, F.pad(colours, (0, 30 - w, 0, 30 - h))[None], 1.0)
        x[i, :, h:, :] = 0
        x[i, :, :, w:] = 0
    return x


def rms(v: torch.Tensor, eps: float) -> torch.Tensor:
    return v / torch.sqrt(v.square().mean(-1, keepdim=True) + eps)


def reference_forward(cfg: TRMConfig, sd: dict[str, torch.Tensor], x: torch.Tensor
                      ) -> torch.Tensor:
    """The forward pass written from the package docstring, from the state dict alone."""
    b, d, p = x.shape[0], cfg.hidden, cfg.puzzle_emb_len
    crop = x[:, :, : cfg.canvas_h, : cfg.canvas_w]
    tok = (crop * torch.arange(1, 11).view(1, 10, 1, 1)).sum(1).flatten(1).long()
    emb = sd["net.embed_tokens.weight"][tok]
    vec = sd["net.puzzle_emb.weight"][0]
    if p:
        prefix = torch.zeros(b, p, d)
        prefix[:, 0] = vec
        X = math.sqrt(d) * torch.cat((prefix, emb), 1)
    else:
        X = math.sqrt(d) * (emb + vec)
    L = X.shape[1]

    def mixer(i: int, h: torch.Tensor) -> torch.Tensor:
        if cfg.mixer == "conv":
            img = h.transpose(1, 2).reshape(b, d, cfg.canvas_h, cfg.canvas_w)
            out = F.conv2d(img, sd[f"net.blocks.{i}.mixer.conv.weight"], padding=1)
            return out.reshape(b, d, L).transpose(1, 2)
        nh, hd = cfg.heads, d // cfg.heads
        q, k, v = (h @ sd[f"net.blocks.{i}.mixer.qkv.weight"].T).split(d, -1)
        q, k, v = (t.view(b, L, nh, hd).transpose(1, 2) for t in (q, k, v))
        j = torch.arange(hd // 2, dtype=torch.float32)
        ang = torch.arange(L, dtype=torch.float32)[:, None] * cfg.rope_base ** (-2 * j / hd)
        ang = torch.cat((ang, ang), -1)

        def rot(t: torch.Tensor) -> torch.Tensor:
            return t * ang.cos() + torch.cat((-t[..., hd // 2 :], t[..., : hd // 2]), -1) * ang.sin()

        att = torch.softmax(rot(q) @ rot(k).transpose(-1, -2) / math.sqrt(hd), -1) @ v
        return att.transpose(1, 2).reshape(b, L, d) @ sd[f"net.blocks.{i}.mixer.o.weight"].T

    def net(h: torch.Tensor, inj: torch.Tensor) -> torch.Tensor:
        h = h + inj
        for i in range(cfg.layers):
            h = rms(h + mixer(i, h), cfg.norm_eps)
            gate, up = (h @ sd[f"net.blocks.{i}.mlp.gate_up.weight"].T).split(cfg.intermediate, -1)
            h = rms(h + (F.silu(gate) * up) @ sd[f"net.blocks.{i}.mlp.down.weight"].T, cfg.norm_eps)
        return h

    zH = sd["net.H_init"].expand(b, L, d)
    zL = sd["net.L_init"].expand(b, L, d)
    for _ in range(cfg.sup_steps * cfg.H_cycles):
        for _ in range(cfg.L_cycles):
            zL = net(zL, zH + X)
        zH = net(zH, zL)
    logits = zH[:, p:] @ sd["net.lm_head.weight"].T
    scores = torch.stack([logits[..., c + 1] - torch.cat((logits[..., : c + 1], logits[..., c + 2 :]),
                                                         -1).amax(-1) for c in range(10)], 1)
    scores = scores.reshape(b, 10, cfg.canvas_h, cfg.canvas_w)
    return F.pad(scores, (0, 30 - cfg.canvas_w, 0, 30 - cfg.canvas_h), value=-1.0)


@pytest.mark.parametrize("mixer", [pytest.param(m, marks=pytest.mark.slow) if m == "attention" else m
                                   for m in sorted(CONFIGS)])
def test_forward_matches_documented_semantics(tmp_path, mixer):
    cfg = CONFIGS[mixer]
    path = tmp_path / "m.pt"
    write_checkpoint(path, cfg)
    module = load_model(path)
    assert not module.training
    assert module.config == cfg.with_(num_puzzles=1)
    x = random_onehot(6, torch.Generator().manual_seed(0))
    out = module(x)
    assert out.dtype == torch.float32 and out.shape == (6, 10, 30, 30)
    ref = reference_forward(module.config, module.state_dict(), x)
    torch.testing.assert_close(out, ref, atol=2e-4, rtol=1e-4)


@pytest.mark.parametrize("mixer", sorted(CONFIGS))
def test_positive_scores_are_exactly_the_argmax_grid(tmp_path, mixer):
    cfg = CONFIGS[mixer]
    write_checkpoint(tmp_path / "m.pt", cfg)
    module = load_model(tmp_path / "m.pt")
    x = random_onehot(8, torch.Generator().manual_seed(3))
    crop = x[:, :, : cfg.canvas_h, : cfg.canvas_w]
    tokens = ((crop.argmax(1) + 1) * (crop.sum(1) > 0)).flatten(1)

    def predicted() -> torch.Tensor:
        with torch.no_grad():
            logits = module.net.predict_logits(tokens, module.puzzle_vector.expand(8, -1))
        return logits.argmax(-1).view(8, cfg.canvas_h, cfg.canvas_w)

    with torch.no_grad():  # 'outside' ties the commonest colour: argmax takes 'outside' there
        w = module.net.lm_head.weight
        w[0] = w[predicted().flatten().mode().values]
    pred = predicted()
    assert (pred == 0).any() and (pred > 0).any()
    out = module(x)
    expected = torch.zeros(8, 10, 30, 30, dtype=torch.bool)
    for c in range(10):
        expected[:, c, : cfg.canvas_h, : cfg.canvas_w] = pred == c + 1
    assert torch.equal(out > 0, expected)
    assert (out[:, :, cfg.canvas_h :, :] <= 0).all() and (out[:, :, :, cfg.canvas_w :] <= 0).all()


def test_checkpoint_loads_with_weights_only_and_selects_task(tmp_path):
    cfg = CONFIGS["conv"]
    path = tmp_path / "multi.pt"
    weights = write_checkpoint(path, cfg, tasks=("task001", "task002", "task003"))
    raw = torch.load(path, weights_only=True)
    assert raw["format"] == FORMAT
    with pytest.raises(UserError, match="name a task"):
        load_model(path)
    m2 = load_model(path, task=2)
    assert torch.equal(m2.puzzle_vector, weights["puzzle_emb.weight"][1])
    assert torch.equal(load_model(path, "task003").puzzle_vector, weights["puzzle_emb.weight"][2])
    with pytest.raises(UserError, match="not in this checkpoint"):
        load_model(path, task=7)


def test_bad_checkpoints_are_user_errors(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(UserError, match="not a readable trmgolf checkpoint"):
        load_model(bad)
    with pytest.raises(UserError, match="not found"):
        load_model(tmp_path / "missing.pt")
    cfg = CONFIGS["conv"]
    path = tmp_path / "mismatch.pt"
    write_checkpoint(path, cfg)
    raw = torch.load(path, weights_only=True)
    raw["config"]["hidden"] = 32
    torch.save(raw, path)
    with pytest.raises(UserError, match="do not match"):
        load_model(path)
    torch.save({"weights": {}}, path)
    with pytest.raises(UserError, match="not a readable trmgolf checkpoint"):
        load_model(path)


@pytest.mark.slow
def test_forward_traces_without_python_control_flow(tmp_path):
    write_checkpoint(tmp_path / "m.pt", CONFIGS["attention"])
    module = load_model(tmp_path / "m.pt")
    x = random_onehot(1, torch.Generator().manual_seed(5))
    exported = torch.export.export(module, (x,))
    y = random_onehot(1, torch.Generator().manual_seed(6))
    torch.testing.assert_close(exported.module()(y), module(y))
