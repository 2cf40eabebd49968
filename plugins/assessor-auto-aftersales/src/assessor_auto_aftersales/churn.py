"""Customer churn (客户流失) from service visits, as one relational expression.

For assessment month M and lapse L: customer c is lost in M when c's last visit d in month
M - L has no later visit up to the end of M (a return after M does not count: as-of). On one
day, the larger visit_id is the later visit. The rate is lost customers over the visits
(rows, repeat visits counted) of month M - L, per advisor group of visit d or for the store.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def _month_index(date: Any) -> Any:
    return date.year() * 12 + date.month()


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _marked(context: Any, lapse_months: int) -> Any:
    """Every visit that can decide a requested month, with ``period`` (the month its customer
    would count as lost in), ``lost`` (1 when it is the customer's last visit of its month and
    no visit follows up to the end of ``period``, else 0) and, when asked, ``subject``.
    The rate counts these rows; its evidence lists those with ``lost`` = 1.
    """
    import ibis

    visits = context.table("visits")
    # Only visits from the first lapse month on can be a lost customer's last visit, and none
    # after the last assessed month can change a result.
    start = _add_months(context.first_period, -lapse_months)
    end = _add_months(context.last_period, 1)
    visits = visits.filter((visits.visit_date >= start) & (visits.visit_date < end))
    # each store follows its own customers, as if it were run alone
    later = ibis.window(
        group_by=[*context.scope, "customer_id"], order_by=["visit_date", "visit_id"]
    )
    with_next = visits.mutate(next_date=visits.visit_date.lead().over(later))
    month = _month_index(with_next.visit_date)
    next_month = _month_index(with_next.next_date)
    last_of_month = with_next.next_date.isnull() | (next_month != month)
    gone = with_next.next_date.isnull() | (next_month > month + lapse_months)
    marked = with_next.mutate(
        period=(with_next.visit_date.truncate("M") + ibis.interval(months=lapse_months)).cast(
            "date"
        ),
        lost=ibis.ifelse(last_of_month & gone, 1, 0),
    )
    if context.subject_column is not None:
        marked = marked.filter(marked[context.subject_column].notnull())
        marked = marked.mutate(subject=marked[context.subject_column])
    return marked


def churn_rate(context: Any, lapse_months: int) -> Any:
    """Lost customers / visits of the lapse month, per period (and subject, when asked)."""
    marked = _marked(context, lapse_months)
    counts = marked.group_by(context.keys).aggregate(num=marked.lost.sum(), den=marked.count())
    return counts.filter(counts.period <= context.last_period)


def lost_customers(context: Any, lapse_months: int) -> Any:
    """The rate's evidence: each lost customer with its deciding (last) visit's date, number
    and advisor group, per period (and subject, when asked).
    """
    marked = _marked(context, lapse_months)
    lost = marked.filter((marked.lost == 1) & (marked.period <= context.last_period))
    return lost.select(*context.keys, "customer_id", "visit_date", "visit_id", "advisor_group")
