"""The service KPI metrics on tiny inline tables, run through DuckDB; numbers worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import ibis
import pyarrow as pa
import pytest
from assessor_auto_aftersales import service

from assessor import api

D = dt.date
T = dt.datetime

TICKET_SCHEMA = {
    "ticket_id": "string",
    "customer_id": "string",
    "team": "string",
    "agent": "string",
    "opened_at": "timestamp",
    "first_response_at": "timestamp",
    "resolved_at": "timestamp",
    "first_contact_resolved": "string",
    "satisfaction": "decimal(38, 9)",
}
CALL_SCHEMA = {
    "call_id": "string",
    "team": "string",
    "called_at": "timestamp",
    "answered": "string",
}
COMPLAINT_SCHEMA = {
    "complaint_id": "string",
    "complaint_date": "date",
    "team": "string",
    "agent": "string",
    "complaint_class": "string",
    "description": "string",
}


def table(schema, rows):
    # through Arrow, which keeps blank decimals and timestamps as nulls
    arrow = ibis.schema(schema).to_pyarrow()
    records = [dict(zip(schema, row, strict=True)) for row in rows]
    return ibis.memtable(pa.Table.from_pylist(records, schema=arrow))


def ticket(tid, team, opened, response, resolved, first_contact, score, agent="甲"):
    return (tid, "K", team, agent, opened, response, resolved, first_contact, score)


TICKETS = [
    # 一组, January: exactly 24 h / 48 h (within), first contact, score 5
    ticket("1", "一组", T(2026, 1, 5, 9), T(2026, 1, 6, 9), T(2026, 1, 7, 9), "是", Decimal(5)),
    # one second over both limits, score 2.5
    ticket(
        "2",
        "一组",
        T(2026, 1, 6, 9),
        T(2026, 1, 7, 9, 0, 1),
        T(2026, 1, 8, 9, 0, 1),
        "否",
        Decimal("2.5"),
    ),
    # never answered or resolved, no score
    ticket("3", "一组", T(2026, 1, 20, 9), None, None, "否", None, agent="乙"),
    # opened on 31 January, answered and resolved in February: counts in January
    ticket("4", "一组", T(2026, 1, 31, 23), T(2026, 2, 1, 1), T(2026, 2, 1, 2), "是", Decimal(4)),
    # 二组, January: answered after 30 minutes, resolved after 30 hours
    ticket("5", "二组", T(2026, 1, 9, 8), T(2026, 1, 9, 8, 30), T(2026, 1, 10, 14), "否", None),
    # 二组, February
    ticket("6", "二组", T(2026, 2, 2, 8), T(2026, 2, 2, 9), T(2026, 2, 2, 10), "是", Decimal(3)),
    # 二组, April: outside every window asked for below
    ticket("7", "二组", T(2026, 4, 2, 8), T(2026, 4, 2, 9), T(2026, 4, 2, 10), "是", Decimal(1)),
]


JANUARY, FEBRUARY = D(2026, 1, 1), D(2026, 2, 1)


def context(subject=None, first=JANUARY, last=FEBRUARY, **tables):
    tables.setdefault("aftersales_tickets", table(TICKET_SCHEMA, TICKETS))
    return api.MetricContext(tables, subject, first, last)


def run(expr, by_subject=False):
    rows = expr.to_pyarrow().to_pylist()
    key = (lambda r: (r["period"], r["subject"])) if by_subject else (lambda r: r["period"])
    return {key(r): Fraction(int(r["num"]), int(r["den"])) for r in rows}


def test_response_within_24_hours_per_team():
    # 一组 January: tickets 1 (exactly 24 h) and 4 (2 h) within; 2 (24 h 1 s) and 3 (none)
    # late -> 2/4. 二组 January: 5 (30 min) -> 1/1; February: 6 -> 1/1. April is not asked.
    result = run(service.response_within(context("team"), 24), by_subject=True)
    assert result == {
        (D(2026, 1, 1), "一组"): Fraction(2, 4),
        (D(2026, 1, 1), "二组"): Fraction(1, 1),
        (D(2026, 2, 1), "二组"): Fraction(1, 1),
    }


def test_resolution_within_48_hours_for_the_store():
    # January: 1 (48 h) and 4 (3 h) and 5 (30 h) within, 2 (48 h 1 s) and 3 (none) late -> 3/5.
    # February: 6 -> 1/1.
    result = run(service.resolution_within(context(), 48))
    assert result == {D(2026, 1, 1): Fraction(3, 5), D(2026, 2, 1): Fraction(1, 1)}


def test_a_limit_in_fractions_of_an_hour():
    # 24.5 hours = 88200 s: ticket 2 (86401 s) is now within as well -> 一组 3/4.
    result = run(service.response_within(context("team"), Fraction(49, 2)), by_subject=True)
    assert result[(D(2026, 1, 1), "一组")] == Fraction(3, 4)


def test_first_contact_resolution():
    # 一组 January: 1 and 4 of its 4 tickets; 二组 January 0/1, February 1/1.
    result = run(service.first_contact_resolution(context("team")), by_subject=True)
    assert result == {
        (D(2026, 1, 1), "一组"): Fraction(2, 4),
        (D(2026, 1, 1), "二组"): Fraction(0, 1),
        (D(2026, 2, 1), "二组"): Fraction(1, 1),
    }


def test_first_contact_resolution_per_agent():
    # 甲 took 1, 2, 4 (一组) and 5 (二组) in January, 1 and 4 at first contact -> 2/4;
    # 乙 took 3 -> 0/1; in February 甲 took 6 -> 1/1.
    result = run(service.first_contact_resolution(context("agent")), by_subject=True)
    assert result[(D(2026, 1, 1), "甲")] == Fraction(2, 4)
    assert result[(D(2026, 1, 1), "乙")] == Fraction(0, 1)
    assert result[(D(2026, 2, 1), "甲")] == Fraction(1, 1)


def test_satisfaction_is_the_exact_mean_of_the_given_scores():
    # 一组 January: 5, 2.5 and 4 (ticket 3 has none) -> 11.5 / 3 = 23/6. 二组 January has no
    # score at all: no row (n/a), not 0. 二组 February: 3.
    result = run(service.satisfaction(context("team")), by_subject=True)
    assert result == {
        (D(2026, 1, 1), "一组"): Fraction(23, 6),
        (D(2026, 2, 1), "二组"): Fraction(3),
    }


CALLS = [
    ("c1", "一组", T(2026, 1, 3, 9), "是"),
    ("c2", "一组", T(2026, 1, 3, 10), "否"),
    ("c3", "一组", T(2026, 1, 4, 9), "是"),
    ("c4", "二组", T(2026, 2, 28, 23, 59, 59), "是"),
    ("c5", "二组", T(2026, 3, 1, 0, 0, 0), "否"),
]


def test_answer_rate():
    # 一组 January 2 of 3; 二组 February 1 of 1 (the call on 1 March is not in February).
    calls = table(CALL_SCHEMA, CALLS)
    result = run(service.answer_rate(context("team", aftersales_calls=calls)), by_subject=True)
    assert result == {
        (D(2026, 1, 1), "一组"): Fraction(2, 3),
        (D(2026, 2, 1), "二组"): Fraction(1, 1),
    }


def test_answer_rate_has_no_value_per_agent():
    calls = table(CALL_SCHEMA, CALLS)
    with pytest.raises(ValueError, match="no column 'agent'"):
        service.answer_rate(context("agent", aftersales_calls=calls))


COMPLAINTS = [
    ("t1", D(2026, 1, 10), "一组", "甲", "三类", "服务用语不规范"),
    ("t2", D(2026, 1, 11), "一组", None, "三类", "咨询解答错误"),
    ("t3", D(2026, 1, 12), "一组", "乙", "二类", "未按承诺回电"),
    ("t4", D(2026, 2, 3), "二组", None, "一类", "重大服务质量事故"),
    ("t5", D(2025, 12, 31), "二组", "甲", "三类", "before the window"),
]


def complaints_context(subject=None):
    return context(subject, aftersales_complaints=table(COMPLAINT_SCHEMA, COMPLAINTS))


@pytest.mark.parametrize(
    ("complaint_class", "expected"),
    [
        (1, {(D(2026, 2, 1), "二组"): 1}),
        (2, {(D(2026, 1, 1), "一组"): 1}),
        (3, {(D(2026, 1, 1), "一组"): 2}),
    ],
)
def test_complaints_by_class_per_team(complaint_class, expected):
    result = run(service.complaints(complaints_context("team"), complaint_class), by_subject=True)
    assert result == expected


def test_complaints_per_agent_leave_team_complaints_out():
    # class 3 in January: t1 by 甲, t2 without an agent (the team's) -> 甲 1 only.
    result = run(service.complaints(complaints_context("agent"), 3), by_subject=True)
    assert result == {(D(2026, 1, 1), "甲"): 1}


def test_complaints_of_an_unknown_class_are_refused():
    with pytest.raises(ValueError, match="1, 2 or 3"):
        service.complaints(complaints_context(), 4)


def test_complaint_rate():
    # 一组 January: 3 complaints / 4 tickets. 二组 January: 0 / 1 (a month with tickets and no
    # complaint is 0, not n/a); February: 1 / 1. The December complaint has no month asked for.
    result = run(service.complaint_rate(complaints_context("team")), by_subject=True)
    assert result == {
        (D(2026, 1, 1), "一组"): Fraction(3, 4),
        (D(2026, 1, 1), "二组"): Fraction(0, 1),
        (D(2026, 2, 1), "二组"): Fraction(1, 1),
    }


def test_complaint_rate_for_the_store():
    # January 3 / 5 tickets, February 1 / 1.
    result = run(service.complaint_rate(complaints_context()))
    assert result == {D(2026, 1, 1): Fraction(3, 5), D(2026, 2, 1): Fraction(1, 1)}


def listed(expr, column):
    """An evidence's rows as sorted (period, subject or None, ``column``)."""
    return sorted((r["period"], r.get("subject"), r[column]) for r in expr.to_pyarrow().to_pylist())


