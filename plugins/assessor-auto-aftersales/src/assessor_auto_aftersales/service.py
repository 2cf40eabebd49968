"""After-sales service KPIs (售后服务指标) from tickets, calls and complaints.

Each metric is one relational expression: rows are placed in the month of their time column,
counted per month (and per subject, when the scheme asks for one), and returned as an exact
``num / den``. A month without records gives no row, which the scheme sees as n/a.

A ticket counts in the month it was opened. A ticket whose first response (or resolution) is
blank counts as not answered (not resolved) within the limit: run a month once its last
tickets are past the limit, a few days into the next month.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from assessor_auto_aftersales.tables import CALLS, COMPLAINT_CLASSES, COMPLAINTS, TICKETS, YES

# Satisfaction scores are decimals; read in billionths (the loader keeps 9 decimals), their
# sum over the count of scores is the exact mean.
SCORE_SCALE = 10**9


def _share(context: Any, rows: Any, hit: Any) -> Any:
    """Per period (and subject): rows where ``hit`` holds / all rows."""
    import ibis

    marked = rows.mutate(hit=ibis.ifelse(hit, 1, 0))
    return marked.group_by(context.keys).aggregate(num=marked.hit.sum(), den=marked.count())


def _within(context: Any, done_column: str, hours: int | Fraction) -> Any:
    """Tickets whose ``done_column`` is at most ``hours`` after opening / tickets opened."""
    rows = context.monthly(TICKETS, "opened_at")
    limit = Fraction(hours) * 3600  # seconds, exactly: compare elapsed * den <= num
    elapsed = rows[done_column].epoch_seconds() - rows.opened_at.epoch_seconds()
    hit = rows[done_column].notnull() & (elapsed * limit.denominator <= limit.numerator)
    return _share(context, rows, hit)


def response_within(context: Any, hours: int | Fraction) -> Any:
    """响应及时率: tickets first answered within ``hours`` of opening / tickets opened."""
    return _within(context, "first_response_at", hours)


def resolution_within(context: Any, hours: int | Fraction) -> Any:
    """问题解决率（时限内）: tickets resolved within ``hours`` of opening / tickets opened."""
    return _within(context, "resolved_at", hours)


def first_contact_resolution(context: Any) -> Any:
    """一次响应解决率: tickets resolved at the first contact / tickets opened."""
    rows = context.monthly(TICKETS, "opened_at")
    return _share(context, rows, rows.first_contact_resolved == YES)


def satisfaction(context: Any) -> Any:
    """客户满意度: the mean of the survey scores of the tickets opened in the month."""
    rows = context.monthly(TICKETS, "opened_at")
    rows = rows.filter(rows.satisfaction.notnull())
    scaled = (rows.satisfaction.cast("decimal(38, 9)") * SCORE_SCALE).cast("decimal(38, 0)")
    rows = rows.mutate(scaled=scaled)
    return rows.group_by(context.keys).aggregate(
        num=rows.scaled.sum(), den=rows.count() * SCORE_SCALE
    )


def answer_rate(context: Any) -> Any:
    """接听率: incoming calls answered / incoming calls."""
    rows = context.monthly(CALLS, "called_at")
    return _share(context, rows, rows.answered == YES)


def complaint_class_name(complaint_class: int) -> str:
    """一类, 二类 or 三类 for 1, 2 or 3."""
    if complaint_class not in (1, 2, 3):
        raise ValueError(f"complaint_class is 1, 2 or 3 (一类/二类/三类), not {complaint_class}")
    return COMPLAINT_CLASSES[complaint_class - 1]


def complaints(context: Any, complaint_class: int) -> Any:
    """责任投诉件数: responsibility complaints of one class dated in the month."""
    import ibis

    rows = context.monthly(COMPLAINTS, "complaint_date")
    rows = rows.filter(rows.complaint_class == complaint_class_name(complaint_class))
    counts = rows.group_by(context.keys).aggregate(num=rows.count())
    return counts.mutate(den=ibis.literal(1, type="int64"))


def complaint_rate(context: Any) -> Any:
    """客户投诉率: responsibility complaints (all classes) dated in the month / tickets
    opened in the month. n/a for a month without tickets.
    """
    keys = context.keys
    tickets = context.monthly(TICKETS, "opened_at")
    opened = tickets.group_by(keys).aggregate(den=tickets.count())
    found = context.monthly(COMPLAINTS, "complaint_date")
    filed = found.group_by(keys).aggregate(num=found.count())
    joined = opened.left_join(filed, keys)
    return joined.select(*[opened[k] for k in keys], num=joined.num.fill_null(0), den=joined.den)
