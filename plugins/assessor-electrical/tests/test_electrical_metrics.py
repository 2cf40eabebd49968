"""The electrical metrics on tiny inline tables run through DuckDB, every number by hand."""

from __future__ import annotations

import datetime as dt

import ibis
from assessor_electrical import customers, market, service
from assessor_electrical.tables import (
    COMPLAINTS,
    CUSTOMERS,
    MARKET,
    REQUESTS,
    SURVEYS,
    UPDATES,
)

from assessor import api

D = dt.date
JAN, FEB = D(2026, 1, 1), D(2026, 2, 1)


def T(text):
    return dt.datetime.fromisoformat(text)


def table(rows, columns, types):
    return ibis.memtable(rows, columns=columns).cast(types)


def requests_table(rows):
    return table(
        rows,
        ["request_id", "customer_id", "team", "opened_at", "responded_at"],
        {"opened_at": "timestamp", "responded_at": "timestamp"},
    )


def complaints_table(rows):
    return table(
        rows,
        ["complaint_id", "customer_id", "team", "received_at", "closed_at", "resolved"],
        {"received_at": "timestamp", "closed_at": "timestamp"},
    )


def register_table(rows):
    return table(
        rows, ["customer_id", "team", "since", "lost_on"], {"since": "date", "lost_on": "date"}
    )


def surveys_table(rows):
    return table(
        rows,
        ["customer_id", "team", "survey_date", "score"],
        {"survey_date": "date", "score": "int64"},
    )


def updates_table(rows):
    return table(rows, ["customer_id", "team", "updated_on"], {"updated_on": "date"})


def market_table(rows):
    return table(
        rows,
        ["team", "month", "own_sales", "market_total"],
        {"month": "date", "own_sales": "int64", "market_total": "int64"},
    )


def run(compute, tables, by_team=True, first=JAN, last=FEB, transfer=None, **arguments):
    """The metric's rows as {(period, team) or period: (num, den)}."""
    context = api.MetricContext(
        tables=tables,
        # by_subject_value metrics are asked for subjects with this column name
        subject_column="subject" if by_team else None,
        first_period=first,
        last_period=last,
        transfer_date=transfer,
    )
    rows = compute(context, **arguments).to_pyarrow().to_pylist()
    key = (lambda r: (r["period"], r["subject"])) if by_team else (lambda r: r["period"])
    return {key(r): (int(r["num"]), int(r["den"])) for r in rows}


# -- service requests: response within the time limit --------------------------------------

REQUESTS_ROWS = [
    # A: answered after 6 hours; due 01-11 09:00 (January) -> in time
    ("R1", "K1", "A", T("2026-01-10 09:00"), T("2026-01-10 15:00")),
    # A: answered after exactly 24 hours -> still in time (not later than the deadline)
    ("R2", "K1", "A", T("2026-01-20 10:00"), T("2026-01-21 10:00")),
    # A: one second late
    ("R3", "K5", "A", T("2026-01-25 08:00"), T("2026-01-26 08:00:01")),
    # A: opened on the evening of Jan 31, due Feb 1 20:00 -> judged in February, in time
    ("R4", "K5", "A", T("2026-01-31 20:00"), T("2026-02-01 09:00")),
    # B: never answered; due Jan 6 -> January, not in time
    ("R5", "K4", "B", T("2026-01-05 09:00"), None),
    # B: February, in time
    ("R6", "K4", "B", T("2026-02-10 09:00"), T("2026-02-10 10:00")),
    # A: opened Dec 31 noon, due Jan 1 noon -> January, in time
    ("R7", "K1", "A", T("2025-12-31 12:00"), T("2025-12-31 13:00")),
    # A: due Mar 1 23:00 -> March, after the last month asked for: not returned
    ("R8", "K1", "A", T("2026-02-28 23:00"), T("2026-03-01 08:00")),
]


def test_response_rate_per_team_in_the_month_the_limit_runs_out():
    # January A: R1, R2, R3, R7 are due; R1, R2, R7 in time -> 3/4. January B: R5 -> 0/1.
    # February A: R4 -> 1/1; February B: R6 -> 1/1. R8 is due in March.
    result = run(service.response_rate, {REQUESTS: requests_table(REQUESTS_ROWS)}, hours=24)
    assert result == {
        (JAN, "A"): (3, 4),
        (JAN, "B"): (0, 1),
        (FEB, "A"): (1, 1),
        (FEB, "B"): (1, 1),
    }


def test_the_evidence_lists_the_requests_answered_in_time():
    # the numerators above: January A R1, R2, R7; February A R4, B R6 (R3 was late, R5 never
    # answered, R8 is due in March)
    context = api.MetricContext({REQUESTS: requests_table(REQUESTS_ROWS)}, "subject", JAN, FEB)
    rows = service.answered_requests(context, hours=24).to_pyarrow().to_pylist()
    assert sorted((r["period"], r["subject"], r["request_id"]) for r in rows) == [
        (JAN, "A", "R1"),
        (JAN, "A", "R2"),
        (JAN, "A", "R7"),
        (FEB, "A", "R4"),
        (FEB, "B", "R6"),
    ]


