"""The ``trmgolf`` command line: a click group that gathers the commands of each area.

The commands live in ``trmgolf.commands`` (one module per command group, each with a
``COMMANDS`` list); this file only assembles them and turns ``UserError`` into one line.
No package below ``commands`` imports click.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys

import click

from trmgolf.errors import Interrupted, UserError

COMMAND_MODULES = [
    "trmgolf.commands.demo",
    "trmgolf.commands.ir",
    "trmgolf.commands.scoring",
    "trmgolf.commands.submission",
    "trmgolf.commands.train",
    "trmgolf.commands.solve",
    "trmgolf.commands.compile",
]


class _Group(click.Group):
    """A click group that reports ``UserError`` as ``Error: <message>`` and exit status 1, and
    a Ctrl-C that no command turned into a better message as ``Error: interrupted``."""

    interrupted = False  # a Ctrl-C ended the command: ``main`` exits without finalising
    whole_process = False  # run by ``main``, not in-process (tests): may set signal handlers

    def invoke(self, ctx: click.Context) -> object:
        try:
            result = super().invoke(ctx)
        except UserError as e:
            if isinstance(e, Interrupted):
                self._stop_listening()
            raise click.ClickException(str(e)) from None
        except KeyboardInterrupt:
            self._stop_listening()
            raise click.ClickException("interrupted") from None
        if _Group.whole_process:
            _finished()
        return result

    def _stop_listening(self) -> None:
        """A second Ctrl-C while the one line is printed must not cut the exit short."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _Group.interrupted = True


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="trmgolf")
def cli() -> None:
    """Compile tiny networks into the cheapest exact NeuroGolf ONNX graphs."""


for _name in COMMAND_MODULES:
    for _command in importlib.import_module(_name).COMMANDS:
        cli.add_command(_command)


def _finished() -> None:
    """The command's work is done and saved: a Ctrl-C from now on is ignored. Otherwise one
    that lands while the interpreter shuts down (torch, onnxruntime, the worker pool) meets the
    default handler CPython puts back there and kills a finished run with status -2 and no
    message; ignoring it survives that reset."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def main() -> None:
    _Group.whole_process = True
    try:
        cli()
    except SystemExit as e:
        if not _Group.interrupted:
            if not e.code:
                _finished()
            raise
        # After a Ctrl-C, leave at once with the command's status: CPython remembers a
        # KeyboardInterrupt that hit C code run at import time and would otherwise end the
        # process by SIGINT (status -2) after the one line, and finalising torch and
        # onnxruntime only delays the exit. The workers are already stopped.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(e.code if isinstance(e.code, int) else 1)


if __name__ == "__main__":
    main()
