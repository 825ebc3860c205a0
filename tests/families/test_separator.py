"""The shared L1 LP separator: it separates what is separable, refuses what is not, and keeps
only the taps the rule needs."""

import numpy as np
import pytest

from trmgolf.families.separator import Bias, l1_separator


def _random_rule(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = (rng.random((120, 12)) < 0.4).astype(np.uint8)
    w = np.zeros(12)
    w[rng.choice(12, 3, replace=False)] = rng.choice([-2.0, 1.0, 3.0], 3)
    return x, x @ w > 0.5, w


@pytest.mark.parametrize("bias", list(Bias))
@pytest.mark.parametrize("seed", range(4))
def test_separable_rows_are_separated_with_margin(seed: int, bias: Bias) -> None:
    x, positive, _ = _random_rule(seed)
    if bias is Bias.NONE:  # without a bias an all-zero row cannot be pushed to <= -1
        keep = x.any(axis=1)
        x, positive = x[keep], positive[keep]
    fitted = l1_separator(x, positive, bias)
    assert fitted is not None
    w, b = fitted
    score = x @ w + b
    assert np.all(score[positive] >= 1 - 1e-6) and np.all(score[~positive] <= -1 + 1e-6)
    if bias is Bias.NONE:
        assert b == 0.0


@pytest.mark.parametrize("bias", list(Bias))
def test_a_view_with_two_answers_is_infeasible(bias: Bias) -> None:
    x, positive, _ = _random_rule(7)
    x = np.vstack([x, x[:1]])
    positive = np.concatenate([positive, ~positive[:1]])  # the same row, the other answer
    assert l1_separator(x, positive, bias) is None


def test_xor_is_not_linearly_separable() -> None:
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    assert l1_separator(x, np.array([False, True, True, False])) is None


def test_least_l1_ignores_taps_the_rule_does_not_need() -> None:
    rng = np.random.default_rng(3)
    x = (rng.random((200, 8)) < 0.5).astype(np.uint8)
    positive = x[:, 2] == 1  # only tap 2 matters
    w, b = l1_separator(x, positive, Bias.FREE)
    assert np.count_nonzero(np.abs(w) > 1e-9) == 1 and abs(w[2] - 2.0) < 1e-9 and abs(b + 1.0) < 1e-9


def test_smooth_pairs_spread_a_free_weight_to_its_neighbours() -> None:
    # tap 0 decides; taps 1, 2 are never seen on alone, so plain least L1 leaves them zero
    x = np.array([[1, 0, 0], [0, 0, 0], [1, 1, 1]])
    positive = np.array([True, False, True])
    plain, _ = l1_separator(x, positive, Bias.SMALL)
    smooth, _ = l1_separator(x, positive, Bias.SMALL, smooth=[(0, 1), (1, 2)])
    assert np.count_nonzero(np.abs(plain) > 1e-9) == 1
    assert np.allclose(smooth, smooth[0])


def test_a_budget_pays_for_the_lp_by_its_iterations() -> None:
    """The LP spends ``lp_units`` of its size and iterations, the same on every run; too few
    units stop it unsolved, at the same iteration whatever the clock."""
    import math

    from trmgolf.families.contract import Budget
    from trmgolf.families.separator import lp_units

    x, positive, _ = _random_rule(11)
    free = l1_separator(x, positive)
    spent = []
    for _ in range(2):
        budget = Budget(10**9, math.inf)
        w, b = l1_separator(x, positive, budget=budget)
        assert np.array_equal(w, free[0]) and b == free[1]
        spent.append(10**9 - budget.left)
    assert spent[0] == spent[1] >= lp_units(x.size, 1)
    # no units left for iterations: HiGHS gets one, too few for this LP
    assert l1_separator(x, positive, budget=Budget(10**9, math.inf), max_units=0) is None
