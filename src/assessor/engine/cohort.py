"""The customers inherited at an equity transfer, followed month by month.

A company's new owner first wants to keep the customers it bought. The cohort is every
customer on the books on the transfer date (joined on or before it, not lost by it); its
retention in a month is the share of the cohort still not lost at the month's end.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from assessor.engine.series import MetricContext


def _month_end(first_day: ir.DateValue) -> ir.DateValue:
    return (first_day + ibis.interval(months=1) - ibis.interval(days=1)).cast("date")


def inherited_retention(
    context: MetricContext, table: str, *, since: str, lost: str, customer: str
) -> ir.Table:
    """Per month from the transfer month on: inherited customers still active / all inherited.

    ``table`` has one row per customer; ``since`` is the date the customer joined, ``lost``
    the date it was lost (blank: still a customer), ``customer`` its id. Grouped by
    ``context.subject_column`` of that table when the context asks for subjects (the team
    that looked after the customer). Months before the transfer have no value.
    """
    transfer = context.transfer_date
    if transfer is None:  # the checker refuses such schemes; a direct caller gets told
        raise ValueError("inherited_retention needs the scheme's transfer date")
    customers = context.table(table)
    cohort = customers.filter(
        (customers[since] <= transfer) & (customers[lost].isnull() | (customers[lost] > transfer))
    )
    keys = [*context.scope, customer]
    # the subjects may be the customers themselves: the column is kept once
    keys += [c for c in [context.subject_column] if c is not None and c not in keys]
    cohort = cohort.select(*keys, lost=cohort[lost]).distinct()
    months = context.months()
    months = months.filter(months.period >= transfer.replace(day=1))
    followed = months.cross_join(cohort)
    active = followed.lost.isnull() | (followed.lost > _month_end(followed.period))
    marked = context.with_subject(followed.mutate(active=ibis.ifelse(active, 1, 0)))
    return marked.group_by(context.keys).aggregate(num=marked.active.sum(), den=marked.count())
