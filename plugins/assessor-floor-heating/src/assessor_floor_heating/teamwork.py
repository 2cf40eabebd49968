"""六、团队协作 (6.2): training participation, joint projects and team cohesion."""

from __future__ import annotations

from typing import Any

from assessor_floor_heating import _common as c
from assessor_floor_heating.tables import COHESION, PROJECTS, TRAINING, YES

# a 1–5 answer on the 100-point scale of a rubric: 4 of 5 is 80
COHESION_FACTOR = 20


def _invitations(context: Any) -> tuple[Any, Any]:
    rows = context.monthly(TRAINING, "session_date")
    return rows, rows.attended == YES


def training_participation(context: Any) -> Any:
    """6.2.1 培训参与率: invitations to the month's sessions attended / invitations."""
    return context.share(*_invitations(context))


def attended_sessions(context: Any) -> Any:
    """Evidence of ``training_participation``: who attended which session."""
    return context.hits(*_invitations(context), "employee", "session", "session_date")


def _projects(context: Any) -> tuple[Any, Any]:
    rows = context.monthly(PROJECTS, "due_on")
    return rows, rows.completed_on.notnull() & (rows.completed_on <= rows.due_on)


def project_completion_rate(context: Any) -> Any:
    """6.2.2 团队协作项目完成率: projects due in the month completed by their due date /
    projects due in the month. Whether a project due in a month was done on time is known
    at that month's end, so a later completion never changes the month.
    """
    return context.share(*_projects(context))


def projects_on_time(context: Any) -> Any:
    """Evidence of ``project_completion_rate``: the projects completed by their due date."""
    columns = ("project_id", "project", "due_on", "completed_on")
    return context.hits(*_projects(context), *columns)


def cohesion_index(context: Any) -> Any:
    """6.2.3 团队凝聚力指数: the mean cohesion answer (1–5) of the month times 20 (0–100)."""
    rows = context.monthly(COHESION, "surveyed_on")
    return c.mean_mark(context, rows, "score", factor=COHESION_FACTOR)
