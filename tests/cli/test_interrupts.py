"""Issue 23: Ctrl-C on `solve`, `optimize` (a folder) and `train`, as a terminal sends it (SIGINT
to the whole process group), at several points of real runs on tiny synthetic tasks. Every
time: exit status 1, one line on stderr and no traceback, no process of the run left alive,
and what finished is kept (a rerun resumes it)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import trmgolf
from trmgolf.examples import colour_map, synthetic_colour_map_task

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
import solve_fakes  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(trmgolf.__file__).resolve().parents[1]  # the package under test, not an installed one


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state, ppid, pgrp
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


def default_sigint() -> None:
    """SIGINT back to its default in the child, as in a terminal: a shell starts background
    jobs (``pytest &``, ``nohup``) with SIGINT ignored, and an ignored signal is inherited
    through exec, so Python would never see the Ctrl-C this test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def catches_sigint(proc: subprocess.Popen, limit: float = 60.0) -> None:
    """Wait until the child's interpreter has installed its SIGINT handler (``SigCgt`` in
    /proc): a Ctrl-C before that kills Python with no output at all (exit -2), which on a
    loaded machine a fixed delay from the fork can reach, and which no program can answer."""
    status = Path(f"/proc/{proc.pid}/status")
    end = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < end:
        try:
            caught = next(line for line in status.read_text().splitlines() if line.startswith("SigCgt:"))
        except (OSError, StopIteration):
            return
        if int(caught.split()[1], 16) & (1 << (signal.SIGINT - 1)):
            return
        time.sleep(0.01)


def interrupt(args: list[str], delay: float, cwd: Path, again: float | None = None,
              until: Callable[[int], bool] | None = None) -> tuple[int, str, str, list[int]]:
    """Run ``trmgolf ARGS`` in its own process group, SIGINT the group after ``delay`` s (and
    again ``again`` s later); the exit status, stdout, stderr and the group's survivors. With
    ``until`` (given the process group), the delay starts once it holds (or the run ended, or
    two minutes passed)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "trmgolf.cli", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=default_sigint)
    catches_sigint(proc)
    end = time.monotonic() + 120
    while until is not None and not until(proc.pid) and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(delay)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        if again is not None:
            time.sleep(again)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)  # a hang fails here
    survivors = group_members(proc.pid)
    for pid in survivors:  # leave nothing behind, even when the test fails
        os.kill(pid, signal.SIGKILL)
    return proc.returncode, out, err, survivors


def check_interrupted(rc: int, err: str, survivors: list[int], line: str | None = None) -> bool:
    """True when the run was interrupted (exit 1, stderr one line: ``line`` when given);
    False when it finished first. Either way no process of it is left."""
    assert survivors == [], f"processes left behind: {survivors}"
    assert "Traceback" not in err, err
    if rc == 0:
        return False
    assert rc == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert line is None or lines[0] in (line, "Error: interrupted"), err  # the latter: at start-up
    return True


RESUME = "Error: interrupted: finished tasks are saved; rerun the same command to resume"


def finished(results: Path) -> set[str]:
    return {p.name for p in results.glob("task*.json")} if results.is_dir() else set()


def test_solve_ctrl_c_at_many_points(tmp_path):
    data = solve_fakes.write_tasks(tmp_path / "data")
    for n in range(4, 7):
        (data / f"task{n:03d}.json").write_text((data / f"task{(n - 1) % 3 + 1:03d}.json").read_text())
    interrupted = []
    for i, (delay, again) in enumerate(((1.5, None), (3.5, 0.3), (6.0, None))):
        out = tmp_path / f"out{i}"
        args = ["solve", "--tasks", "1-6", "-o", str(out), "--data", str(data), "--router",
                "heuristic", "--jobs", "2", "--search-work", "2000"]
        rc, _, err, survivors = interrupt(args, delay, tmp_path, again)
        if check_interrupted(rc, err, survivors, RESUME):
            interrupted.append((args, finished(out / "results")))
    assert interrupted, "every run finished before its interrupt"
    args, kept = max(interrupted, key=lambda a: len(a[1]))
    for name in kept:  # each finished task's files are whole
        json.loads((Path(args[4]) / "results" / name).read_text())
    res = subprocess.run([sys.executable, "-m", "trmgolf.cli", *args], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert res.returncode == 0, res.stderr
    if kept:
        assert f"resuming: {len(kept)} task(s) already finished" in res.stdout


def starting_ray(pgid: int) -> bool:
    """Ray's start-up has begun in the group (its first server runs) but not ended (no worker)."""
    names = set()
    for pid in group_members(pgid):
        with contextlib.suppress(OSError):
            names.add(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].rsplit(b"/", 1)[-1])
    return b"gcs_server" in names and not any(n.startswith(b"ray::") for n in names)


