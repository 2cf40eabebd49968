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


def call_answer_rate(context: Any) -> Any:
    """5.2.2 客户沟通效率（电话接通率）: calls answered / calls received in the month."""
    rows = context.monthly(CALLS, "called_at")
    return c.share(context, rows, rows.answered == YES)


def email_reply_within(context: Any, hours: int | Fraction) -> Any:
    """5.2.2 客户沟通效率（邮件回复速度）: e-mails replied to within ``hours`` / e-mails
    received in the month (one not replied to is not within).
    """
    rows = context.monthly(EMAILS, "received_at")
    return c.within_hours(context, rows, "received_at", "replied_at", hours)


def channel_satisfaction(context: Any) -> Any:
    """5.2.3 沟通渠道满意度: the mean channel satisfaction (0–100) of the month's surveys
    that answered it, whatever the channel.
    """
    rows = context.monthly(SURVEYS, "surveyed_on")
    return c.mean_mark(context, rows, "channel_score")
