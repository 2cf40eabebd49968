"""五、沟通效率 (5.2): internal hand-overs, calls and e-mails, and the channels' satisfaction."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from assessor_floor_heating import _common as c
from assessor_floor_heating.tables import CALLS, EMAILS, INTERNAL, SURVEYS, YES


def internal_response_hours(context: Any) -> Any:
    """5.2.1 内部沟通效率（部门间协作时间）: the mean hours from raising a request with another
    department to its answer, over the requests answered in the month.
    """
    rows = context.monthly(INTERNAL, "answered_at")
    return c.mean_hours(context, rows, "raised_at", "answered_at")


def _calls(context: Any) -> tuple[Any, Any]:
    rows = context.monthly(CALLS, "called_at")
    return rows, rows.answered == YES


def call_answer_rate(context: Any) -> Any:
    """5.2.2 客户沟通效率（电话接通率）: calls answered / calls received in the month."""
    return context.share(*_calls(context))


def answered_calls(context: Any) -> Any:
    """Evidence of ``call_answer_rate``: the calls answered."""
    return context.hits(*_calls(context), "call_id", "called_at")


def _emails(context: Any, hours: int | Fraction) -> tuple[Any, Any]:
    rows = context.monthly(EMAILS, "received_at")
    return rows, c.within(rows, "received_at", "replied_at", hours)


def email_reply_within(context: Any, hours: int | Fraction) -> Any:
    """5.2.2 客户沟通效率（邮件回复速度）: e-mails replied to within ``hours`` / e-mails
    received in the month (one not replied to is not within).
    """
    return context.share(*_emails(context, hours))


def emails_replied(context: Any, hours: int | Fraction) -> Any:
    """Evidence of ``email_reply_within``: the e-mails replied to within ``hours``."""
    return context.hits(*_emails(context, hours), "email_id", "received_at", "replied_at")


def channel_satisfaction(context: Any) -> Any:
    """5.2.3 沟通渠道满意度: the mean channel satisfaction (0–100) of the month's surveys
    that answered it, whatever the channel.
    """
    rows = context.monthly(SURVEYS, "surveyed_on")
    return c.mean_mark(context, rows, "channel_score")
