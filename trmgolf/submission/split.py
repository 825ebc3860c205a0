"""The generalisation gate's split: fit on train + the first half of arc-gen, hold out the rest.

The leaderboard ran hidden examples from the same generators, and networks that
only fit the given examples scored 0 there. So a solver sees only the fit part; a
network is kept only if it is also exact on the held-out part (test + the second
half of arc-gen), which stands in for those hidden examples.
"""

from __future__ import annotations

from dataclasses import dataclass

from trmgolf.tasks import Example, Task

FIT_SPLITS = ("train", "arc-gen:fit")
HELDOUT_SPLITS = ("test", "arc-gen:heldout")
OFFICIAL = {"train": "train", "test": "test", "arc-gen:fit": "arc-gen", "arc-gen:heldout": "arc-gen"}


@dataclass(frozen=True)
class Split:
    fit: list[Example]
    heldout: list[Example]
    task: Task  # the same examples as the task, with splits named as above (for the verifier)


def split_task(task: Task, fit_share: float = 0.5) -> Split:
    """Deterministic: the first ``fit_share`` of arc-gen (in file order) is fitted on."""
    gen = task.splits.get("arc-gen", [])
    cut = int(len(gen) * fit_share)
    parts = {
        "train": list(task.splits.get("train", [])),
        "arc-gen:fit": gen[:cut],
        "test": list(task.splits.get("test", [])),
        "arc-gen:heldout": gen[cut:],
    }
    fit = parts["train"] + parts["arc-gen:fit"]
    heldout = parts["test"] + parts["arc-gen:heldout"]
    return Split(fit, heldout, Task(task.name, {k: v for k, v in parts.items() if v}))
