"""bench/fuzz_optimize.py: the summary of a few seeds, and the exit status when a result is
inexact or costs more than its input."""

from __future__ import annotations

import json
from pathlib import Path

from bench import fuzz_optimize as fz


def test_a_few_seeds_reach_their_core(tmp_path: Path, capsys) -> None:
    out = tmp_path / "summary.json"
    assert fz.main(["--seeds", "4", "--public", "0", "--json", str(out)]) == 0
    s = json.loads(out.read_text())
    assert s["seeds"] == 4 and s["reached"] == 4 and s["inexact"] == [] and s["worse"] == []
    assert "4 seeds (0 public cores): reached the core's cost 4 (100.0%)" in capsys.readouterr().out


def test_an_inexact_or_costlier_result_is_named() -> None:
    ok = fz.Outcome(1, "transpose", "transpose: out:pad_slice", 0, 0, 100, 0, True)
    missed = fz.Outcome(2, "flip", "flip: in:clamp_low > out:sign_tail", 4, 4, 100, 40, True)
    wrong = fz.Outcome(3, "crop", "crop: in:pad_slice", 8, 8, 100, 8, False)
    worse = fz.Outcome(4, "crop", "crop: in:pad_slice", 8, 8, 100, 120, True)
    s = fz.summary([ok, missed, wrong, worse])
    assert s["reached"] == 2 and s["inexact"] == [3] and s["worse"] == [4]
    assert s["missed_wrapper_kinds"] == {"in:clamp_low": 1, "out:sign_tail": 1, "in:pad_slice": 1}
    assert s["by_core"]["crop"] == {"seeds": 2, "reached": 1, "compiled": 1}