def test_response_rate_for_the_company():
    # January: 3 of the 5 due (R1, R2, R3, R5, R7); February: R4 and R6, both in time.
    tables = {REQUESTS: requests_table(REQUESTS_ROWS)}
    assert run(service.response_rate, tables, by_team=False, hours=24) == {
        JAN: (3, 5),
        FEB: (2, 2),
    }


def test_a_longer_limit_moves_the_deadline_and_forgives_the_late_one():
    # 48 hours: R3 (24 h + 1 s) is in time. Deadlines: R1 Jan 12, R2 Jan 22, R3 Jan 27,
    # R5 Jan 7, R7 Jan 2 -> January; R4 Feb 2, R6 Feb 12 -> February; R8 due Mar 2.
    # January A: R1, R2, R3, R7 all in time -> 4/4; B: R5 -> 0/1.
    result = run(service.response_rate, {REQUESTS: requests_table(REQUESTS_ROWS)}, hours=48)
    assert result[(JAN, "A")] == (4, 4)
    assert result[(JAN, "B")] == (0, 1)


# -- complaints --------------------------------------------------------------------------

COMPLAINT_ROWS = [
    # A: closed after 6 days, resolved; due Jan 10 -> January, in time
    ("C1", "K1", "A", T("2026-01-03 10:00"), T("2026-01-09 10:00"), "是"),
    # A: closed after exactly 7 days, resolved -> in time
    ("C2", "K1", "A", T("2026-01-05 09:00"), T("2026-01-12 09:00"), "是"),
    # A: closed in time but not resolved -> counts against
    ("C3", "K5", "A", T("2026-01-06 09:00"), T("2026-01-08 09:00"), "否"),
    # A: still open -> due Jan 17, not resolved
    ("C4", "K5", "A", T("2026-01-10 09:00"), None, "否"),
    # B: due Feb 4, closed Feb 2 resolved -> February, in time
    ("C5", "K4", "B", T("2026-01-28 09:00"), T("2026-02-02 09:00"), "是"),
    # B: due Jan 9, closed Jan 20 -> January, too late although resolved
    ("C6", "K4", "B", T("2026-01-02 09:00"), T("2026-01-20 09:00"), "是"),
]


def test_complaints_resolved_within_seven_days():
    # January A: C1, C2 in time; C3 unresolved; C4 open -> 2/4. January B: C6 late -> 0/1.
    # February B: C5 -> 1/1. No complaint of A falls due in February: no row (n/a).
    result = run(
        service.complaints_resolved_within,
        {COMPLAINTS: complaints_table(COMPLAINT_ROWS)},
        days=7,
    )
    assert result == {(JAN, "A"): (2, 4), (JAN, "B"): (0, 1), (FEB, "B"): (1, 1)}


def test_complaint_resolution_counts_the_complaints_closed_in_the_month():
    # Closed in January: A C1 是, C2 是, C3 否 -> 2/3; B C6 是 -> 1/1. February: B C5 -> 1/1.
    # C4 is open and counts nowhere. For the company, January: 3/4.
    tables = {COMPLAINTS: complaints_table(COMPLAINT_ROWS)}
    assert run(service.complaint_resolution, tables) == {
        (JAN, "A"): (2, 3),
        (JAN, "B"): (1, 1),
        (FEB, "B"): (1, 1),
    }
    assert run(service.complaint_resolution, tables, by_team=False) == {
        JAN: (3, 4),
        FEB: (1, 1),
    }


# -- customers: surveys, coverage, record updates, retention -------------------------------

REGISTER_ROWS = [
    ("K1", "A", D(2020, 1, 1), None),
    # lost in the middle of January: not on the books at the end of January
    ("K2", "A", D(2020, 1, 1), D(2026, 1, 15)),
    # a new customer in February
    ("K3", "A", D(2026, 2, 10), None),
    ("K4", "B", D(2019, 5, 1), None),
    # lost on the last day of February: on the books at the end of January, not of February
    ("K5", "A", D(2021, 3, 1), D(2026, 2, 28)),
    # lost before the transfer
    ("K6", "A", D(2018, 1, 1), D(2025, 12, 31)),
    # became a customer on the day of the transfer: inherited
    ("K7", "A", D(2026, 1, 1), None),
]


