"""The heuristic router reads each family's declared traits: on the real registered solvers
it orders a dozen kinds of synthetic task exactly as the keyword matcher it replaced did (the
route order decides which network is kept when costs tie), and every family declares traits."""

from __future__ import annotations

from dataclasses import replace

import pytest
from route_cases import ROUTE_TASKS

from trmgolf.families.contract import Trait
from trmgolf.router.heuristic import TRAIT_SCORES, HeuristicRouter
from trmgolf.submission.registry import load_solvers

#: What the keyword matcher (router/heuristic.py before the family contract) routed.
KEYWORD_ROUTES = {
    'identity': """
        identity local_rule part_rule view_rule grow_rule crop_colour count_fill recolour_objects
        select_object rays rays_diagonal fill_enclosed flood_from_colour fill_holes_by_shape
        rays_blocked stat_fill periodic_repair colour_rank_map colour_list symmetry_complete
        geometry_fixed geometry shift gravity block_map crop_box crop_box_wide color_map constant
    """,
    'flip': """
        geometry_fixed geometry block_map shift gravity local_rule part_rule view_rule grow_rule
        crop_colour count_fill recolour_objects select_object rays rays_diagonal fill_enclosed
        flood_from_colour fill_holes_by_shape rays_blocked stat_fill periodic_repair colour_rank_map
        colour_list symmetry_complete crop_box crop_box_wide color_map identity constant
    """,
    'rot90': """
        geometry_fixed geometry block_map shift gravity local_rule part_rule view_rule grow_rule
        crop_colour count_fill recolour_objects select_object rays rays_diagonal fill_enclosed
        flood_from_colour fill_holes_by_shape rays_blocked stat_fill periodic_repair colour_rank_map
        colour_list symmetry_complete crop_box crop_box_wide color_map identity constant
    """,
    'recolour': """
        color_map recolour_objects periodic_repair symmetry_complete local_rule part_rule view_rule
        grow_rule crop_colour count_fill select_object rays rays_diagonal fill_enclosed
        flood_from_colour fill_holes_by_shape rays_blocked stat_fill colour_rank_map colour_list
        shift gravity crop_box crop_box_wide geometry_fixed geometry block_map identity constant
    """,
    'tile': """
        geometry_fixed geometry block_map colour_rank_map colour_list count_fill stat_fill
        crop_colour recolour_objects select_object local_rule part_rule view_rule periodic_repair
        symmetry_complete grow_rule shift gravity crop_box crop_box_wide rays rays_diagonal
        fill_enclosed flood_from_colour fill_holes_by_shape rays_blocked color_map identity constant
    """,
    'upscale': """
        geometry_fixed geometry block_map colour_rank_map colour_list count_fill stat_fill
        crop_colour recolour_objects select_object local_rule part_rule view_rule periodic_repair
        symmetry_complete grow_rule shift gravity crop_box crop_box_wide rays rays_diagonal
        fill_enclosed flood_from_colour fill_holes_by_shape rays_blocked color_map identity constant
    """,
    'crop': """
        crop_box crop_box_wide crop_colour select_object geometry_fixed geometry block_map part_rule
        count_fill recolour_objects local_rule view_rule periodic_repair colour_rank_map colour_list
        stat_fill symmetry_complete grow_rule shift gravity rays rays_diagonal fill_enclosed
        flood_from_colour fill_holes_by_shape rays_blocked color_map identity constant
    """,
    'gravity': """
        shift gravity local_rule part_rule view_rule grow_rule geometry_fixed geometry block_map
        crop_colour count_fill recolour_objects select_object rays rays_diagonal fill_enclosed
        flood_from_colour fill_holes_by_shape rays_blocked stat_fill periodic_repair colour_rank_map
        colour_list symmetry_complete crop_box crop_box_wide color_map identity constant
    """,
    'constant': """
        constant part_rule crop_colour colour_rank_map colour_list count_fill stat_fill
        symmetry_complete recolour_objects select_object crop_box crop_box_wide local_rule view_rule
        periodic_repair grow_rule shift gravity rays rays_diagonal fill_enclosed flood_from_colour
        fill_holes_by_shape rays_blocked color_map geometry_fixed geometry block_map identity
    """,
    'fill': """
        color_map recolour_objects periodic_repair symmetry_complete local_rule part_rule view_rule
        grow_rule rays rays_diagonal fill_enclosed flood_from_colour fill_holes_by_shape
        rays_blocked count_fill stat_fill crop_colour select_object colour_rank_map colour_list
        shift gravity crop_box crop_box_wide geometry_fixed geometry block_map identity constant
    """,
    'varying_flip': """
        geometry block_map shift gravity geometry_fixed local_rule part_rule view_rule grow_rule
        crop_colour count_fill recolour_objects select_object rays rays_diagonal fill_enclosed
        flood_from_colour fill_holes_by_shape rays_blocked stat_fill periodic_repair colour_rank_map
        colour_list symmetry_complete crop_box crop_box_wide color_map identity constant
    """,
    'halves': """
        part_rule crop_colour colour_rank_map colour_list count_fill stat_fill recolour_objects
        select_object crop_box crop_box_wide local_rule view_rule periodic_repair symmetry_complete
        grow_rule geometry_fixed geometry shift gravity block_map rays rays_diagonal fill_enclosed
        flood_from_colour fill_holes_by_shape rays_blocked color_map identity constant
    """,
}


@pytest.mark.parametrize("name", sorted(KEYWORD_ROUTES))
def test_trait_routes_equal_the_keyword_routes_they_replaced(name):
    expected = tuple(KEYWORD_ROUTES[name].split())
    solvers = [s for s in load_solvers().values() if s.name in expected]  # the solvers of then
    route = HeuristicRouter().route(ROUTE_TASKS[name], solvers)
    assert route.solvers == expected


def test_every_solver_declares_a_scored_trait():
    for s in load_solvers().values():
        assert s.traits & set(TRAIT_SCORES), s.name


def test_a_name_is_no_trait():
    """A solver named like a colour map is routed by its traits, not by its name."""
    solvers = {s.name: s for s in load_solvers().values()}
    recolour = solvers["recolour_objects"]
    renamed = replace(recolour, name="recolour_anything", traits=frozenset({Trait.OBJECTS}))
    route = HeuristicRouter().route(ROUTE_TASKS["recolour"], [renamed, solvers["color_map"]])
    assert route.scores["recolour_anything"] < 9.0 == route.scores["color_map"]
