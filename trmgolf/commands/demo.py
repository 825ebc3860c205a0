"""``trmgolf demo``: the main job on a built-in default."""

from __future__ import annotations

import click

from trmgolf.commands.options import DATA_HELP


@click.command("demo")
@click.option("--data", help=DATA_HELP)
@click.option("-o", "--out", "out_dir", default="demo-out", show_default=True,
              help="Folder for the checkpoint, networks and reports the demo writes.")
@click.option("--steps", type=int, help="Training steps for the tiny TRM (default: the preset's).")
@click.option("--skip-trm", is_flag=True, help="Only optimise the built-in example networks.")
def demo(data: str | None, out_dir: str, steps: int | None, skip_trm: bool) -> None:
    """Run the main job on built-in defaults: train, compile, verify and score a tiny TRM,
    then optimise and score the built-in example networks."""
    from trmgolf.demo import run_demo

    run_demo(data, out_dir, steps, skip_trm)


COMMANDS = [demo]
