"""Where the real NeuroGolf task files are: $TRMGOLF_DATA or ../shared/data/neurogolf beside the
checkout. A module of its own (not conftest) so that tests can import it whichever conftest
pytest loaded last (tests/trainer has one too)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def neurogolf_dir() -> Path | None:
    for candidate in (os.environ.get("TRMGOLF_DATA"), REPO.parent / "shared" / "data" / "neurogolf"):
        if candidate and (Path(candidate) / "task001.json").is_file():
            return Path(candidate)
    return None
