"""The one progress-bar layout of long commands (training, solving): description, bar,
done/total, a line of live fields, elapsed and remaining time."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress


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
                    disable=not enabled, transient=False)
