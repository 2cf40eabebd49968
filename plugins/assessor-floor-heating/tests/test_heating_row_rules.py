"""Each row rule of the floor-heating tables, tested on its own predicate: a good row keeps
it, an impossible row breaks it, a blank optional value keeps it (null counts as kept).
"""

from __future__ import annotations

import pytest
from heating_fixtures import SPECS, D, T, table

from assessor.model.registry import RowRule


def rule(table_name: str, name: str) -> RowRule:
    return next(r for r in SPECS[table_name].rules if r.name == name)


def kept(table_name: str, rule_name: str, rows: list[dict]) -> list[bool]:
    """Whether each row keeps the rule (a null result counts as kept, as in the loader)."""
    data = table(table_name, rows)
    holds = rule(table_name, rule_name).holds(data)
    values = data.select(ok=holds).to_pyarrow().column("ok").to_pylist()
    return [value is None or value for value in values]


OPENED = T("2026-01-05 09:00:00")
BEFORE, SAME, AFTER = T("2026-01-05 08:59:59"), OPENED, T("2026-01-05 10:00:00")

CASES = [
    # (table, rule, column checked, base row, values: bad, equal/boundary, good, blank)
    ("heating_tickets", "response_after_opening", "first_response_at", {"opened_at": OPENED}),
    ("heating_tickets", "resolution_after_opening", "resolved_at", {"opened_at": OPENED}),
    ("heating_tickets", "resolution_after_response", "resolved_at", {"first_response_at": OPENED}),
    ("heating_emails", "reply_after_receipt", "replied_at", {"received_at": OPENED}),
    ("heating_internal_requests", "answer_after_request", "answered_at", {"raised_at": OPENED}),
]


@pytest.mark.parametrize(("table_name", "rule_name", "column", "base"), CASES)
def test_a_time_is_not_before_the_one_it_answers(table_name, rule_name, column, base):
    rows = [{**base, column: value} for value in (BEFORE, SAME, AFTER, None)]
    assert kept(table_name, rule_name, rows) == [False, True, True, True]


DAY = D(2026, 1, 10)
DATE_CASES = [
    ("heating_customers", "lost_after_won", "lost_on", {"since": DAY}),
    ("heating_customers", "attempt_after_won", "retention_attempt_on", {"since": DAY}),
    ("heating_needs_changes", "response_after_notice", "responded_on", {"noticed_on": DAY}),
    ("heating_projects", "due_after_start", "due_on", {"started_on": DAY}),
    ("heating_projects", "completed_after_start", "completed_on", {"started_on": DAY}),
]


@pytest.mark.parametrize(("table_name", "rule_name", "column", "base"), DATE_CASES)
def test_a_date_is_not_before_the_one_it_follows(table_name, rule_name, column, base):
    rows = [{**base, column: value} for value in (D(2026, 1, 9), DAY, D(2026, 1, 11), None)]
    assert kept(table_name, rule_name, rows) == [False, True, True, True]


def test_a_retention_outcome_needs_an_attempt():
    rows = [
        {"retention_outcome": "挽留成功", "retention_attempt_on": None},  # broken
        {"retention_outcome": "挽留失败", "retention_attempt_on": DAY},
        {"retention_outcome": None, "retention_attempt_on": DAY},  # pending
        {"retention_outcome": None, "retention_attempt_on": None},
    ]
    assert kept("heating_customers", "outcome_needs_attempt", rows) == [False, True, True, True]


def test_a_reason_for_leaving_needs_a_loss():
    rows = [
        {"lost_reason": "价格", "lost_on": None},  # broken
        {"lost_reason": "价格", "lost_on": DAY},
        {"lost_reason": None, "lost_on": DAY},
        {"lost_reason": None, "lost_on": None},
    ]
    assert kept("heating_customers", "reason_needs_loss", rows) == [False, True, True, True]


def test_an_exam_mark_needs_attendance():
    rows = [
        {"attended": "否", "exam_score": 80},  # broken
        {"attended": "是", "exam_score": 80},
        {"attended": "是", "exam_score": None},
        {"attended": "否", "exam_score": None},
    ]
    assert kept("heating_training", "exam_needs_attendance", rows) == [False, True, True, True]


def test_every_rule_is_tested():
    tested = {(c[0], c[1]) for c in CASES + DATE_CASES} | {
        ("heating_customers", "outcome_needs_attempt"),
        ("heating_customers", "reason_needs_loss"),
        ("heating_training", "exam_needs_attendance"),
    }
    declared = {(name, r.name) for name, spec in SPECS.items() for r in spec.rules}
    assert declared == tested


def test_tables_are_prefixed_keyed_and_labelled():
    for name, spec in SPECS.items():
        assert name.startswith("heating_")
        assert spec.label_zh and spec.label_en and spec.key
        for column in spec.columns:
            assert column.label_zh and column.label_en, (name, column.name)
        assert spec.time_column is None or spec.column(spec.time_column).type in (
            "date",
            "timestamp",
        )
