"""Relational building blocks the domain's metrics share.

Every metric places rows in months by one of their dates, keeps the months the engine asked
for, groups per month (and per subject, when the scheme asks for one) and returns an exact
``num / den`` of integers. A month without rows gives no row, which the scheme sees as n/a.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

# Decimal marks (scores) are read in billionths, the precision the loader keeps: their sum
# over the count of marks times this scale is their exact mean.
SCORE_SCALE = 10**9
SECONDS_PER_HOUR = 3600


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s month."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_calendar(first: dt.date, last: dt.date) -> Any:
    """A table of the first days of the months from ``first`` to ``last`` (a calendar, not
    data): metrics that follow customers need a row per month even when nothing happened.
    """
    import ibis

    days = []
    index = first.year * 12 + first.month - 1
    while index <= last.year * 12 + last.month - 1:
        days.append(dt.date(index // 12, index % 12 + 1, 1))
        index += 1
    return ibis.memtable({"period": days}, schema={"period": "date"})


def keys(context: Any) -> list[str]:
    """The grouping columns of a metric's result: the month, and the subject when asked."""
    return ["period"] if context.subject_column is None else ["period", "subject"]


def with_subject(context: Any, table_name: str, rows: Any) -> Any:
    """``rows`` with a text ``subject`` column when the context asks for subjects (rows
    without one are left out), unchanged for the company as a whole.
    """
    column = context.subject_column
    if column is None:
        return rows
    if column not in rows.columns:
        # The checker lets a metric serve any role drawn from a column of the tickets; the
        # other records carry only the team of those columns.
        raise ValueError(
            f"{table_name} has no column {column!r}: compute this metric per team "
            "(a role drawn from heating_tickets.team) or for the company"
        )
    rows = rows.filter(rows[column].notnull())
    return rows.mutate(subject=rows[column].cast("string"))


def monthly(context: Any, table_name: str, date_column: str) -> Any:
    """The rows of a table whose ``date_column`` falls in the requested months, with
    ``period`` (that month's first day) and ``subject``; a blank date places no row.
    """
    import ibis

    rows = context.table(table_name)
    stamp = rows[date_column]
    rows = rows.filter((stamp >= context.first_period) & (stamp < next_month(context.last_period)))
    stamp = rows[date_column]
    rows = rows.mutate(period=ibis.date(stamp.year(), stamp.month(), 1))
    return with_subject(context, table_name, rows)


def share(context: Any, rows: Any, hit: Any) -> Any:
    """Per month (and subject): the rows where ``hit`` holds / all rows."""
    import ibis

    marked = rows.mutate(hit=ibis.ifelse(hit, 1, 0))
    return marked.group_by(keys(context)).aggregate(num=marked.hit.sum(), den=marked.count())


def count(context: Any, rows: Any) -> Any:
    """Per month (and subject): the number of rows, as ``num / 1``."""
    import ibis

    counts = rows.group_by(keys(context)).aggregate(num=rows.count())
    return counts.mutate(den=ibis.literal(1, type="int64"))


def mean_mark(context: Any, rows: Any, column: str, factor: int = 1) -> Any:
    """Per month (and subject): the exact mean of a decimal column's non-blank values, times
    ``factor`` (an integer, such as 20 to put a 1–5 mark on a 100-point scale).
    """
    rows = rows.filter(rows[column].notnull())
    scaled = (rows[column].cast("decimal(38, 9)") * SCORE_SCALE).cast("decimal(38, 0)")
    rows = rows.mutate(scaled=scaled * factor)
    return rows.group_by(keys(context)).aggregate(
        num=rows.scaled.sum(), den=rows.count() * SCORE_SCALE
    )


def elapsed_seconds(start: Any, end: Any) -> Any:
    """Whole seconds from one timestamp to a later one."""
    return end.epoch_seconds() - start.epoch_seconds()


def mean_hours(context: Any, rows: Any, start: str, end: str) -> Any:
    """Per month (and subject): the mean hours from ``start`` to ``end``, exactly (seconds
    over the count times 3600).
    """
    rows = rows.mutate(seconds=elapsed_seconds(rows[start], rows[end]))
    return rows.group_by(keys(context)).aggregate(
        num=rows.seconds.sum(), den=rows.count() * SECONDS_PER_HOUR
    )


def within_hours(context: Any, rows: Any, start: str, end: str, hours: int | Fraction) -> Any:
    """Per month (and subject): rows whose ``end`` is at most ``hours`` after ``start`` / all
    rows. A blank ``end`` (not done yet) is not within.
    """
    limit = Fraction(hours) * SECONDS_PER_HOUR  # compare elapsed * den <= num, exactly
    elapsed = elapsed_seconds(rows[start], rows[end])
    hit = rows[end].notnull() & (elapsed * limit.denominator <= limit.numerator)
    return share(context, rows, hit)
