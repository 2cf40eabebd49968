"""Each row rule of the plugin's tables, on rows that keep it and rows that break it.

The loader applies the rules; here the predicates themselves are checked through DuckDB,
with a blank optional value counting as kept (null is not false).
"""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest
from assessor_auto_aftersales import tables

T = dt.datetime
D = dt.date


def rule(spec, name):
    return next(r for r in spec.rules if r.name == name)


def kept(spec, name, rows):
    """Per row: True (kept), False (broken) or None (blank: counts as kept)."""
    schema = {c.name: c.type for c in spec.columns if c.name in rows[0]}
    types = {"text": "string", "timestamp": "timestamp", "date": "date", "decimal": "float64"}
    arrow = ibis.schema({k: types[v] for k, v in schema.items()}).to_pyarrow()
    table = ibis.memtable(pa.Table.from_pylist(rows, schema=arrow))
    result = table.select(ok=rule(spec, name).holds(table)).to_pyarrow()
    return result.column("ok").to_pylist()


def test_every_declared_rule_is_tested():
    names = {
        r.name
        for spec in (tables.tickets_table(), tables.sales_customers_table())
        for r in spec.rules
    }
    assert names == {
        "response_after_opening",
        "resolution_after_opening",
        "first_contact_resolution_resolved",
        "lost_after_won",
    }
    assert not tables.calls_table().rules
    assert not tables.complaints_table().rules


@pytest.mark.parametrize(
    ("column", "rule_name"),
    [
        ("first_response_at", "response_after_opening"),
        ("resolved_at", "resolution_after_opening"),
    ],
)
def test_nothing_happens_before_the_ticket_is_opened(column, rule_name):
    opened = T(2026, 1, 5, 9)
    rows = [
        {"opened_at": opened, column: T(2026, 1, 5, 10)},  # after: kept
        {"opened_at": opened, column: opened},  # at the same second: kept
        {"opened_at": opened, column: T(2026, 1, 5, 8, 59, 59)},  # before: broken
        {"opened_at": opened, column: None},  # blank: kept
    ]
    assert kept(tables.tickets_table(), rule_name, rows) == [True, True, False, None]


def test_a_first_contact_resolution_has_a_resolution_time():
    rows = [
        {"first_contact_resolved": "是", "resolved_at": T(2026, 1, 5, 10)},
        {"first_contact_resolved": "是", "resolved_at": None},
        {"first_contact_resolved": "否", "resolved_at": None},
    ]
    result = kept(tables.tickets_table(), "first_contact_resolution_resolved", rows)
    assert result == [True, False, True]


def test_a_customer_is_not_lost_before_being_won():
    rows = [
        {"since": D(2025, 3, 1), "lost_on": D(2025, 3, 1)},
        {"since": D(2025, 3, 1), "lost_on": D(2025, 2, 28)},
        {"since": D(2025, 3, 1), "lost_on": None},
    ]
    assert kept(tables.sales_customers_table(), "lost_after_won", rows) == [True, False, None]


def test_declared_ranges_and_choices():
    tickets = tables.tickets_table()
    score = tickets.column("satisfaction")
    assert (score.minimum, score.maximum, score.required) == (1, 5, False)
    assert tickets.column("first_contact_resolved").choices == ("是", "否")
    assert tables.complaints_table().column("complaint_class").choices == ("一类", "二类", "三类")
    assert tables.calls_table().column("answered").choices == ("是", "否")
