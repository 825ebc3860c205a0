"""``solve --executor ray``: the same output folder as the local pool, a failed task recorded
(retried once) while the run goes on, an interrupted run resumed; a one-line error without Ray.

The slow tests share one local Ray cluster of two CPUs started here, which ``solve`` joins
(``run_on_ray`` uses a Ray the process already joined). The fake solvers travel to Ray's
workers by value (the ``solve_fakes`` module is not importable there)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest
import solve_fakes as fakes
from click.testing import CliRunner

import trmgolf
from trmgolf.cli import cli
from trmgolf.solvers.base import Solver
from trmgolf.tasks import Example

ROOT = Path(trmgolf.__file__).resolve().parents[1]
RESUME = "Error: interrupted: finished tasks are saved; rerun the same command to resume"


@pytest.fixture
def data(tmp_path):
    return fakes.write_tasks(tmp_path / "data")


def solve(out: Path, data: Path, tasks: str, *extra: str):
    args = ["solve", "--tasks", tasks, "-o", str(out), "--data", str(data),
            "--router", "heuristic", "--quiet", *extra]
    return CliRunner().invoke(cli, args)


def test_without_ray_executor_ray_is_one_line(tmp_path, data, monkeypatch):
    fakes.install(monkeypatch)
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    res = solve(tmp_path / "out", data, "1-3", "--executor", "ray")
    assert res.exit_code == 1
    assert res.output.strip().splitlines() == [
        "Error: --executor ray needs Ray, an optional extra: pip install -e '.[ray]'"]
    assert not (tmp_path / "out" / "results").exists()  # refused before any task ran


def test_address_needs_the_ray_executor(tmp_path, data, monkeypatch):
    fakes.install(monkeypatch)
    res = solve(tmp_path / "out", data, "1-3", "--address", "auto")
    assert res.exit_code == 1
    assert res.output.strip().splitlines() == ["Error: --address needs --executor ray"]


def test_nothing_to_do_starts_no_ray(monkeypatch):
    """A rerun whose tasks all finished already touches no Ray (a bare module stands in)."""
    from trmgolf.submission.ray_executor import run_on_ray

    monkeypatch.setitem(sys.modules, "ray", types.ModuleType("ray"))  # no init, no is_initialized
    seen: list = []
    run_on_ray(str, {}, 2, seen.append, lambda job, error: seen.append(error))
    assert seen == []


@pytest.mark.slow
def test_the_default_executor_never_imports_ray():
    code = ("import sys; from trmgolf.commands import solve; from trmgolf.submission import runner; "
            "assert 'ray' not in sys.modules")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert res.returncode == 0, res.stderr


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    ray.cloudpickle.register_pickle_by_value(fakes)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


def hashes(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("task*.onnx"))}


def kept(out: Path) -> dict[str, tuple]:
    """What each result says was kept (no timings)."""
    found = {}
    for p in sorted((out / "results").glob("task*.json")):
        r = json.loads(p.read_text())
        found[p.name] = (r["solved"], r["solver"], r["family"], r["sha256"], r["cost"], r["error"],
                         [(a["solver"], a["outcome"]) for a in r["attempts"]])
    return found


@pytest.mark.slow
def test_ray_writes_the_same_folder_as_the_local_pool(ray_cluster, tmp_path, data, monkeypatch):
    fakes.install(monkeypatch)
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    assert solve(local, data, "1-3", "--jobs", "2").exit_code == 0
    res = solve(on_ray, data, "1-3", "--executor", "ray")
    assert res.exit_code == 0, res.output
    assert "solved 2/3" in res.output
    assert len(hashes(on_ray)) == 2 and hashes(on_ray) == hashes(local)
    assert kept(on_ray) == kept(local)
    assert (on_ray / "submission.zip").read_bytes() == (local / "submission.zip").read_bytes()
    assert solve(on_ray, data, "1-3", "--executor", "ray").output.startswith(
        "resuming: 3 task(s) already finished")


class Escape(BaseException):
    """A bug that gets past every guard of the worker: the Ray task itself raises."""


def write_grid_task(path: Path, size: int) -> None:
    """An identity task on size x size grids (what the fakes below recognise it by)."""
    g = [fakes.grid(size + i, size, size) for i in range(4)]
    path.write_text(json.dumps({"train": [fakes.pair(x) for x in g[:2]], "test": [fakes.pair(g[2])],
                                "arc-gen": [fakes.pair(g[3])]}))


def touch_once(marker: Path) -> bool:
    """True the first time (creating ``marker``), False afterwards, across processes."""
    try:
        marker.touch(exist_ok=False)
        return True
    except FileExistsError:
        return False


def failing_solver(marks: Path) -> Solver:
    """On task002 (colour swap), kill its own worker the first time; on 5x5 grids, escape every
    guard (logging each try); on 6x6 grids, kill its worker every time; else no fit."""

    def build(fit: list[Example]):
        side = len(fit[0].input)
        if fakes._swap(fit) and not fakes._is_identity(fit) and touch_once(marks / "killed"):
            os.kill(os.getpid(), signal.SIGKILL)
        if side == 5:
            with open(marks / "escapes", "a") as f:
                f.write(f"{os.getpid()}\n")
            raise Escape("past every guard")
        if side == 6:
            os.kill(os.getpid(), signal.SIGKILL)
        return None

    return Solver("failing", "broken", build)


@pytest.mark.slow
def test_a_task_that_raises_or_whose_worker_dies_is_retried_once_then_recorded(
        ray_cluster, tmp_path, data, monkeypatch):
    table = fakes.install(monkeypatch, ("identity", "color_swap"))
    table["failing"] = failing_solver(tmp_path)
    monkeypatch.setattr(fakes.base, "SOLVERS", {"failing": table.pop("failing"), **table})
    write_grid_task(data / "task004.json", 5)
    write_grid_task(data / "task005.json", 6)
    out = tmp_path / "out"
    res = solve(out, data, "1-5", "--executor", "ray")
    assert res.exit_code == 0, res.output
    assert "solved 2/5" in res.output  # task001, and task002 on its second try
    results = {n: json.loads((out / "results" / f"task00{n}.json").read_text()) for n in range(1, 6)}
    assert (tmp_path / "killed").exists() and results[2]["solver"] == "color_swap"
    assert results[4]["error"] == "Escape: past every guard" and not results[4]["solved"]
    assert len((tmp_path / "escapes").read_text().split()) == 2  # the first try and one retry
    assert "worker died" in results[5]["error"].lower() and not results[5]["solved"]
    assert {a["outcome"] for a in results[5]["attempts"]} == {"skipped"}
    assert results[3]["error"] is None  # the other tasks ran as usual
    rerun = solve(out, data, "1-5", "--executor", "ray")  # recorded failures are finished tasks
    assert rerun.output.startswith("resuming: 5 task(s) already finished"), rerun.output


def sleeping_solver(marker: Path) -> Solver:
    """Fits nothing; on the colour-swap task it first sleeps long (the task still in flight when
    the run is interrupted), then, in a later run, returns at once."""

    def build(fit: list[Example]):
        if fakes._swap(fit) and not fakes._is_identity(fit) and touch_once(marker):
            time.sleep(60)
        return None

    return Solver("sleepy", "broken", build)


@pytest.mark.slow
def test_an_interrupted_ray_run_keeps_what_finished_and_resumes(ray_cluster, tmp_path, data, monkeypatch):
    table = fakes.install(monkeypatch, ("identity", "color_swap"))
    monkeypatch.setattr(fakes.base, "SOLVERS", {"sleepy": sleeping_solver(tmp_path / "slept"), **table})
    out = tmp_path / "out"
    results = out / "results"

    def ctrl_c_once_two_tasks_finished() -> None:
        end = time.monotonic() + 60
        while time.monotonic() < end and len(list(results.glob("task*.json"))) < 2:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    watcher = threading.Thread(target=ctrl_c_once_two_tasks_finished)
    watcher.start()
    try:
        res = solve(out, data, "1-3", "--executor", "ray")
    finally:
        watcher.join()
    assert res.exit_code == 1, res.output
    assert res.output.strip().splitlines()[-1] == RESUME
    assert sorted(p.name for p in results.iterdir()) == ["task001.json", "task003.json"]
    first = hashes(out)

    res = solve(out, data, "1-3", "--executor", "ray")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("resuming: 2 task(s) already finished in")
    assert "solved 2/3" in res.output
    assert hashes(out)["task001.onnx"] == first["task001.onnx"] and "task002.onnx" in hashes(out)
