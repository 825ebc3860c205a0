"""The one progress-bar layout of long commands (training, solving): description, bar,
done/total, a line of live fields, elapsed and remaining time; and the one console that
commands print tables and reports on."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

#: Columns of output that is not a terminal (a pipe, a file): wide enough that no table, tensor
#: name or progress line is cut (rich would use 80); ``COLUMNS`` overrides it.
PIPE_WIDTH = 1000


def make_console(stderr: bool = False, **options: Any) -> Console:
    """A rich console, as wide as the terminal, or ``PIPE_WIDTH`` wide when the output is
    piped or redirected, so that nothing is wrapped or cut with an ellipsis at 80 columns."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None
    if not stream.isatty():
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() else PIPE_WIDTH
    return Console(stderr=stderr, width=width, highlight=False, **options)


def make_progress(fields: str, enabled: bool = True) -> Progress:
    """A rich ``Progress``; ``fields`` formats the task's extra fields (``{task.fields[x]}``).
    rich.progress is imported here, not at start-up: only long commands draw a bar."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn(fields), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=make_console(), disable=not enabled, transient=False)
