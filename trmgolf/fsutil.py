"""Atomic file writes: a temporary file beside the target, then a rename.

A crash or an error never leaves a half-written network, report or zip behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from trmgolf.errors import UserError


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> None:
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"folder not found: {folder}")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
