"""The heuristic router: order solvers by how well their family fits the task's features.

Solvers are matched to a rule by keywords in their name or family, so a new solver
is routed sensibly without editing this file; a solver no rule matches keeps a
neutral score and its registration order. The scores only rank: nothing here
decides whether a task is solved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from trmgolf.router.base import Route
from trmgolf.router.features import Features, task_features
from trmgolf.solvers.base import Solver
from trmgolf.tasks import Task

TRM_MAX_SIDE = 30


@dataclass(frozen=True)
class Rule:
    keywords: tuple[str, ...]
    score: Callable[[Features], float]


def _local(f: Features) -> float:
    return 4.0 + 2.0 * (1.0 - f.changed_fraction) if f.same_shape else -1.0


def _parts(f: Features) -> float:
    """Output overlays equal parts of a fixed-size input (e.g. the AND of two halves)."""
    return 6.5 if f.fixed_in_shape and f.scale_down else (5.5 if f.out_smaller else -2.0)


def _geometry(f: Features) -> float:
    """Cells moved without looking at them: flips, tilings, scaling, crops, wrap shifts."""
    if f.dihedral:
        return 9.0
    if f.tiles_input or f.scale_up:
        return 8.0
    if f.new_colors:
        return -3.0
    if f.out_is_subgrid or (f.out_larger and f.out_symmetric):
        return 6.0
    return 5.0 if f.same_shape and f.same_color_counts else -2.0


def _statistics(f: Features) -> float:
    """Whole-grid statistics: a colour swap that differs per example, or a small output drawn
    from counts (a list of colours, a bar, a block of one colour)."""
    if f.example_color_maps and not f.color_map:
        return 7.0
    if not f.same_shape and (f.fixed_out_shape or f.out_single_color) and not f.out_is_subgrid:
        return 5.0
    return -1.0


RULES: tuple[Rule, ...] = (
    Rule(("identity", "copy"), lambda f: 10.0 if f.identity else -5.0),
    Rule(("color_map", "colour_map", "recolor", "recolour", "palette"),
         lambda f: 9.0 if f.color_map else -3.0),
    Rule(("dihedral", "flip", "rotat", "rot90", "transpose"),
         lambda f: 9.0 if f.dihedral else -3.0),
    Rule(("tile", "tiling", "repeat"),
         lambda f: 8.0 if f.tiles_input else (3.0 if f.scale_up else -2.0)),
    Rule(("scale", "upsample", "zoom", "resize", "kron"),
         lambda f: 7.0 if f.scale_up else (5.0 if f.scale_down else -2.0)),
    Rule(("downsample", "pool", "shrink"), lambda f: 7.0 if f.scale_down else -2.0),
    Rule(("crop", "extract", "subgrid", "select"),
         lambda f: 7.0 if f.out_is_subgrid else (3.0 if f.out_smaller else -2.0)),
    Rule(("gravity", "shift", "translat", "move", "slide", "roll"),
         lambda f: 6.5 if f.same_shape and f.same_color_counts else -2.0),
    Rule(("fill", "flood", "enclos", "hole", "draw", "line", "ray"),
         lambda f: 5.0 if f.only_background_changes else (1.0 if f.same_shape else -2.0)),
    Rule(("symmetr", "mirror", "complete"),
         lambda f: 7.5 if f.masked_colour is not None else
         (5.0 if f.out_symmetric and not f.in_symmetric else -1.0)),
    Rule(("periodic", "lattice"),
         lambda f: 7.5 if f.masked_colour is not None else -1.0),
    Rule(("object", "component", "count", "largest", "smallest"),
         lambda f: (3.0 if f.in_objects >= 2 else 0.0) + (2.0 if f.out_smaller else 0.0)),
    Rule(("constant", "fixed_output"), lambda f: 10.0 if f.constant_output else -5.0),
    Rule(("geometry", "index_map"), _geometry),
    Rule(("part",), _parts),
    Rule(("statistic", "rank", "colour_list", "count_fill", "stat_fill"), _statistics),
    Rule(("local", "conv", "cellular", "neighbo", "stencil", "perceptron", "rule", "lsq", "linear"),
         _local),
)


def solver_score(solver: Solver, f: Features) -> float:
    """The best score of any rule whose keyword occurs in the solver's name or family."""
    text = f"{solver.name} {solver.family}".lower()
    scores = [rule.score(f) for rule in RULES if any(k in text for k in rule.keywords)]
    score = max(scores) if scores else 0.0
    if "fixed" in solver.name and not f.fixed_in_shape:
        score -= 4.0  # a "fixed" variant bakes in the one input size of its fit examples
    return score


def category(f: Features) -> str:
    """A one-word label of the task, for score tables and logs."""
    if f.identity:
        return "identity"
    if f.dihedral:
        return f"dihedral:{f.dihedral}"
    if f.color_map:
        return "color_map"
    if f.tiles_input:
        return "tile"
    if f.scale_up:
        return "scale_up"
    if f.scale_down:
        return "scale_down"
    if f.out_is_subgrid:
        return "crop"
    if f.same_shape:
        return "fill" if f.only_background_changes else "same_shape"
    return "other"


def worth_trm(f: Features) -> bool:
    """TRM training needs a per-cell function of a fixed canvas (same shape or one output shape).
    A strong family fact is no reason to skip it: the worker trains only when no solver's
    network passed, which is exactly when that family's fact did not hold up."""
    return f.max_side <= TRM_MAX_SIDE and (f.same_shape or f.fixed_out_shape)


class HeuristicRouter:
    """Routes from :func:`task_features`; used when no LLM endpoint or key is configured."""

    name = "heuristic"

    def route(self, task: Task, solvers: Sequence[Solver]) -> Route:
        f = task_features(task)
        scores = {s.name: solver_score(s, f) for s in solvers}
        index = {s.name: i for i, s in enumerate(solvers)}
        order = sorted(scores, key=lambda n: (-scores[n], index[n]))
        best = scores[order[0]] if order else 0.0
        return Route(
            tuple(order),
            worth_trm(f),
            self.name,
            category(f),
            f"best rule score {best:g}",
            scores,
        )