def test_solve_on_ray_ctrl_c_stops_ray_and_keeps_finished_tasks(tmp_path):
    """Issue 22: Ctrl-C during Ray's start-up, then once a task finished on the run's own Ray
    cluster: each time the same one line as the local pool and no process left (Ray's
    included); the finished task is kept."""
    pytest.importorskip("ray")
    data = solve_fakes.write_tasks(tmp_path / "data")
    for n in range(4, 7):
        (data / f"task{n:03d}.json").write_text((data / f"task{(n - 1) % 3 + 1:03d}.json").read_text())
    out = tmp_path / "out"
    args = ["solve", "--tasks", "1-6", "-o", str(out), "--data", str(data), "--router", "heuristic",
            "--executor", "ray", "--jobs", "2", "--search-work", "0"]
    rc, _, err, survivors = interrupt(args, 0.0, tmp_path, until=starting_ray)
    assert check_interrupted(rc, err, survivors, RESUME), "the run finished before its interrupt"
    assert not finished(out / "results")
    rc, _, err, survivors = interrupt(args, 0.0, tmp_path, until=lambda _: bool(finished(out / "results")))
    assert check_interrupted(rc, err, survivors, RESUME), "the run finished before its interrupt"
    kept = finished(out / "results")
    assert kept
    for name in kept:  # each finished task's files are whole
        json.loads((out / "results" / name).read_text())


def test_optimize_folder_ctrl_c_at_many_points(tmp_path):
    data, nets = tmp_path / "data", tmp_path / "nets"
    data.mkdir()
    nets.mkdir()
    for n in range(1, 17):
        (data / f"task{n:03d}.json").write_text(json.dumps(synthetic_colour_map_task(n_arc_gen=12)))
        (nets / f"task{n:03d}.onnx").write_bytes(colour_map().SerializeToString())
    interrupted = []
    for i, (delay, again) in enumerate(((1.2, None), (2.5, 0.2), (3.5, None))):
        out = tmp_path / f"best{i}.zip"
        args = ["optimize", str(nets), "-o", str(out), "--data", str(data), "--jobs", "2"]
        rc, _, err, survivors = interrupt(args, delay, tmp_path, again)
        if check_interrupted(rc, err, survivors, RESUME):
            interrupted.append((args, out, finished(tmp_path / f"best{i}.work" / "results")))
    assert interrupted, "every run finished before its interrupt"
    args, out, kept = max(interrupted, key=lambda a: len(a[2]))
    res = subprocess.run([sys.executable, "-m", "trmgolf.cli", *args], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert res.returncode == 0, res.stderr
    if kept:
        assert f"resuming: {len(kept)} task(s) already finished" in res.stdout + res.stderr


def test_train_ctrl_c_keeps_the_last_checkpoint(tmp_path):
    task = tmp_path / "task.json"
    task.write_text(json.dumps(synthetic_colour_map_task(n_arc_gen=8)))
    ckpt = tmp_path / "run.pt"
    base = ["train", "--task", str(task), "--preset", "tiny", "-o", str(ckpt), "--quiet"]
    done = subprocess.run([sys.executable, "-m", "trmgolf.cli", *base, "--steps", "2"],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    seen = 0
    for delay, again in ((4.0, None), (5.5, 0.3)):
        before = saved_step(ckpt)
        rc, _, err, survivors = interrupt([*base, "--steps", "5000", "--resume"], delay, tmp_path, again)
        if check_interrupted(rc, err, survivors):
            line = err.strip()
            seen += 1
            assert line.startswith("Error: interrupted"), err
            held = re.search(rf"{re.escape(str(ckpt))} holds the run at step (\d+); rerun with --resume",
                             line)
            if held:  # a fast machine may reach a later checkpoint before the Ctrl-C arrives
                assert saved_step(ckpt) == int(held.group(1)) >= before, err
            else:
                assert "before training started" in line or line == "Error: interrupted", err
                assert saved_step(ckpt) == before  # the checkpoint is whole and unchanged
    assert seen, "training finished before its interrupt"


def saved_step(ckpt: Path) -> int:
    """The step a checkpoint file holds; loading it also proves the file is whole."""
    import torch
    return int(torch.load(ckpt, weights_only=True)["train_state"]["step"])
