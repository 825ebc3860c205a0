"""The LLM router through the real ``openai`` client against a local fake endpoint."""

from __future__ import annotations

import csv
import json
import socket

import pytest
from click.testing import CliRunner
from llm_server import FakeLLM

from trmgolf.cli import cli
from trmgolf.errors import UserError
from trmgolf.families.contract import Trait
from trmgolf.router import HeuristicRouter, LLMConfig, LLMRouter, make_router
from trmgolf.router.prompt import grid_text, messages
from trmgolf.solvers.base import Solver
from trmgolf.tasks import Example, Task

KEY = "sk-test-SECRET-0123456789"
SOLVERS = [Solver(n, f, lambda fit: None, traits=frozenset({t})) for n, f, t in
           (("identity", "identity", Trait.IDENTITY), ("flip", "dihedral", Trait.DIHEDRAL),
            ("local_rule", "local_rule", Trait.LOCAL_RULE))]


def task(seed: int = 0) -> Task:
    g = [[(seed + r * 3 + c) % 10 for c in range(3)] for r in range(2)]
    flipped = [row[::-1] for row in g]
    return Task(f"task{seed + 1:03d}", {"train": [Example(g, flipped)], "test": [Example(g, flipped)]})


def router(url: str, cache, warnings: list[str], timeout: float = 5.0) -> LLMRouter:
    config = LLMConfig(url, "fake-model", KEY, timeout=timeout, max_retries=0)
    return LLMRouter(config, cache, warnings.append)


@pytest.mark.slow
def test_valid_answer_then_cache(tmp_path):
    with FakeLLM() as llm:
        llm.answer = {"solvers": ["local_rule", "nonsense"], "train_trm": True, "category": "flip",
                      "reason": "mirror"}
        warnings: list[str] = []
        r = router(llm.base_url, tmp_path, warnings).route(task(), SOLVERS)
        assert r.source == "llm" and r.solvers[0] == "local_rule"
        assert set(r.solvers) == {"identity", "flip", "local_rule"}  # every solver, unknown dropped
        assert r.train_trm and r.category == "flip"
        assert llm.calls == 1 and llm.auth == [f"Bearer {KEY}"]
        sent = llm.requests[0]
        assert sent["model"] == "fake-model"
        assert grid_text(task().splits["train"][0].input) in sent["messages"][1]["content"]

        again = router(llm.base_url, tmp_path, warnings).route(task(), SOLVERS)
        assert again.source == "cache" and again.solvers == r.solvers
        assert llm.calls == 1  # the second run made no call
        assert warnings == []
        cached = "".join(p.read_text() for p in tmp_path.rglob("*.json"))
        assert KEY not in cached

        router(llm.base_url, tmp_path, warnings).route(task(1), SOLVERS)  # other content: a call
        assert llm.calls == 2


def test_offline_from_cache(tmp_path):
    with FakeLLM() as llm:
        llm.answer = {"solvers": ["flip"], "train_trm": False}
        router(llm.base_url, tmp_path, []).route(task(), SOLVERS)
        port_url = llm.base_url
    warnings: list[str] = []
    r = router(port_url, tmp_path, warnings).route(task(), SOLVERS)  # the server is gone
    assert r.source == "cache" and r.first == "flip" and warnings == []


def test_malformed_answer_falls_back(tmp_path):
    with FakeLLM() as llm:
        llm.mode = "malformed"
        warnings: list[str] = []
        rt = router(llm.base_url, tmp_path, warnings)
        r = rt.route(task(), SOLVERS)
        assert r.source == "fallback"
        assert r.solvers == HeuristicRouter().route(task(), SOLVERS).solvers
        assert len(warnings) == 1 and "malformed answer for task001" in warnings[0]
        assert not list(tmp_path.rglob("*.json"))  # a malformed answer is not cached
        llm.mode = "valid"
        llm.answer = {"solvers": ["identity", "flip"], "train_trm": "yes"}  # train_trm not a bool
        assert rt.route(task(), SOLVERS).source == "fallback"
        assert "'train_trm' is not true/false" in warnings[-1]


def test_timeout_falls_back_with_clear_message(tmp_path):
    with FakeLLM() as llm:
        llm.mode, llm.delay = "slow", 2.0
        warnings: list[str] = []
        rt = router(llm.base_url, tmp_path, warnings, timeout=0.3)
        r = rt.route(task(), SOLVERS)
        assert r.source == "fallback"
        assert warnings == [f"LLM router: {llm.base_url} did not answer within 0.3 s for task001; "
                            "heuristic used"]


