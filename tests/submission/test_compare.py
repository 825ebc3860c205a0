"""``diff``'s per-task status: a table that rounds points must not turn equal networks into
"better"/"worse" (found diffing a finished solve's scores.csv, 3 decimals, against a running
solve's results/*.json, full precision: 19 equal-cost tasks were called worse)."""

from __future__ import annotations

from trmgolf.submission.compare import compare, status
from trmgolf.submission.score_tables import ScoreRow, ScoreTable


def row(points: float, memory: int | None = 0, params: int | None = 470, solved: bool = True) -> ScoreRow:
    return ScoreRow("task001", points, solved, "view_rule", "view_rule", memory, params)


def test_equal_costs_are_the_same_whatever_the_rounding_of_points():
    assert status(row(18.847), row(18.847267305295894)) == "same"
    assert status(row(18.847267305295894), row(18.847)) == "same"


def test_a_cheaper_network_is_better_even_below_the_rounding():
    a = row(10.888, memory=1_340_640, params=4_261)
    b = row(10.888197292905936, memory=1_340_640, params=4_223)
    assert status(a, b) == "better" and status(b, a) == "worse"


def test_without_costs_points_decide_as_closely_as_tables_round():
    assert status(row(18.847, None, None), row(18.8472, None, None)) == "same"
    assert status(row(18.847, None, None), row(18.9, None, None)) == "better"
    assert status(row(18.847), row(0.0, solved=False)) == "worse"
    assert status(None, row(1.0)) == "only in b" and status(row(1.0), None) == "only in a"


def test_compare_counts_use_the_status():
    a = ScoreTable("a", "solve", {"task001": row(18.847)})
    b = ScoreTable("b", "solve", {"task001": row(18.847267305295894)})
    assert compare(a, b)["counts"]["same"] == 1
