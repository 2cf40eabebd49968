"""Customers: satisfaction surveys, how current their records are, and who stays.

The coverage metrics look at every customer on the books at the end of a month (joined by
then, not lost by then) and ask whether something happened to it in the last few months: a
satisfaction survey, or an update of its record. The team is the one the register names for
the customer, whoever ran the survey or made the update.
"""

from __future__ import annotations

from typing import Any

from assessor import api
from assessor_electrical._common import (
    month_end,
    month_of,
    share_by_team,
    within,
)
from assessor_electrical.tables import CUSTOMERS, SURVEYS, UPDATES


def survey_score(context: Any) -> Any:
    """The mean satisfaction score (1 to 10) of the surveys dated in the month."""
    surveys = context.table(SURVEYS)
    rows = within(surveys.mutate(period=month_of(surveys.survey_date)), context)
    keys = ["period", *context.scope]
    if context.subject_column is not None:
        rows = rows.mutate(subject=rows.team.cast("string"))
        keys.append("subject")
    # integer scores: their sum over their count is the exact mean
    return rows.group_by(keys).aggregate(num=rows.score.sum(), den=rows.count())


def survey_coverage(context: Any, months: int) -> Any:
    """Customers on the books at month end surveyed in the last ``months`` months / all of them."""
    return _active_share(context, SURVEYS, "survey_date", months)


def info_update_rate(context: Any, months: int) -> Any:
    """Customers on the books at month end whose record was updated in the last ``months``
    months / all of them.
    """
    return _active_share(context, UPDATES, "updated_on", months)


def _active_share(context: Any, table: str, day_column: str, months: int) -> Any:
    """Share of the customers on the books at each month's end with an event in the window.

    The window is the month itself and the ``months - 1`` months before it, up to the month's
    last day: nothing dated later is read (as-of).
    """
    import ibis

    register = context.table(CUSTOMERS)
    calendar = context.months()
    calendar = calendar.mutate(
        last_day=month_end(calendar.period),
        window_start=(calendar.period - ibis.interval(months=months - 1)).cast("date"),
    )
    booked = register.cross_join(calendar)
    active = booked.filter(
        (booked.since <= booked.last_day)
        & (booked.lost_on.isnull() | (booked.lost_on > booked.last_day))
    ).select(*context.scope, "customer_id", "team", "period", "last_day", "window_start")
    source = context.table(table)
    # in a dealer group, customer ids are a store's own: an event counts in its store only
    stores = {f"event_{key}": source[key] for key in context.scope}
    events = source.select(
        **stores, event_customer=source.customer_id, event_day=source[day_column]
    )
    seen = [
        *(active[key] == events[f"event_{key}"] for key in context.scope),
        active.customer_id == events.event_customer,
        events.event_day >= active.window_start,
        events.event_day <= active.last_day,
    ]
    covered = active.semi_join(events, seen).mutate(hit=1)
    missed = active.anti_join(events, seen).mutate(hit=0)
    return share_by_team(covered.union(missed), context)


def inherited_retention(context: Any) -> Any:
    """Customers on the books at the transfer and still customers at month end / all of them.

    The core helper follows the cohort; this metric only names the register's columns and
    asks for the ``team`` column when the engine wants values per subject.
    """
    by_team = api.MetricContext(
        tables=context.tables,
        subject_column="team" if context.subject_column is not None else None,
        first_period=context.first_period,
        last_period=context.last_period,
        transfer_date=context.transfer_date,
        stores=context.stores,
    )
    return api.inherited_retention(
        by_team, CUSTOMERS, since="since", lost="lost_on", customer="customer_id"
    )
