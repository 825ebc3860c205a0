"""What the commands' options share: the ``--data`` help, and options whose help text or
choices come from heavy registries (the lowerings, the passes, the cost models, the
presets), built only when a command's help is shown or its option is parsed, so that
``trmgolf --help`` and ``--version`` import neither torch nor onnx."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

DATA_HELP = ("Folder of taskNNN.json files (default: $TRMGOLF_DATA, else ../shared/data/neurogolf "
             "beside the checkout).")


class LazyHelpOption(click.Option):
    """A click option whose help is ``help_fn()``, called the first time it is shown."""

    def __init__(self, *args: Any, help_fn: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._help_fn = help_fn

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        if self.help is None:
            self.help = self._help_fn()
        return super().get_help_record(ctx)


class LazyChoice(click.Choice):
    """A ``click.Choice`` whose choices are loaded the first time they are needed."""

    def __init__(self, load: Callable[[], Sequence[str]], case_sensitive: bool = True) -> None:
        self._load = load
        self._loaded: tuple[str, ...] | None = None
        self.case_sensitive = case_sensitive

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        if self._loaded is None:
            self._loaded = tuple(self._load())
        return self._loaded


def pass_names_help(prefix: str) -> Callable[[], str]:
    """``prefix: fold_constants, simplify, ....`` from the pipeline's list of passes."""
    def build() -> str:
        from trmgolf.compiler.pipeline import pass_names

        return f"{prefix}: {', '.join(pass_names())}."
    return build


def kernel_help(ops: Sequence[str], intro: str, outro: str = "") -> Callable[[], str]:
    """``--kernel`` help listing each op's lowerings as separate words (never broken)."""
    def build() -> str:
        from trmgolf.kernels import alternatives

        listed = "; ".join(f"{op}: {', '.join(a.name for a in alternatives(op))}" for op in ops)
        return f"{intro} {listed}.{(' ' + outro) if outro else ''}"
    return build


def cost_models() -> tuple[str, ...]:
    from trmgolf.scoring.cost import COST_MODELS

    return tuple(COST_MODELS)

