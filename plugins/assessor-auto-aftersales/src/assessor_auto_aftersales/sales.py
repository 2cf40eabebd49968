"""Salespeople's customer churn (销售人员客户流失率) and the retention of inherited customers.

The seed's formula is 客户流失率 = 失去的客户数 ÷ 起始客户数 × 100%. For a month M:

- 起始客户数 (customers at the start): customers who became customers before M began and
  were not lost before M began (``since`` < first day of M, ``lost_on`` blank or on or after
  it);
- 失去的客户数 (customers lost): those of them whose ``lost_on`` falls in M.

A customer won and lost within M is in neither count: the rate is a share of the customers
the salesperson started the month with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assessor import api
from assessor_auto_aftersales.tables import SALES_CUSTOMERS


def _marked(context: Any) -> Any:
    """Per requested month, the customers on the books at its start, with ``lost`` (1 when
    lost in the month, else 0) and, when asked, ``subject``: the rate counts these rows, its
    evidence lists those with ``lost`` = 1.
    """
    import ibis

    customers = context.table(SALES_CUSTOMERS)
    end = dt.date(
        context.last_period.year + context.last_period.month // 12,
        context.last_period.month % 12 + 1,
        1,
    )
    # only customers on the books at some time in the months asked for can count
    customers = customers.filter(
        (customers.since < end)
        & (customers.lost_on.isnull() | (customers.lost_on >= context.first_period))
    )
    pairs = context.months().cross_join(customers)
    start = pairs.period
    month_end = (start + ibis.interval(months=1)).cast("date")
    on_books = (pairs.since < start) & (pairs.lost_on.isnull() | (pairs.lost_on >= start))
    pairs = pairs.filter(on_books)
    lost = pairs.lost_on.notnull() & (pairs.lost_on < month_end)
    marked = pairs.mutate(lost=ibis.ifelse(lost, 1, 0))
    if context.subject_column is not None:
        marked = marked.filter(marked[context.subject_column].notnull())
        marked = marked.mutate(subject=marked[context.subject_column].cast("string"))
    return marked


def sales_churn_rate(context: Any) -> Any:
    """客户流失率: customers lost in the month / customers on the books at its start."""
    marked = _marked(context)
    return marked.group_by(context.keys).aggregate(num=marked.lost.sum(), den=marked.count())


def lost_customers(context: Any) -> Any:
    """The rate's evidence (流失客户): each customer lost in the month, with its salesperson
    and the dates it was won and lost.
    """
    marked = _marked(context)
    lost = marked.filter(marked.lost == 1)
    return lost.select(*context.keys, "customer_id", "lost_on", "since", "salesperson")


def inherited_retention(context: Any) -> Any:
    """原有客户留存率: customers on the books at the equity transfer and still customers at
    the month's end / customers on the books at the transfer (the core's cohort helper).
    """
    return api.inherited_retention(
        context, SALES_CUSTOMERS, since="since", lost="lost_on", customer="customer_id"
    )
