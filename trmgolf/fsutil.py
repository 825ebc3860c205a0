"""Atomic file writes: a temporary file beside the target, then a rename.

A crash or an error never leaves a half-written network, report or zip behind. The file
gets the permissions ``open(path, "w")`` would give it: those of the file it replaces, or
0666 less the umask for a new one.
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
        os.fchmod(fd, _mode_for(path))  # mkstemp makes 0600; a written file follows the umask
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mask = os.umask(0)  # reading the umask means setting it: put it straight back
        os.umask(mask)
        return 0o666 & ~mask
