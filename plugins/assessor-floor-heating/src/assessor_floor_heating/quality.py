"""二、服务质量 (2.2): technicians' exams, the service process, attitude; major complaints.

服务流程优化 (2.2.2) is an improvement, so the plugin gives the level (the mean time from
opening a ticket to resolving it) and the scheme scores its change against the level before
the equity transfer (``x - baseline(x)``).
"""

from __future__ import annotations

from typing import Any

from assessor_floor_heating import _common as c
from assessor_floor_heating.tables import COMPLAINTS, MAJOR, SURVEYS, TICKETS, TRAINING


def technician_exam_score(context: Any) -> Any:
    """2.2.1 技术人员考核: the mean skills-exam mark (0–100) of the exams sat in the month."""
    rows = context.monthly(TRAINING, "session_date")
    return c.mean_mark(context, rows, "exam_score")


def resolution_hours(context: Any) -> Any:
    """2.2.2 服务流程（效率）: the mean hours from opening to resolution of the tickets
    resolved in the month (a ticket still open does not count until it is resolved).
    """
    rows = context.monthly(TICKETS, "resolved_at")
    return c.mean_hours(context, rows, "opened_at", "resolved_at")


def attitude_score(context: Any) -> Any:
    """2.2.3 服务态度评分: the mean attitude score (0–10) of the month's surveys."""
    return c.mean_mark(context, context.monthly(SURVEYS, "surveyed_on"), "attitude_score")


def _major(context: Any) -> Any:
    rows = context.monthly(COMPLAINTS, "complaint_date")
    return rows.filter(rows.severity == MAJOR)


def major_complaints(context: Any) -> Any:
    """重大投诉件数: major complaints dated in the month (no row: none)."""
    return c.count(context, _major(context))


def major_complaints_listed(context: Any) -> Any:
    """Evidence of ``major_complaints``: the complaints, with the customer and the date."""
    return c.listed(context, _major(context), "complaint_id", "customer_id", "complaint_date")
