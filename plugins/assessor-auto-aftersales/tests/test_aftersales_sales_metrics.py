"""The salespeople's churn and the inherited-customer retention on tiny inline tables."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import ibis
import pyarrow as pa
import pytest
from assessor_auto_aftersales import sales

from assessor import api

D = dt.date

SCHEMA = {"customer_id": "string", "salesperson": "string", "since": "date", "lost_on": "date"}

CUSTOMERS = [
    # 张: on the books since 2025; c1 lost on the first day of March, c2 on the last
    ("c1", "张", D(2025, 1, 1), D(2026, 3, 1)),
    ("c2", "张", D(2025, 1, 1), D(2026, 3, 31)),
    ("c3", "张", D(2025, 1, 1), None),
    ("c4", "张", D(2025, 1, 1), None),
    # won on the first day of March: not a customer at March's start
    ("c5", "张", D(2026, 3, 1), None),
    # won and lost within March: in neither count
    ("c6", "张", D(2026, 3, 5), D(2026, 3, 20)),
    # lost long before
    ("c7", "张", D(2024, 1, 1), D(2025, 6, 30)),
    # 李: won on the transfer day (2026-01-01), lost in April
    ("c8", "李", D(2026, 1, 1), D(2026, 4, 2)),
    ("c9", "李", D(2025, 12, 31), None),
]


def customers():
    arrow = ibis.schema(SCHEMA).to_pyarrow()
    records = [dict(zip(SCHEMA, row, strict=True)) for row in CUSTOMERS]
    return ibis.memtable(pa.Table.from_pylist(records, schema=arrow))


def run(expr, by_subject):
    rows = expr.to_pyarrow().to_pylist()
    key = (lambda r: (r["period"], r["subject"])) if by_subject else (lambda r: r["period"])
    return {key(r): Fraction(int(r["num"]), int(r["den"])) for r in rows}


def context(subject, first, last, transfer=None):
    return api.MetricContext({"sales_customers": customers()}, subject, first, last, transfer)


def test_churn_per_salesperson():
    # March: 张 starts with c1..c4 (c5 joins on 1 March, c6 within March) and loses c1 (on
    # 1 March) and c2 (31 March): 2/4. 李 starts with c8 and c9, none lost: 0/2.
    # April: 张 starts with c3, c4, c5: 0/3; 李 c8, c9, c8 lost on 2 April: 1/2.
    result = run(sales.sales_churn_rate(context("salesperson", D(2026, 3, 1), D(2026, 4, 1))), True)
    assert result == {
        (D(2026, 3, 1), "张"): Fraction(2, 4),
        (D(2026, 3, 1), "李"): Fraction(0, 2),
        (D(2026, 4, 1), "张"): Fraction(0, 3),
        (D(2026, 4, 1), "李"): Fraction(1, 2),
    }


def test_churn_for_the_store():
    # March (2 + 0) / (4 + 2) = 1/3; April (0 + 1) / (3 + 2) = 1/5.
    result = run(sales.sales_churn_rate(context(None, D(2026, 3, 1), D(2026, 4, 1))), False)
    assert result == {D(2026, 3, 1): Fraction(1, 3), D(2026, 4, 1): Fraction(1, 5)}


def test_a_month_without_customers_at_its_start_has_no_value():
    # January 2026: 李's only customer at the start is c9 (c8 joins on 1 January): 0/1.
    # December 2025: 李 has nobody at the start (c9 joins on 31 December): no row.
    result = run(
        sales.sales_churn_rate(context("salesperson", D(2025, 12, 1), D(2026, 1, 1))), True
    )
    assert (D(2025, 12, 1), "李") not in result
    assert result[(D(2026, 1, 1), "李")] == Fraction(0, 1)
    assert result[(D(2025, 12, 1), "张")] == Fraction(0, 4)


def test_inherited_retention_per_salesperson():
    # On the books on 2026-01-01: 张 c1..c4 (c7 lost before), 李 c8 (joined that day) and c9.
    # End of March: 张 lost c1 and c2 -> 2/4; 李 2/2. End of April: 张 2/4; 李 lost c8 -> 1/2.
    # c5 and c6, won after the transfer, are not inherited.
    expr = sales.inherited_retention(
        context("salesperson", D(2026, 3, 1), D(2026, 4, 1), D(2026, 1, 1))
    )
    assert run(expr, True) == {
        (D(2026, 3, 1), "张"): Fraction(2, 4),
        (D(2026, 3, 1), "李"): Fraction(2, 2),
        (D(2026, 4, 1), "张"): Fraction(2, 4),
        (D(2026, 4, 1), "李"): Fraction(1, 2),
    }


def test_inherited_retention_needs_the_transfer_date():
    with pytest.raises(ValueError, match="transfer"):
        sales.inherited_retention(context(None, D(2026, 3, 1), D(2026, 4, 1)))


def test_lost_customers_are_the_ones_the_rate_counts():
    # March: 张 lost c1 (1 March) and c2 (31 March), not c6 (won and lost within March);
    # April: 李 lost c8 (2 April).
    rows = sales.lost_customers(context("salesperson", D(2026, 3, 1), D(2026, 4, 1)))
    found = sorted(
        (r["period"], r["subject"], r["customer_id"], r["lost_on"])
        for r in rows.to_pyarrow().to_pylist()
    )
    assert found == [
        (D(2026, 3, 1), "张", "c1", D(2026, 3, 1)),
        (D(2026, 3, 1), "张", "c2", D(2026, 3, 31)),
        (D(2026, 4, 1), "李", "c8", D(2026, 4, 2)),
    ]
