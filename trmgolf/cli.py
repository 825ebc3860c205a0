"""The ``trmgolf`` command line: a click group that gathers the commands of each area.

Each area keeps its commands beside its code (a ``COMMANDS`` list in the module
named below); this file only assembles them and turns ``UserError`` into one line.
"""

from __future__ import annotations

import importlib

import click

from trmgolf.errors import UserError

COMMAND_MODULES = [
    "trmgolf.demo",
    "trmgolf.compiler.ir_commands",
    "trmgolf.compiler.scoring_commands",
    "trmgolf.trainer.commands",
    "trmgolf.solve.commands",
    "trmgolf.frontend.commands",
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
