"""The Kaggle submission: a flat, deterministic zip of ``taskNNN.onnx`` files."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from trmgolf.submission.results import write_atomic

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def zip_bytes(files: Iterable[tuple[str, bytes]]) -> bytes:
    """Files at the zip's root, sorted by name, fixed timestamps and modes: same input, same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, data)
    return buf.getvalue()


def write_submission(path: Path, onnx_files: Iterable[Path]) -> int:
    """Zip the given networks into ``path`` atomically; return how many went in."""
    files = [(p.name, p.read_bytes()) for p in onnx_files]
    write_atomic(path, zip_bytes(files))
    return len(files)