def test_the_evidence_lists_the_tickets_calls_and_complaints_counted():
    # the numerators above: 一组 January answered 1 and 4 within 24 h, 二组 5 and (Feb) 6;
    # resolved within 48 h in January 1, 4, 5 and in February 6; first contact 1, 4 and 6
    assert listed(service.answered_tickets(context("team"), 24), "ticket_id") == [
        (D(2026, 1, 1), "一组", "1"),
        (D(2026, 1, 1), "一组", "4"),
        (D(2026, 1, 1), "二组", "5"),
        (D(2026, 2, 1), "二组", "6"),
    ]
    assert listed(service.resolved_tickets(context(), 48), "ticket_id") == [
        (D(2026, 1, 1), None, "1"),
        (D(2026, 1, 1), None, "4"),
        (D(2026, 1, 1), None, "5"),
        (D(2026, 2, 1), None, "6"),
    ]
    first = listed(service.first_contact_tickets(context("team")), "ticket_id")
    assert [x[2] for x in first] == ["1", "4", "6"]
    calls = context("team", aftersales_calls=table(CALL_SCHEMA, CALLS))
    assert [x[2] for x in listed(service.answered_calls(calls), "call_id")] == ["c1", "c3", "c4"]
    # class 3 in January: t1 and t2 (t5 is before the window); all classes: t1 to t4
    class_3 = listed(service.complaints_of_class(complaints_context("team"), 3), "complaint_id")
    assert class_3 == [(D(2026, 1, 1), "一组", "t1"), (D(2026, 1, 1), "一组", "t2")]
    filed = listed(service.complaints_filed(complaints_context()), "complaint_id")
    assert [x[2] for x in filed] == ["t1", "t2", "t3", "t4"]
