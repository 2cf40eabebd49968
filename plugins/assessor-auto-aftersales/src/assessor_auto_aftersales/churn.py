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
    """Year * 12 + month - 1: consecutive months differ by one."""
    return date.year() * 12 + date.month() - 1


def _month_start(index: Any) -> Any:
    """The first day of a month index (a date, where date + interval would be a timestamp)."""
    import ibis

    return ibis.date(index // 12, index % 12 + 1, 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _marked(context: Any, lapse_months: int) -> Any:
    """Every visit that can decide a requested month, with ``period`` (the month its customer
    would count as lost in) and ``lost`` (1 when it is the customer's last visit of its month
    and no visit follows up to the end of ``period``, else 0). The rate counts these rows; its
    evidence lists those with ``lost`` = 1.
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
    month = _month_index(visits.visit_date)
    with_next = visits.mutate(month=month, next_month=month.lead().over(later))
    # no visit up to the end of `period`; such a visit is also its customer's last of its month
    gone = with_next.next_month.isnull() | (with_next.next_month > with_next.month + lapse_months)
    marked = with_next.mutate(
        period=_month_start(with_next.month + lapse_months), lost=ibis.ifelse(gone, 1, 0)
    )
    return marked.filter(marked.period <= context.last_period)


def _group_counts(context: Any, lapse_months: int) -> Any:
    """Lost customers and visits per period, store and advisor group (a null group too).

    The one pass over the visits: the store's and the groups' rates of a run both add these
    up, so the plan computes it once (``context.once``).
    """
    marked = _marked(context, lapse_months)
    counts = marked.group_by(["period", *context.scope, "advisor_group"]).aggregate(
        num=marked.lost.sum(), den=marked.count()
    )
    return context.once(counts)


def churn_rate(context: Any, lapse_months: int) -> Any:
    """Lost customers / visits of the lapse month, per period (and subject, when asked)."""
    if context.subject_column in (None, "advisor_group"):
        rows = context.with_subject(_group_counts(context, lapse_months), "visits")
        return rows.group_by(context.keys).aggregate(num=rows.num.sum(), den=rows.den.sum())
    rows = context.with_subject(_marked(context, lapse_months), "visits")
    return rows.group_by(context.keys).aggregate(num=rows.lost.sum(), den=rows.count())


def lost_customers(context: Any, lapse_months: int) -> Any:
    """The rate's evidence: each lost customer with its deciding (last) visit's date, number
    and advisor group, per period (and subject, when asked).
    """
    marked = context.with_subject(_marked(context, lapse_months), "visits")
    lost = marked.filter(marked.lost == 1)
    return lost.select(*context.keys, "customer_id", "visit_date", "visit_id", "advisor_group")
