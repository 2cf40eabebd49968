"""The plugin's declarations: tables with bilingual columns, row rules, metrics, template."""

from __future__ import annotations

import datetime as dt

import ibis
import pytest
from assessor_electrical import plugin, tables
from assessor_electrical.tables import RESOLVED_NO, RESOLVED_YES

D = dt.date


def T(text):
    return dt.datetime.fromisoformat(text)


def holds(rule, rows, columns, types):
    """The rule's verdict per row, in order: True kept, False broken, None (blank) kept."""
    table = ibis.memtable(rows, columns=columns).cast(types)
    return table.select(ok=rule(table)).to_pyarrow().column("ok").to_pylist()


def test_a_response_before_the_request_breaks_the_rule():
    rows = [
        (T("2026-01-05 09:00"), T("2026-01-05 09:00")),  # answered the same second: kept
        (T("2026-01-05 09:00"), T("2026-01-05 08:59")),  # a minute before: broken
        (T("2026-01-05 09:00"), None),  # not answered yet: kept
    ]
    verdicts = holds(
        tables.responded_not_before_opened,
        rows,
        ["opened_at", "responded_at"],
        {"opened_at": "timestamp", "responded_at": "timestamp"},
    )
    assert verdicts == [True, False, None]


def test_a_complaint_closed_before_it_came_in_breaks_the_rule():
    rows = [
        (T("2026-01-05 09:00"), T("2026-01-06 09:00")),
        (T("2026-01-05 09:00"), T("2026-01-04 17:00")),
        (T("2026-01-05 09:00"), None),
    ]
    verdicts = holds(
        tables.closed_not_before_received,
        rows,
        ["received_at", "closed_at"],
        {"received_at": "timestamp", "closed_at": "timestamp"},
    )
    assert verdicts == [True, False, None]


def test_an_open_complaint_cannot_be_resolved():
    rows = [
        (T("2026-01-06 09:00"), RESOLVED_YES),  # closed and resolved
        (T("2026-01-06 09:00"), RESOLVED_NO),  # closed, not resolved
        (None, RESOLVED_NO),  # open, not resolved
        (None, RESOLVED_YES),  # open yet resolved: broken
    ]
    verdicts = holds(
        tables.resolved_only_when_closed,
        rows,
        ["closed_at", "resolved"],
        {"closed_at": "timestamp"},
    )
    assert verdicts == [True, True, True, False]


def test_own_sales_cannot_exceed_the_market():
    rows = [(30, 120), (120, 120), (121, 120)]
    verdicts = holds(
        tables.own_sales_within_market,
        rows,
        ["own_sales", "market_total"],
        {"own_sales": "int64", "market_total": "int64"},
    )
    assert verdicts == [True, True, False]


def test_a_customer_cannot_be_lost_before_joining():
    rows = [(D(2020, 1, 1), D(2026, 1, 15)), (D(2020, 1, 1), D(2020, 1, 1)), (D(2020, 1, 1), None)]
    rows.append((D(2020, 1, 2), D(2020, 1, 1)))
    verdicts = holds(
        tables.lost_not_before_since,
        rows,
        ["since", "lost_on"],
        {"since": "date", "lost_on": "date"},
    )
    assert verdicts == [True, True, None, False]


@pytest.mark.parametrize("spec", plugin.assessor_tables(), ids=lambda s: s.name)
def test_tables_are_prefixed_labelled_and_consistent(spec):
    assert spec.name.startswith("electrical_")
    assert spec.label_zh and spec.label_en
    names = [c.name for c in spec.columns]
    assert len(names) == len(set(names))
    for column in spec.columns:
        assert column.label_zh and column.label_en, column.name
    assert spec.time_column in names
    assert set(spec.key) <= set(names)
    for rule in spec.rules:
        assert rule.label_zh and rule.label_en
        assert set(rule.columns) <= set(names)
    # every metric keys its values by the team of the record
    assert "team" in names


def test_metrics_read_declared_tables_and_key_by_team_value():
    declared = {t.name for t in plugin.assessor_tables()}
    metrics = plugin.assessor_metrics()
    assert len({m.name for m in metrics}) == len(metrics)
    for metric in metrics:
        assert set(metric.inputs) <= declared
        assert metric.subject_table in metric.inputs
        assert metric.by_subject_value
        assert metric.label_zh and metric.label_en and metric.description
    needs = {m.name for m in metrics if m.needs_transfer}
    assert needs == {"inherited_retention"}


def test_the_template_and_its_sample_data_are_found():
    (template,) = plugin.assessor_templates()
    assert template.id == "electrical-equipment/crm-team"
    assert template.domain == "electrical"
    assert template.path.is_file()
    assert (template.sample_data / "ratings.csv").is_file()
