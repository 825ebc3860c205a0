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

import importlib
import pkgutil

from trmgolf.search.driver import search, search_families

# importing a family's module registers it (every module of the package, sorted: a new family
# is one new module); the order of trial is each family's declared tier, not this order
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")

__all__ = ["search", "search_families"]
