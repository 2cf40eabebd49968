"""Relational building blocks the domain's metrics share.

Every metric places rows in months by one of their dates, keeps the months the engine asked
for, groups per month (and per subject, when the scheme asks for one) and returns an exact
``num / den`` of integers. A month without rows gives no row, which the scheme sees as n/a.
A metric's evidence (the records behind its numerator) is built from the same rows and the
same condition as the metric, through ``context.hits`` and ``listed``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

# Decimal marks (scores) are read in billionths, the precision the loader keeps: their sum
# over the count of marks times this scale is their exact mean.
SCORE_SCALE = 10**9
SECONDS_PER_HOUR = 3600


def count(context: Any, rows: Any) -> Any:
    """Per month (and subject): the number of rows, as ``num / 1``."""
    import ibis

    counts = rows.group_by(context.keys).aggregate(num=rows.count())
    return counts.mutate(den=ibis.literal(1, type="int64"))


def listed(context: Any, rows: Any, *columns: str) -> Any:
    """The evidence of ``count(context, rows)``: the rows, as ``period, [subject], columns``."""
    return rows.select(*context.keys, *columns)


def mean_mark(context: Any, rows: Any, column: str, factor: int = 1) -> Any:
    """Per month (and subject): the exact mean of a decimal column's non-blank values, times
    ``factor`` (an integer, such as 20 to put a 1–5 mark on a 100-point scale).
    """
    rows = rows.filter(rows[column].notnull())
    scaled = (rows[column].cast("decimal(38, 9)") * SCORE_SCALE).cast("decimal(38, 0)")
    rows = rows.mutate(scaled=scaled * factor)
    return rows.group_by(context.keys).aggregate(
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
    return rows.group_by(context.keys).aggregate(
        num=rows.seconds.sum(), den=rows.count() * SECONDS_PER_HOUR
    )


def within_hours(context: Any, rows: Any, start: str, end: str, hours: int | Fraction) -> Any:
    """Per month (and subject): rows whose ``end`` is at most ``hours`` after ``start`` / all
    rows. A blank ``end`` (not done yet) is not within.
    """
    return context.share(rows, within(rows, start, end, hours))


def within(rows: Any, start: str, end: str, hours: int | Fraction) -> Any:
    """True where ``end`` is at most ``hours`` after ``start`` (false for a blank ``end``)."""
    limit = Fraction(hours) * SECONDS_PER_HOUR  # compare elapsed * den <= num, exactly
    elapsed = elapsed_seconds(rows[start], rows[end])
    return rows[end].notnull() & (elapsed * limit.denominator <= limit.numerator)
