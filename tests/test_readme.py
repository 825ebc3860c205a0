"""Issue 23: the README's set-up and test commands work as written for a newcomer."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
#: What `trmgolf demo` writes into demo-out/ (checked against a real demo run in test_demo.py).
DEMO_FILES = ("trm.pt", "trm.metrics.jsonl", "trm.curves.png", "trm.onnx", "trm.report.json",
              "synthetic_task.json")


def setup_block() -> str:
    section = README.split("## Set-up", 1)[1]
    return section.split("```bash", 1)[1].split("```", 1)[0]


def test_setup_is_two_commands_each_installing_the_cpu_torch_wheel_first():
    """Two commands (the demo, the tests), each self-contained: torch==2.13.0 before the
    editable install; the section says how to make a virtual environment."""
    lines = [x.split("#")[0].strip() for x in setup_block().splitlines()]
    commands = [x for x in lines if x]
    assert len(commands) == 2, commands
    assert commands[0].endswith("trmgolf demo") and "pytest" in commands[1]
    for command in commands:
        steps = command.split("&&")
        assert steps[0].strip() == "pip install torch==2.13.0", command
        assert "pip install -e" in steps[1], command
    section = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    assert "-m venv" in section


def test_the_demo_out_list_names_every_file_the_demo_writes():
    paragraph = README.split("Everything lands in `demo-out/`", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r"`([\w.]+)`", paragraph))
    assert set(DEMO_FILES) <= named, set(DEMO_FILES) - named


@pytest.mark.slow
def test_pytest_q_as_the_readme_says_prints_the_summary_line(tmp_path):
    test = tmp_path / "test_one.py"
    test.write_text("def test_one():\n    assert True\n")
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-c", str(ROOT / "pyproject.toml"),
                          "--rootdir", str(tmp_path), "-p", "no:cacheprovider", str(test)],
                         capture_output=True, text=True, timeout=120, env={**os.environ})
    assert res.returncode == 0, res.stdout + res.stderr
    assert re.search(r"^1 passed", res.stdout, re.M), res.stdout
