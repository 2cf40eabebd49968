"""Tiny in-memory input tables and a metric runner for the floor-heating tests.

Tables get exactly the types the loader gives (timestamps, dates, decimal(38, 9)); a metric
runs through DuckDB via Ibis and its result is read back as exact fractions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import ibis
import pyarrow as pa
from assessor_floor_heating import tables

from assessor.data.rows import ibis_schema
from assessor.engine.plan import MetricContext

D = dt.date
SPECS = {spec.name: spec for spec in tables.all_tables()}


def T(text: str) -> dt.datetime:
    """A timestamp written as in the CSV files: ``2026-01-05 09:00:00``."""
    return dt.datetime.fromisoformat(text)


def table(name: str, rows: list[dict]) -> ibis.Table:
    """An input table with its declared schema; missing keys are blanks (null)."""
    spec = SPECS[name]
    columns = [c.name for c in spec.columns]
    data = {
        column: [_typed(row.get(column), spec.column(column).type) for row in rows]
        for column in columns
    }
    schema = ibis.schema(ibis_schema(spec)).to_pyarrow()
    return ibis.memtable(pa.table(data, schema=schema))


def _typed(value, column_type: str):
    if value is None or column_type != "decimal":
        return value
    return Decimal(str(value))


def context(
    inputs: dict[str, list[dict]],
    first: dt.date,
    last: dt.date,
    subject: str | None = "team",
    transfer: dt.date | None = None,
) -> MetricContext:
    """What the engine hands a metric: the tables, the subject column and the months."""
    tables_ = {name: table(name, rows) for name, rows in inputs.items()}
    return MetricContext(tables_, subject, first, last, transfer)


def counted(compute, inputs, first, last, subject="team", transfer=None, **arguments) -> dict:
    """The metric's ``(num, den)`` per ``(period, subject)`` (per period for the company),
    as the metric counts them (the counts a person reads in an explanation).
    """
    result = compute(context(inputs, first, last, subject, transfer), **arguments)
    key = (lambda r: r["period"]) if subject is None else (lambda r: (r["period"], r["subject"]))
    return {key(r): (int(r["num"]), int(r["den"])) for r in result.to_pyarrow().to_pylist()}


def run(compute, inputs, first, last, subject="team", transfer=None, **arguments) -> dict:
    """The metric's exact values: ``{(period, subject): Fraction}`` (per period for the
    company as a whole).
    """
    pairs = counted(compute, inputs, first, last, subject, transfer, **arguments)
    return {key: Fraction(num, den) for key, (num, den) in pairs.items()}