def test_unreachable_endpoint_stops_calling(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    warnings: list[str] = []
    rt = router(f"http://127.0.0.1:{port}/v1", tmp_path, warnings)
    assert rt.route(task(0), SOLVERS).source == "fallback"
    assert rt.route(task(1), SOLVERS).source == "fallback"
    assert rt.calls == 1  # the endpoint counts as down after the first failure
    assert warnings == [f"LLM router: cannot reach http://127.0.0.1:{port}/v1; using the heuristic "
                        "router for the rest of the run"]


def test_refused_key_is_never_printed(tmp_path):
    with FakeLLM() as llm:
        llm.mode = "unauthorized"
        warnings: list[str] = []
        rt = router(llm.base_url, tmp_path, warnings)
        assert rt.route(task(), SOLVERS).source == "fallback"
        assert "refused the API key (HTTP 401)" in warnings[0]
        assert KEY not in " ".join(warnings) and KEY not in repr(rt.config)


def test_missing_key(monkeypatch):
    for var in ("TRMGOLF_LLM_API_KEY", "DEEPSEEK_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(UserError, match="--router llm needs an API key"):
        make_router("llm")
    notes: list[str] = []
    assert isinstance(make_router("auto", warn=notes.append), HeuristicRouter)
    assert notes == ["no LLM API key configured: using the heuristic router"]
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    r = make_router("auto")
    assert isinstance(r, LLMRouter) and r.config.base_url == "https://api.deepseek.com"
    assert r.config.model == "deepseek-chat"


def test_prompt_is_compact():
    m = messages(task(), SOLVERS)
    assert "2x3\n210\n543" in m[1]["content"]
    assert "- flip (dihedral)" in m[1]["content"]


@pytest.fixture
def fake_solvers(monkeypatch):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "solve"))
    import solve_fakes

    solve_fakes.install(monkeypatch, ("identity", "color_swap"))
    return solve_fakes


@pytest.mark.slow
def test_solve_with_llm_router_end_to_end(tmp_path, monkeypatch, fake_solvers):
    data = fake_solvers.write_tasks(tmp_path / "data")
    with FakeLLM() as llm:
        llm.answer = {"solvers": ["color_swap"], "train_trm": False}
        monkeypatch.setenv("TRMGOLF_LLM_BASE_URL", llm.base_url)
        monkeypatch.setenv("TRMGOLF_LLM_API_KEY", KEY)
        monkeypatch.setenv("TRMGOLF_LLM_MODEL", "fake-model")
        args = ["solve", "--tasks", "1-3", "-o", str(tmp_path / "out"), "--data", str(data),
                "--router", "llm", "--cache", str(tmp_path / "cache"), "--jobs", "1", "--quiet"]
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 0, res.output
        assert llm.calls == 3 and KEY not in res.output
        with open(tmp_path / "out" / "scores.csv") as fh:
            rows = list(csv.DictReader(fh))
        assert [r["route_source"] for r in rows] == ["llm"] * 3
        assert [r["route_first"] for r in rows] == ["color_swap"] * 3
        assert rows[1]["first_choice_kept"] == "True" and rows[0]["solver"] == "identity"

        res = CliRunner().invoke(cli, args + ["--redo"])
        assert res.exit_code == 0 and llm.calls == 3  # all answers from the cache
        rows = json.loads((tmp_path / "out" / "scores.json").read_text())["tasks"]
        assert {r["route_source"] for r in rows} == {"cache"}


def test_cli_llm_without_key_is_one_line(tmp_path, monkeypatch, fake_solvers):
    for var in ("TRMGOLF_LLM_API_KEY", "DEEPSEEK_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    data = fake_solvers.write_tasks(tmp_path / "data")
    res = CliRunner().invoke(cli, ["solve", "--tasks", "1", "-o", str(tmp_path / "o"), "--data",
                                   str(data), "--router", "llm", "--quiet"])
    assert res.exit_code == 1
    assert res.output.strip().splitlines() == [
        "Error: --router llm needs an API key: set TRMGOLF_LLM_API_KEY or DEEPSEEK_API_KEY"]
