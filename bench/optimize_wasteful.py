"""Cost of the built-in wasteful networks before and after `trmgolf optimize`, in exact bytes.

    python bench/optimize_wasteful.py [--data DIR]

Each optimised network is checked to answer every example of its task exactly as the
original did (when the task files are found).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from rich.console import Console

from trmgolf.demo import optimise_examples, task_folder


def main() -> None:
    data = sys.argv[sys.argv.index("--data") + 1] if "--data" in sys.argv else None
    with tempfile.TemporaryDirectory() as tmp:
        optimise_examples(Path(tmp), task_folder(data), Console(highlight=False, width=140))


if __name__ == "__main__":
    main()
