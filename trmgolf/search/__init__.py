"""Structure search: the cheapest network that computes a rule a solver has already proved.

A solver writes its rule the way it found it (views, index tables, cumulative sums).
The search instead tries small candidate networks, cheapest first, fits their
constants to the fit examples and returns those that are exact on them; the caller
keeps one only after it also passes the held-out examples. Files, one per family:
``conv_lp`` (one Conv fitted by linear programming),
``movement`` (one data-movement node), ``pooling`` (one MaxRoiPool / RoiAlign), ``einsum_fit``
(separable 0/1 route and colour maps as one Einsum), ``upscale`` (one ConvTranspose painting a
block per cell), ``driver`` (ordering, work budget, checks).
"""

# importing a family's module registers it; the order of trial is each family's declared tier
from trmgolf.search import (  # noqa: F401
    cellmap,
    cellpair,
    colour_fill,
    conv_lp,
    crop_conv,
    crop_int,
    einsum_fit,
    index_pool,
    linemask,
    movement,
    partmix,
    pooling,
    upscale,
)
from trmgolf.search.driver import search

__all__ = ["search"]
