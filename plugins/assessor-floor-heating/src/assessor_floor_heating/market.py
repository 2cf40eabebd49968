"""四、市场反馈 (4.2): report counts and the response to changed customer needs."""

from __future__ import annotations

from typing import Any

from assessor_floor_heating import _common as c
from assessor_floor_heating.tables import COMPETITOR, NEEDS, REPORTS, RESEARCH


def _reports(context: Any, kind: str) -> Any:
    rows = context.monthly(REPORTS, "submitted_on")
    return rows.filter(rows.kind == kind)


def _listed(context: Any, kind: str) -> Any:
    """Evidence: the reports of the kind handed in in the month."""
    return c.listed(context, _reports(context, kind), "report_id", "submitted_on", "author")


def research_reports(context: Any) -> Any:
    """4.2.1 市场调研报告数量: market research reports handed in in the month."""
    return c.count(context, _reports(context, RESEARCH))


def research_reports_listed(context: Any) -> Any:
    """Evidence of ``research_reports``: the reports."""
    return _listed(context, RESEARCH)


def competitor_reports(context: Any) -> Any:
    """4.2.2 竞争对手分析报告数量: competitor analyses handed in in the month."""
    return c.count(context, _reports(context, COMPETITOR))


def competitor_reports_listed(context: Any) -> Any:
    """Evidence of ``competitor_reports``: the analyses."""
    return _listed(context, COMPETITOR)


def needs_response_days(context: Any) -> Any:
    """4.2.3 客户需求变化响应速度: the mean days from noticing a change in a customer's needs
    to adjusting the service, over the changes responded to in the month.
    """
    rows = context.monthly(NEEDS, "responded_on")
    rows = rows.mutate(days=rows.responded_on.delta(rows.noticed_on, unit="day"))
    return rows.group_by(context.keys).aggregate(num=rows.days.sum(), den=rows.count())
