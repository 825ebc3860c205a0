"""Golden-file comparison for the IR tests: ``TRMGOLF_UPDATE_GOLDEN=1`` rewrites them."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def check_golden(text: str, relpath: str) -> None:
    path = GOLDEN / relpath
    if os.environ.get("TRMGOLF_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.is_file(), f"{path} is missing: run with TRMGOLF_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{relpath} differs (TRMGOLF_UPDATE_GOLDEN=1 rewrites it)"
