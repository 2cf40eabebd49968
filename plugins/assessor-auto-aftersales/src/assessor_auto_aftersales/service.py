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
# what a person recognises a ticket or a complaint by, in the evidence of a metric
_TICKET = ("ticket_id", "customer_id", "agent", "opened_at")
_COMPLAINT = ("complaint_id", "complaint_date", "agent")


def _within(context: Any, done_column: str, hours: int | Fraction) -> Any:
    """The month's tickets, and whether ``done_column`` is at most ``hours`` after opening."""
    rows = context.monthly(TICKETS, "opened_at")
    limit = Fraction(hours) * 3600  # seconds, exactly: compare elapsed * den <= num
    elapsed = rows[done_column].epoch_seconds() - rows.opened_at.epoch_seconds()
    hit = rows[done_column].notnull() & (elapsed * limit.denominator <= limit.numerator)
    return rows, hit


def response_within(context: Any, hours: int | Fraction) -> Any:
    """响应及时率: tickets first answered within ``hours`` of opening / tickets opened."""
    return context.share(*_within(context, "first_response_at", hours))


def answered_tickets(context: Any, hours: int | Fraction) -> Any:
    """Evidence of ``response_within``: the tickets first answered within ``hours``."""
    rows, hit = _within(context, "first_response_at", hours)
    return context.hits(rows, hit, *_TICKET, "first_response_at")


def resolution_within(context: Any, hours: int | Fraction) -> Any:
    """问题解决率（时限内）: tickets resolved within ``hours`` of opening / tickets opened."""
    return context.share(*_within(context, "resolved_at", hours))


def resolved_tickets(context: Any, hours: int | Fraction) -> Any:
    """Evidence of ``resolution_within``: the tickets resolved within ``hours``."""
    return context.hits(*_within(context, "resolved_at", hours), *_TICKET, "resolved_at")


def _first_contact(context: Any) -> Any:
    rows = context.monthly(TICKETS, "opened_at")
    return rows, rows.first_contact_resolved == YES


def first_contact_resolution(context: Any) -> Any:
    """一次响应解决率: tickets resolved at the first contact / tickets opened."""
    return context.share(*_first_contact(context))


def first_contact_tickets(context: Any) -> Any:
    """Evidence of ``first_contact_resolution``: the tickets resolved at the first contact."""
    return context.hits(*_first_contact(context), *_TICKET, "resolved_at")


def satisfaction(context: Any) -> Any:
    """客户满意度: the mean of the survey scores of the tickets opened in the month."""
    rows = context.monthly(TICKETS, "opened_at")
    rows = rows.filter(rows.satisfaction.notnull())
    scaled = (rows.satisfaction.cast("decimal(38, 9)") * SCORE_SCALE).cast("decimal(38, 0)")
    rows = rows.mutate(scaled=scaled)
    return rows.group_by(context.keys).aggregate(
        num=rows.scaled.sum(), den=rows.count() * SCORE_SCALE
    )


def _calls(context: Any) -> Any:
    rows = context.monthly(CALLS, "called_at")
    return rows, rows.answered == YES


def answer_rate(context: Any) -> Any:
    """接听率: incoming calls answered / incoming calls."""
    return context.share(*_calls(context))


def answered_calls(context: Any) -> Any:
    """Evidence of ``answer_rate``: the calls answered."""
    return context.hits(*_calls(context), "call_id", "called_at")


def complaint_class_name(complaint_class: int) -> str:
    """一类, 二类 or 三类 for 1, 2 or 3."""
    if complaint_class not in (1, 2, 3):
        raise ValueError(f"complaint_class is 1, 2 or 3 (一类/二类/三类), not {complaint_class}")
    return COMPLAINT_CLASSES[complaint_class - 1]


def _of_class(context: Any, complaint_class: int) -> Any:
    rows = context.monthly(COMPLAINTS, "complaint_date")
    return rows.filter(rows.complaint_class == complaint_class_name(complaint_class))


def complaints(context: Any, complaint_class: int) -> Any:
    """责任投诉件数: responsibility complaints of one class dated in the month."""
    import ibis

    rows = _of_class(context, complaint_class)
    counts = rows.group_by(context.keys).aggregate(num=rows.count())
    return counts.mutate(den=ibis.literal(1, type="int64"))


def complaints_of_class(context: Any, complaint_class: int) -> Any:
    """Evidence of ``complaints``: the complaints of the class dated in the month."""
    return _of_class(context, complaint_class).select(*context.keys, *_COMPLAINT)


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


def complaints_filed(context: Any) -> Any:
    """Evidence of ``complaint_rate``: the month's complaints of every class. A month with
    complaints but no tickets lists them although the rate is n/a.
    """
    found = context.monthly(COMPLAINTS, "complaint_date")
    return found.select(*context.keys, *_COMPLAINT, "complaint_class")