def test_survey_score_is_the_mean_of_the_month():
    # January A: 8, 9, 10 -> 27/3; January B: 6 -> 6/1; February A: 7 -> 7/1. December's
    # survey lies before the first month asked for.
    rows = [
        ("K1", "A", D(2026, 1, 5), 8),
        ("K5", "A", D(2026, 1, 9), 9),
        ("K7", "A", D(2026, 1, 31), 10),
        ("K4", "B", D(2026, 1, 15), 6),
        ("K1", "A", D(2026, 2, 1), 7),
        ("K1", "A", D(2025, 12, 20), 1),
    ]
    result = run(customers.survey_score, {SURVEYS: surveys_table(rows)})
    assert result == {(JAN, "A"): (27, 3), (JAN, "B"): (6, 1), (FEB, "A"): (7, 1)}


def test_survey_coverage_over_two_months():
    # On the books at the end of January: A K1, K5, K7 (K2 lost Jan 15, K3 not yet, K6 lost
    # in December); B K4. Window: Dec 1 .. Jan 31. K1 (Dec 20) and K5 (Jan 31) are covered,
    # K7 is not -> A 2/3; K4's survey of Nov 30 is too old -> B 0/1.
    # End of February: A K1, K3, K7 (K5 lost Feb 28, the last day). Window Jan 1 .. Feb 28:
    # K3 (Feb 15) only; K1's Dec 20 is too old and its Mar 1 too late -> A 1/3; B 0/1.
    rows = [
        ("K1", "A", D(2025, 12, 20), 8),
        ("K3", "A", D(2026, 2, 15), 9),
        ("K4", "B", D(2025, 11, 30), 7),
        ("K5", "A", D(2026, 1, 31), 6),
        ("K2", "A", D(2026, 1, 10), 5),
        ("K1", "A", D(2026, 3, 1), 9),
    ]
    tables = {SURVEYS: surveys_table(rows), CUSTOMERS: register_table(REGISTER_ROWS)}
    result = run(customers.survey_coverage, tables, months=2)
    assert result == {
        (JAN, "A"): (2, 3),
        (JAN, "B"): (0, 1),
        (FEB, "A"): (1, 3),
        (FEB, "B"): (0, 1),
    }
    # the company: January 2 of 4, February 1 of 4
    assert run(customers.survey_coverage, tables, by_team=False, months=2) == {
        JAN: (2, 4),
        FEB: (1, 4),
    }


def test_info_update_rate_counts_each_customer_once():
    # One month back. January A (K1, K5, K7): K1 updated twice -> 1 customer -> 1/3; B K4 not
    # updated in January -> 0/1. February A (K1, K3, K7): nobody -> 0/3; B K4 on Feb 1 -> 1/1.
    rows = [
        ("K1", "A", D(2026, 1, 5)),
        ("K1", "A", D(2026, 1, 20)),
        ("K4", "B", D(2026, 2, 1)),
    ]
    tables = {UPDATES: updates_table(rows), CUSTOMERS: register_table(REGISTER_ROWS)}
    result = run(customers.info_update_rate, tables, months=1)
    assert result == {
        (JAN, "A"): (1, 3),
        (JAN, "B"): (0, 1),
        (FEB, "A"): (0, 3),
        (FEB, "B"): (1, 1),
    }


def test_inherited_retention_per_team_and_for_the_company():
    # Inherited on 2026-01-01 (joined by then, not lost by then): A K1, K2, K5, K7 (K7 joined
    # that day; K3 joined later; K6 was lost before); B K4.
    # End of January: A K1, K5, K7 still customers -> 3/4; B 1/1.
    # End of February: A K1, K7 (K5 lost Feb 28) -> 2/4; B 1/1. Company: 4/5 and 3/5.
    tables = {CUSTOMERS: register_table(REGISTER_ROWS)}
    transfer = D(2026, 1, 1)
    assert run(customers.inherited_retention, tables, transfer=transfer) == {
        (JAN, "A"): (3, 4),
        (JAN, "B"): (1, 1),
        (FEB, "A"): (2, 4),
        (FEB, "B"): (1, 1),
    }
    assert run(customers.inherited_retention, tables, by_team=False, transfer=transfer) == {
        JAN: (4, 5),
        FEB: (3, 5),
    }


# -- market share --------------------------------------------------------------------------


def test_market_share_per_team_and_for_the_company():
    # January: A 30/120, B 10/80; February: A 45/150. The company adds the sales and the
    # markets: January 40/200, not the mean of the two shares. December is not asked for.
    rows = [
        ("A", D(2026, 1, 1), 30, 120),
        ("B", D(2026, 1, 1), 10, 80),
        ("A", D(2026, 2, 1), 45, 150),
        ("A", D(2025, 12, 1), 99, 100),
    ]
    tables = {MARKET: market_table(rows)}
    assert run(market.market_share, tables) == {
        (JAN, "A"): (30, 120),
        (JAN, "B"): (10, 80),
        (FEB, "A"): (45, 150),
    }
    assert run(market.market_share, tables, by_team=False) == {JAN: (40, 200), FEB: (45, 150)}
