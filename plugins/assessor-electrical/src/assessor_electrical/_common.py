"""Small relational helpers the domain's metrics share: months, month ends, team keys."""

from __future__ import annotations

from typing import Any


def month_end(first_day: Any) -> Any:
    """The last day of the month that starts on ``first_day`` (an Ibis date)."""
    import ibis

    return (first_day + ibis.interval(months=1) - ibis.interval(days=1)).cast("date")


def month_of(moment: Any) -> Any:
    """The first day of the month a date or timestamp falls in, as a date."""
    return moment.truncate("M").cast("date")


def within(rows: Any, context: Any) -> Any:
    """Only the rows whose ``period`` is one of the months the engine asked for."""
    return rows.filter((rows.period >= context.first_period) & (rows.period <= context.last_period))


def share_by_team(rows: Any, context: Any) -> Any:
    """``num`` = rows with ``hit`` = 1, ``den`` = all rows, per month and (when asked) team.

    The metrics are keyed by their own ``team`` column: a scheme's role matches its subjects
    with those values, whichever table the role is drawn from.
    """
    rows, keys = _by_team(rows, context)
    return rows.group_by(keys).aggregate(num=rows.hit.sum(), den=rows.count())


def hits_by_team(rows: Any, context: Any, *columns: str) -> Any:
    """The evidence of ``share_by_team``: the rows with ``hit`` = 1, as ``period``, the team
    as ``subject`` (when asked) and ``columns``.
    """
    rows, keys = _by_team(rows.filter(rows.hit == 1), context)
    return rows.select(*keys, *columns)


def _by_team(rows: Any, context: Any) -> tuple[Any, list[str]]:
    keys = ["period", *context.scope]
    if context.subject_column is not None:
        rows = rows.mutate(subject=rows.team.cast("string"))
        keys.append("subject")
    return rows, keys
