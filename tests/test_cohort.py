"""The customers inherited at the transfer, followed month by month (engine.cohort).

Expected values by hand from the table below; the transfer is on 2026-01-15.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pytest

from assessor.engine.cohort import inherited_retention
from assessor.engine.series import MetricContext

D = dt.date
CUSTOMERS = {
    "customer": ["c1", "c2", "c3", "c4", "c5", "c6"],
    "team": ["A", "A", "A", "B", "B", "B"],
    "since": [
        *(D(2025, 1, 1), D(2025, 6, 1), D(2026, 1, 20)),
        *(D(2025, 3, 1), D(2025, 5, 5), D(2024, 2, 2)),
    ],
    "lost": [None, D(2026, 2, 10), None, D(2026, 1, 10), D(2026, 1, 31), None],
}
# cohort: c1, c2, c5, c6 (c3 joined after the transfer, c4 was lost before it).
# c5 is lost on the last day of January: not active at January's end.
STORE = {"2026-01": (3, 4), "2026-02": (2, 4), "2026-03": (2, 4)}
TEAMS = {
    ("2026-01", "A"): (2, 2),
    ("2026-02", "A"): (1, 2),
    ("2026-03", "A"): (1, 2),
    ("2026-01", "B"): (1, 2),
    ("2026-02", "B"): (1, 2),
    ("2026-03", "B"): (1, 2),
}


def _run(subject_column: str | None) -> list[dict]:
    table = ibis.memtable(
        CUSTOMERS,
        schema={"customer": "string", "team": "string", "since": "date", "lost": "date"},
    )
    context = MetricContext(
        {"customers": table}, subject_column, D(2025, 12, 1), D(2026, 3, 1), D(2026, 1, 15)
    )
    result = inherited_retention(
        context, "customers", since="since", lost="lost", customer="customer"
    )
    return ibis.duckdb.connect().to_pyarrow(result).to_pylist()


def test_store_retention_of_the_inherited_customers() -> None:
    rows = _run(None)
    assert {f"{r['period']:%Y-%m}": (r["num"], r["den"]) for r in rows} == STORE


def test_retention_by_team_and_nothing_before_the_transfer() -> None:
    rows = _run("team")
    assert {(f"{r['period']:%Y-%m}", r["subject"]): (r["num"], r["den"]) for r in rows} == TEAMS


def test_without_a_transfer_date_it_refuses() -> None:
    context = MetricContext({}, None, D(2026, 1, 1), D(2026, 1, 1))
    with pytest.raises(ValueError):
        inherited_retention(context, "customers", since="s", lost="l", customer="c")
