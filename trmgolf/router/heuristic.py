"""The heuristic router: order solvers by how well their family fits the task's features.

Each solver declares the task traits it suits (``families.contract.Trait``, checked at
registration: no family goes without); a solver scores the best of its traits' scores
for the task, so a new family is routed by what it declares, never by words in its name.
The scores only rank: nothing here decides whether a task is solved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from trmgolf.families.contract import Trait
from trmgolf.router.base import Route
from trmgolf.router.features import Features, task_features
from trmgolf.solvers.base import Solver
from trmgolf.tasks import Task

TRM_MAX_SIDE = 30


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


#: How well each trait fits a task's features (``FIXED_INPUT_SIZE`` qualifies, see below).
TRAIT_SCORES: dict[Trait, Callable[[Features], float]] = {
    Trait.IDENTITY: lambda f: 10.0 if f.identity else -5.0,
    Trait.COLOR_MAP: lambda f: 9.0 if f.color_map else -3.0,
    Trait.DIHEDRAL: lambda f: 9.0 if f.dihedral else -3.0,
    Trait.TILES_INPUT: lambda f: 8.0 if f.tiles_input else (3.0 if f.scale_up else -2.0),
    Trait.SCALE: lambda f: 7.0 if f.scale_up else (5.0 if f.scale_down else -2.0),
    Trait.SCALE_DOWN: lambda f: 7.0 if f.scale_down else -2.0,
    Trait.OUT_IS_SUBGRID: lambda f: 7.0 if f.out_is_subgrid else (3.0 if f.out_smaller else -2.0),
    Trait.MOVES: lambda f: 6.5 if f.same_shape and f.same_color_counts else -2.0,
    Trait.BACKGROUND_FILL:
        lambda f: 5.0 if f.only_background_changes else (1.0 if f.same_shape else -2.0),
    Trait.SYMMETRY: lambda f: 7.5 if f.masked_colour is not None else
        (5.0 if f.out_symmetric and not f.in_symmetric else -1.0),
    Trait.PERIODIC: lambda f: 7.5 if f.masked_colour is not None else -1.0,
    Trait.OBJECTS: lambda f: (3.0 if f.in_objects >= 2 else 0.0) + (2.0 if f.out_smaller else 0.0),
    Trait.CONSTANT_OUTPUT: lambda f: 10.0 if f.constant_output else -5.0,
    Trait.INDEX_MAP: _geometry,
    Trait.PARTS: _parts,
    Trait.STATISTICS: _statistics,
    Trait.LOCAL_RULE: _local,
}
#: Points a ``FIXED_INPUT_SIZE`` family loses when the task's inputs vary in size.
FIXED_PENALTY = 4.0


def solver_score(solver: Solver, f: Features) -> float:
    """The best score of the solver's declared traits (0 when it declares none, which only a
    ``Solver`` built by hand can: registration refuses it)."""
    scores = [TRAIT_SCORES[t](f) for t in solver.traits if t in TRAIT_SCORES]
    score = max(scores) if scores else 0.0
    if Trait.FIXED_INPUT_SIZE in solver.traits and not f.fixed_in_shape:
        score -= FIXED_PENALTY  # it bakes in the one input size of its fit examples
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
