"""三、客户留存率 metrics on a tiny customer register, every number worked out by hand."""

from __future__ import annotations

from fractions import Fraction as F

from assessor_floor_heating import retention
from assessor_floor_heating.tables import CUSTOMERS
from heating_fixtures import D, context, counted, run

JAN, FEB = D(2026, 1, 1), D(2026, 2, 1)
TRANSFER = D(2026, 1, 1)


def customer(customer_id, since, lost=None, attempt=None, outcome=None, team="甲组"):
    return {
        "customer_id": customer_id,
        "team": team,
        "since": since,
        "lost_on": lost,
        "retention_attempt_on": attempt,
        "retention_outcome": outcome,
    }


CUSTOMER_ROWS = [
    # on the books at the start of January, lost in January after a failed attempt
    customer("C1", D(2025, 6, 1), D(2026, 1, 15), D(2026, 1, 10), "挽留失败"),
    # on the books in January and February, lost on the first day of February
    customer("C2", D(2025, 6, 1), D(2026, 2, 1), D(2026, 2, 1), "挽留失败"),
    # won on the last day of 2025, kept after an attempt in January
    customer("C3", D(2025, 12, 31), None, D(2026, 1, 20), "挽留成功"),
    # won and lost within January: in neither month's count
    customer("C4", D(2026, 1, 10), D(2026, 1, 20)),
    # lost before the months asked for
    customer("C5", D(2025, 1, 1), D(2025, 12, 31)),
    # won on the first day of January: not on the books at its start, but on February's
    customer("C6", D(2026, 1, 1)),
    # an attempt in January whose outcome is still blank; lost on the last day of February
    customer("C7", D(2025, 3, 1), D(2026, 2, 28), D(2026, 1, 25)),
    # another team: one customer, never lost
    customer("D1", D(2025, 5, 5), team="乙组"),
]


def test_churn_rate_per_team():
    # January: on the books at its start C1, C2, C3, C7 (C4 and C6 came later); C1 lost: 1/4.
    # February: C2, C3, C6, C7 (C1 is gone); C2 (Feb 1) and C7 (Feb 28) lost: 2/4.
    # 乙组: 0/1 in both months (a value, not n/a).
    result = counted(retention.churn_rate, {CUSTOMERS: CUSTOMER_ROWS}, JAN, FEB)
    assert result == {
        (JAN, "甲组"): (1, 4),
        (FEB, "甲组"): (2, 4),
        (JAN, "乙组"): (0, 1),
        (FEB, "乙组"): (0, 1),
    }


def test_churn_rate_for_the_company():
    # January 1 lost of 5 on the books; February 2 of 5
    result = run(retention.churn_rate, {CUSTOMERS: CUSTOMER_ROWS}, JAN, FEB, None)
    assert result == {JAN: F(1, 5), FEB: F(2, 5)}


def test_churn_rate_reads_nothing_after_the_last_month():
    # Asked for January only: February's losses make no February row
    result = counted(retention.churn_rate, {CUSTOMERS: CUSTOMER_ROWS}, JAN, JAN)
    assert result == {(JAN, "甲组"): (1, 4), (JAN, "乙组"): (0, 1)}


def test_retention_success_rate_counts_a_pending_attempt_as_not_yet_kept():
    # January attempts: C1 failed, C3 kept, C7 pending: 1/3. February: C2 failed: 0/1.
    result = counted(retention.retention_success_rate, {CUSTOMERS: CUSTOMER_ROWS}, JAN, FEB)
    assert result == {(JAN, "甲组"): (1, 3), (FEB, "甲组"): (0, 1)}


def test_inherited_retention_follows_the_customers_on_the_books_at_the_transfer():
    # On the books on 2026-01-01 (won by then, not lost by then): C1, C2, C3, C6, C7 = 5.
    # End of January: C1 lost: 4/5. End of February: C2 and C7 lost too: 2/5. 乙组: 1/1.
    result = counted(
        retention.inherited_retention,
        {CUSTOMERS: CUSTOMER_ROWS},
        D(2025, 12, 1),
        FEB,
        transfer=TRANSFER,
    )
    assert result == {
        (JAN, "甲组"): (4, 5),
        (FEB, "甲组"): (2, 5),
        (JAN, "乙组"): (1, 1),
        (FEB, "乙组"): (1, 1),
    }


def test_the_evidence_names_the_lost_and_the_kept_customers():
    # the numerators above: 甲组 lost C1 in January, C2 and C7 in February; the attempts of
    # January kept C3 (C1's failed, C7's is pending)
    found = context({CUSTOMERS: CUSTOMER_ROWS}, JAN, FEB)
    lost = retention.lost_customers(found).to_pyarrow().to_pylist()
    assert sorted((r["period"], r["subject"], r["customer_id"], r["lost_on"]) for r in lost) == [
        (JAN, "甲组", "C1", D(2026, 1, 15)),
        (FEB, "甲组", "C2", D(2026, 2, 1)),
        (FEB, "甲组", "C7", D(2026, 2, 28)),
    ]
    kept = retention.retained_customers(found).to_pyarrow().to_pylist()
    assert [(r["period"], r["customer_id"]) for r in kept] == [(JAN, "C3")]
