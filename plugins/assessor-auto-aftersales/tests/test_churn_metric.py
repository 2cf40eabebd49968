"""The churn metric on tiny inline tables, every number worked out by hand."""

from __future__ import annotations

import datetime as dt

import ibis
import pytest
from assessor_auto_aftersales.churn import churn_rate, lost_customers

from assessor.engine.plan import MetricContext

D = dt.date


def visits_table(rows):
    return ibis.memtable(
        rows, columns=["visit_id", "customer_id", "visit_date", "advisor_group"]
    ).cast({"visit_id": "int64", "visit_date": "date"})


def compute(rows, lapse, first, last, by_group=False):
    context = MetricContext(
        {"visits": visits_table(rows)}, "advisor_group" if by_group else None, first, last
    )
    table = churn_rate(context, lapse).to_pyarrow().to_pylist()
    key = (lambda r: (r["period"], r["subject"])) if by_group else (lambda r: r["period"])
    return {key(r): (r["num"], r["den"]) for r in table}


VISITS = [
    # C1: two visits in January, the later one (Jan 20, group B) decides; no return -> lost
    (1, "C1", D(2015, 1, 5), "A"),
    (2, "C1", D(2015, 1, 20), "B"),
    # C2: same-day visits, the larger visit_id (group A) is the later one; returns in March
    (4, "C2", D(2015, 1, 31), "A"),
    (3, "C2", D(2015, 1, 31), "B"),
    (5, "C2", D(2015, 3, 31), "A"),
    # C3: January visit, returns on the first day of April -> lost in March, not in April...
    (6, "C3", D(2015, 1, 1), "A"),
    (7, "C3", D(2015, 4, 1), "A"),
]


def test_store_churn_with_a_two_month_lapse():
    # March: January's last visits are C1 (Jan 20), C2 (Jan 31, id 4), C3 (Jan 1).
    # C1 never returns (lost); C2 returns Mar 31 <= end of March (kept); C3 returns Apr 1,
    # after March (lost in March). Lost 2 of 5 January visits.
    result = compute(VISITS, 2, D(2015, 3, 1), D(2015, 3, 1))
    assert result == {D(2015, 3, 1): (2, 5)}


def test_group_churn_attributes_the_last_visit():
    # C1's deciding visit was group B, C3's group A. January visits: A has ids 1, 4, 6 (3),
    # B has ids 2, 3 (2). So A: 1/3, B: 1/2.
    result = compute(VISITS, 2, D(2015, 3, 1), D(2015, 3, 1), by_group=True)
    assert result == {(D(2015, 3, 1), "A"): (1, 3), (D(2015, 3, 1), "B"): (1, 2)}


def test_a_return_after_the_month_does_not_change_it():
    # Without the April return C3 is equally lost in March: as-of, only data up to March counts.
    without_april = [v for v in VISITS if v[0] != 7]
    assert compute(without_april, 2, D(2015, 3, 1), D(2015, 3, 1)) == {D(2015, 3, 1): (2, 5)}


@pytest.mark.parametrize("lapse", [1, 2, 3])
def test_periods_outside_the_window_are_not_returned(lapse):
    result = compute(VISITS, lapse, D(2015, 3, 1), D(2015, 3, 1))
    assert set(result) <= {D(2015, 3, 1)}


def test_lost_customers_are_the_rows_the_rate_counts():
    # March, lapse 2: C1 lost by its Jan 20 visit (id 2, group B), C3 by its Jan 1 visit
    # (id 6, group A); C2 returned on Mar 31. The same two the rate counts as 2.
    context = MetricContext(
        {"visits": visits_table(VISITS)}, "advisor_group", D(2015, 3, 1), D(2015, 3, 1)
    )
    rows = lost_customers(context, 2).to_pyarrow().to_pylist()
    assert sorted(
        (r["subject"], r["customer_id"], r["visit_date"], r["visit_id"]) for r in rows
    ) == [
        ("A", "C3", D(2015, 1, 1), 6),
        ("B", "C1", D(2015, 1, 20), 2),
    ]
    assert {r["period"] for r in rows} == {D(2015, 3, 1)}
