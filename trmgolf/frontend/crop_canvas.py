"""Shape specialisation: shrink a TRM's canvas to the largest grid of one task.

Every unrolled block costs bytes in proportion to its sequence length, so a 10x10 task
on a 30x30 canvas pays 9x too much. The weights of a TRM do not depend on the canvas, so
the cropped network is the same checkpoint run on a smaller canvas: the input is sliced
once and the answer padded into ``output`` at the end (the front end's slice and the
decode's pad). It is NOT the same function as the full-canvas model (attention and the
3x3 conv see fewer "outside" cells), so the compiler verifies it against the PyTorch
module built here with the cropped configuration, never against the uncropped one.
"""

from __future__ import annotations

from trmgolf.errors import UserError
from trmgolf.tasks import Task
from trmgolf.trainer.inference import TRMInference


def task_canvas(task: Task) -> tuple[int, int]:
    """The largest height and width over every grid of the task's examples."""
    return task.max_shape()


def check_fits(module: TRMInference, task: Task) -> None:
    """A task whose grids exceed the model's canvas cannot be answered: one clear line."""
    h, w = task_canvas(task)
    cfg = module.config
    if h > cfg.canvas_h or w > cfg.canvas_w:
        raise UserError(f"{task.name} has grids up to {h}x{w} but the model's canvas is "
                        f"{cfg.canvas_h}x{cfg.canvas_w}")


def crop_canvas(module: TRMInference, task: Task) -> TRMInference:
    """The same weights on the task's canvas (a new eval-mode module; the input is unchanged)."""
    check_fits(module, task)
    h, w = task_canvas(task)
    if (h, w) == (module.config.canvas_h, module.config.canvas_w):
        return module
    cropped = TRMInference(module.config.with_(canvas_h=h, canvas_w=w))
    cropped.load_state_dict(module.state_dict())
    for p in cropped.parameters():
        p.requires_grad_(False)
    return cropped.eval()
