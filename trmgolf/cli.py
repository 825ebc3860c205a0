"""The ``trmgolf`` command line: a click group that gathers the commands of each area.

The commands live in ``trmgolf.commands`` (one module per command group, each with a
``COMMANDS`` list); this file only assembles them and turns ``UserError`` into one line.
No package below ``commands`` imports click.
"""

from __future__ import annotations

import importlib

import click

from trmgolf.errors import UserError

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
    """A click group that reports ``UserError`` as ``Error: <message>`` and exit status 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except UserError as e:
            raise click.ClickException(str(e)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="trmgolf")
def cli() -> None:
    """Compile tiny networks into the cheapest exact NeuroGolf ONNX graphs."""


for _name in COMMAND_MODULES:
    for _command in importlib.import_module(_name).COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
