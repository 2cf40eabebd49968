"""Service requests and complaints: how fast the teams answer and how well they resolve.

Response and resolution are judged in the month their deadline falls in (received + the time
limit), not the month the request came in. So a month's value needs only records up to the
month's end (as-of): a request received on the evening of the 31st, with 24 hours to answer,
is judged in the next month, once its deadline has passed.
"""

from __future__ import annotations

from typing import Any

from assessor_electrical._common import hits_by_team, month_of, share_by_team, within
from assessor_electrical.tables import COMPLAINTS, REQUESTS, RESOLVED_YES

# what a person recognises a request or a complaint by, in a metric's evidence
_REQUEST = ("request_id", "customer_id", "opened_at", "responded_at")
_COMPLAINT = ("complaint_id", "customer_id", "received_at", "closed_at")


def _requests(context: Any, hours: int) -> Any:
    """Requests in the month their time limit ran out, a hit when answered within it."""
    import ibis

    requests = context.table(REQUESTS)
    due = requests.opened_at + ibis.interval(hours=hours)
    on_time = requests.responded_at.notnull() & (requests.responded_at <= due)
    rows = requests.select(
        *context.scope,
        *_REQUEST,
        team=requests.team,
        period=month_of(due),
        hit=ibis.ifelse(on_time.fill_null(False), 1, 0),
    )
    return within(rows, context)


def response_rate(context: Any, hours: int) -> Any:
    """Requests answered within ``hours`` / requests whose time limit ran out in the month."""
    return share_by_team(_requests(context, hours), context)


def answered_requests(context: Any, hours: int) -> Any:
    """Evidence of ``response_rate``: the requests answered within ``hours``."""
    return hits_by_team(_requests(context, hours), context, *_REQUEST)


def _due_complaints(context: Any, days: int) -> Any:
    """Complaints in the month their time limit ran out, a hit when resolved within it.

    Resolved means closed by the deadline and marked resolved (是); a complaint closed in time
    but unresolved, or still open at its deadline, counts against the team.
    """
    import ibis

    complaints = context.table(COMPLAINTS)
    due = complaints.received_at + ibis.interval(days=days)
    in_time = (
        complaints.closed_at.notnull()
        & (complaints.closed_at <= due)
        & (complaints.resolved == RESOLVED_YES)
    )
    rows = complaints.select(
        *context.scope,
        *_COMPLAINT,
        team=complaints.team,
        period=month_of(due),
        hit=ibis.ifelse(in_time.fill_null(False), 1, 0),
    )
    return within(rows, context)


def complaints_resolved_within(context: Any, days: int) -> Any:
    """Complaints resolved within ``days`` / complaints whose time limit ran out in the month."""
    return share_by_team(_due_complaints(context, days), context)


def resolved_in_time(context: Any, days: int) -> Any:
    """Evidence of ``complaints_resolved_within``: the complaints resolved within ``days``."""
    return hits_by_team(_due_complaints(context, days), context, *_COMPLAINT)


def _closed_complaints(context: Any) -> Any:
    """Complaints in the month they were closed, a hit when resolved (是)."""
    import ibis

    complaints = context.table(COMPLAINTS)
    closed = complaints.filter(complaints.closed_at.notnull())
    rows = closed.select(
        *context.scope,
        *_COMPLAINT,
        team=closed.team,
        period=month_of(closed.closed_at),
        hit=ibis.ifelse(closed.resolved == RESOLVED_YES, 1, 0),
    )
    return within(rows, context)


def complaint_resolution(context: Any) -> Any:
    """Complaints closed in the month and resolved (是) / all complaints closed in the month."""
    return share_by_team(_closed_complaints(context), context)


def resolved_complaints(context: Any) -> Any:
    """Evidence of ``complaint_resolution``: the complaints closed in the month as resolved."""
    return hits_by_team(_closed_complaints(context), context, *_COMPLAINT)
