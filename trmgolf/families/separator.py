"""The one L1 linear-programming separator every Conv-fitting family uses.

A Conv output channel thresholded at zero is a linear separator of the taps it reads:
``x @ w + b >= 1`` on the rows where the channel must be on and ``<= -1`` elsewhere. Among
the separators that exist, the least ``sum |w|`` keeps only the taps the rule needs (sparse
weights generalise best to examples the rule was not fitted on). HiGHS solves the LP over
the split weights ``w = p - q`` (``p, q >= 0``), so the same rows always give the same
weights. The bias is one of three kinds (``Bias``), and optional ``smooth`` pairs first
minimise ``sum |w_i - w_j|`` (a weight the rows leave free takes its neighbour's value).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, hstack, vstack

from trmgolf.families.contract import Budget


class Bias(Enum):
    """How the LP treats the bias ``b``."""

    NONE = "none"  # no bias: b = 0
    FREE = "free"  # one free variable, not penalised (a rule may shift its threshold at will)
    SMALL = "small"  # b = b+ - b-, each costing BIAS_COST: the smallest |b| among equal |w|


BIAS_COST = 1e-3  # per unit of |b| (Bias.SMALL), and per unit of |w| when ``smooth`` is given
# Work units (``contract.Budget``; one is about a millisecond of the reference machine) of an
# LP: reading its constraint matrix, SETUP_NONZEROS nonzeros a unit, then each simplex
# iteration over it, ITERATION_NONZEROS iterations x nonzeros a unit. HiGHS counts its
# iterations the same on every machine, so the work an LP spends is a count, not a clock.
SETUP_NONZEROS = 2_500
ITERATION_NONZEROS = 400_000


def lp_units(nonzeros: int, iterations: int) -> int:
    """Work units of an LP over ``nonzeros`` constraint entries that took ``iterations``."""
    return 1 + nonzeros // SETUP_NONZEROS + iterations * nonzeros // ITERATION_NONZEROS


def affordable_iterations(nonzeros: int, units: int) -> int:
    """The most iterations an LP over ``nonzeros`` entries may take so that its ``lp_units``
    stay within ``units`` (at least one; at most what HiGHS takes as a limit)."""
    room = units - lp_units(nonzeros, 0)
    most = ((room + 1) * ITERATION_NONZEROS - 1) // max(1, nonzeros)
    return int(min(max(1, most), 2**31 - 1))


def l1_separator(x: np.ndarray, positive: np.ndarray, bias: Bias = Bias.FREE,
                 smooth: Sequence[tuple[int, int]] = (), time_limit: float | None = None,
                 budget: Budget | None = None,
                 max_units: int | None = None) -> tuple[np.ndarray, float] | None:
    """The least-L1 ``(w, b)`` with ``x @ w + b >= 1`` on ``positive`` rows and ``<= -1`` on
    the others (``x``: [rows, columns], any real values), by HiGHS; None when infeasible or
    when HiGHS stops first. With ``smooth`` (pairs of weight indices) the weights cost
    ``BIAS_COST`` each and every pair costs ``|w_i - w_j|``.

    With a ``budget``, the LP spends its work (``lp_units``) there and stops, unsolved, after
    the iterations the budget's units (at most ``max_units``) pay for: the same place on
    every machine. ``time_limit`` (seconds of HiGHS's clock) is only a safety net.

    The weights come back as HiGHS returns them (no rounding): callers that round do so."""
    x = np.asarray(x, np.float64)
    rows, n = x.shape
    sign = np.where(positive, 1.0, -1.0)[:, None]
    taps = csr_matrix(x * -sign)  # row: -sign * (x @ w) <= -1 - ... (the bias columns follow)
    blocks = [taps, -taps]
    weight_cost = BIAS_COST if smooth else 1.0
    cost = [np.full(n, weight_cost), np.full(n, weight_cost)]
    bounds: list[tuple[float | None, float | None]] = [(0, None)] * (2 * n)
    if bias is Bias.FREE:
        blocks.append(csr_matrix(-sign))
        cost.append(np.zeros(1))
        bounds.append((None, None))
    elif bias is Bias.SMALL:
        blocks += [csr_matrix(-sign), csr_matrix(sign)]
        cost.append(np.full(2, BIAS_COST))
        bounds += [(0, None)] * 2
    a_ub = hstack(blocks).tocsr()
    b_ub = -np.ones(rows)
    if smooth:
        # t_k >= |w_i - w_j| for each pair k: two rows each, over the variables (p, q[, bias], t)
        m, width = len(smooth), a_ub.shape[1]
        diff = np.zeros((m, width))
        for k, (i, j) in enumerate(smooth):
            diff[k, [i, j, n + i, n + j]] = (1.0, -1.0, -1.0, 1.0)
        slack = -np.eye(m)
        a_ub = vstack([hstack([a_ub, csr_matrix((rows, m))]),
                       csr_matrix(np.hstack([diff, slack])), csr_matrix(np.hstack([-diff, slack]))]).tocsr()
        b_ub = np.concatenate([b_ub, np.zeros(2 * m)])
        cost.append(np.ones(m))
        bounds += [(0, None)] * m
    options: dict[str, float] = {} if time_limit is None else {"time_limit": time_limit}
    if budget is not None:
        units = budget.left if max_units is None else min(budget.left, max_units)
        options["maxiter"] = affordable_iterations(a_ub.nnz, units)
    res = linprog(np.concatenate(cost), A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs",
                  options=options)
    if budget is not None:
        budget.spend(lp_units(a_ub.nnz, int(res.nit)))
    if res.status != 0:
        return None
    w = res.x[:n] - res.x[n:2 * n]
    if bias is Bias.FREE:
        return w, float(res.x[2 * n])
    if bias is Bias.SMALL:
        return w, float(res.x[2 * n] - res.x[2 * n + 1])
    return w, 0.0
