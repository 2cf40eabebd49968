"""三、客户留存率 (3.2): churn, retention attempts and the customers inherited at the transfer.

For a month M, 客户流失率 is the seed's 每月流失客户数占总客户数的比例:

- 总客户数: customers won before M began and not lost before M began;
- 流失客户数: those of them whose ``lost_on`` falls in M.

A customer won and lost within M is in neither count.
"""

from __future__ import annotations

from typing import Any

from assessor import api
from assessor_floor_heating.tables import CUSTOMERS, RETAINED


def _on_books(context: Any) -> tuple[Any, Any]:
    """Per requested month, the customers on the books at its start, and whether each was
    lost in the month.
    """
    import ibis

    customers = context.table(CUSTOMERS)
    end = context.after_last
    # only customers on the books at some time in the months asked for can count
    customers = customers.filter(
        (customers.since < end)
        & (customers.lost_on.isnull() | (customers.lost_on >= context.first_period))
    )
    pairs = context.months().cross_join(customers)
    start = pairs.period
    on_books = (pairs.since < start) & (pairs.lost_on.isnull() | (pairs.lost_on >= start))
    pairs = context.with_subject(pairs.filter(on_books))
    month_end = (pairs.period + ibis.interval(months=1)).cast("date")
    return pairs, pairs.lost_on.notnull() & (pairs.lost_on < month_end)


def churn_rate(context: Any) -> Any:
    """3.2.1 客户流失率: customers lost in the month / customers on the books at its start."""
    return context.share(*_on_books(context))


def lost_customers(context: Any) -> Any:
    """Evidence of ``churn_rate``: the customers lost in the month, when and why."""
    return context.hits(*_on_books(context), "customer_id", "lost_on", "lost_reason")


def _attempts(context: Any) -> tuple[Any, Any]:
    rows = context.monthly(CUSTOMERS, "retention_attempt_on")
    return rows, rows.retention_outcome == RETAINED


def retention_success_rate(context: Any) -> Any:
    """3.2.2 客户挽留成功率: retention attempts of the month that kept the customer /
    attempts of the month (an attempt whose outcome is still blank has not succeeded yet).
    """
    return context.share(*_attempts(context))


def retained_customers(context: Any) -> Any:
    """Evidence of ``retention_success_rate``: the customers kept by the month's attempts."""
    return context.hits(*_attempts(context), "customer_id", "retention_attempt_on")


def inherited_retention(context: Any) -> Any:
    """3.2.3 客户留存率: customers on the books at the equity transfer and still customers at
    the month's end / customers on the books at the transfer (the core's cohort helper).
    """
    return api.inherited_retention(
        context, CUSTOMERS, since="since", lost="lost_on", customer="customer_id"
    )
