"""一、客户满意度 (1.2): response speed, the service quality score and the satisfaction index.

A ticket counts in the month it was opened; a survey in the month it was answered. A ticket
whose first response is blank counts as not answered within the limit: run a month once its
last tickets are past the limit, a day or two into the next month.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from assessor_floor_heating import _common as c
from assessor_floor_heating.tables import SURVEYS, TICKETS


def response_within(context: Any, hours: int | Fraction) -> Any:
    """1.2.1 服务响应时间: tickets first answered within ``hours`` of opening / tickets opened."""
    rows = context.monthly(TICKETS, "opened_at")
    return c.within_hours(context, rows, "opened_at", "first_response_at", hours)


def answered_tickets(context: Any, hours: int | Fraction) -> Any:
    """Evidence of ``response_within``: the tickets first answered within ``hours``."""
    rows = context.monthly(TICKETS, "opened_at")
    hit = c.within(rows, "opened_at", "first_response_at", hours)
    columns = ("ticket_id", "customer_id", "technician", "opened_at", "first_response_at")
    return context.hits(rows, hit, *columns)


def quality_score(context: Any) -> Any:
    """1.2.2 服务质量评分: the mean service quality score (0–10) of the month's surveys."""
    return c.mean_mark(context, context.monthly(SURVEYS, "surveyed_on"), "quality_score")


def satisfaction_index(context: Any) -> Any:
    """1.2.3 客户满意度指数: the mean overall satisfaction (0–100) of the month's surveys."""
    return c.mean_mark(context, context.monthly(SURVEYS, "surveyed_on"), "satisfaction")
