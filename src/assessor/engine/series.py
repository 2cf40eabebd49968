"""Metric values as relational series: one Ibis table per metric,
``period, store, subject, num, den``.

A series holds a metric's exact value (num / den, reduced) per period and store and, below
store level, per subject; an absent row or a null denominator is n/a. ``store`` is the store's
name in a scheme that says ``stores by``, and empty when the data is one store. Monthly
metrics (plugin data) have one row per month; the others one per assessed period (a month,
quarter, half-year or year), each period named by the date of its first day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from fractions import Fraction

import attrs
import ibis
import ibis.expr.datatypes as dt_types
import ibis.expr.types as ir

from assessor.data.rows import ibis_schema
from assessor.engine.exact import EXACT, Exact
from assessor.errors import AssessorError, fail
from assessor.model import scheme as m
from assessor.model.registry import TableSpec

STORE_SUBJECT = m.STORE_SUBJECT
# the key column holding a row's store in every series and outcome (see ``Scheme.stores``)
STORE = "store"
# its value when the data is one store
ONE_STORE = ""
# what every series is keyed by
KEYS = ["period", STORE, "subject"]
# how far back `missing carry` looks for an earlier value
CARRY_MONTHS = 12


_INTEGER = dt_types.Decimal(38, 0)
_INTEGERS = dt_types.Array(_INTEGER)


# Exact integers need gcd, lcm and a quotient that stays an integer (an engine's decimal
# division may go through a double); evaluate.install_functions defines them in the backend.
@ibis.udf.scalar.builtin(name="assessor_gcd")
def assessor_gcd(a: _INTEGER, b: _INTEGER) -> _INTEGER:
    """The greatest common divisor of two integers."""


@ibis.udf.scalar.builtin(name="assessor_lcm")
def assessor_lcm(values: _INTEGERS) -> _INTEGER:
    """The least common multiple of a list of integers."""


@ibis.udf.scalar.builtin(name="assessor_quotient")
def assessor_quotient(a: _INTEGER, b: _INTEGER) -> _INTEGER:
    """A // b for integers (b divides a, or the floor is wanted)."""


@attrs.frozen
class MetricContext:
    """What a plugin metric's ``compute`` receives.

    ``table(name)`` gives an input table; ``subject_column`` is the column of the metric's
    subject table to group by (None: the store as a whole); values are needed for every month
    from ``first_period`` to ``last_period`` (first days of months), and the metric may skip
    reading data that cannot affect those months. ``transfer_date`` is the day of the equity
    transfer the scheme declares (None when it declares none). ``monthly``, ``months``,
    ``with_subject``, ``keys``, and ``share`` with its evidence ``hits``, are the building
    blocks most metrics start from.

    ``stores``: the data holds many stores, each input table has a ``store`` column, and the
    metric is computed for each store as if it were alone: group by ``keys`` and partition
    windows by ``scope`` (a customer who visits two stores is followed in each separately).
    """

    tables: Mapping[str, ir.Table]
    subject_column: str | None
    first_period: dt.date
    last_period: dt.date
    transfer_date: dt.date | None = None
    stores: bool = False
    computed_once: Callable[[ir.Table], ir.Table] | None = attrs.field(default=None, eq=False)

    def table(self, name: str) -> ir.Table:
        """The input table of that name, as declared by its plugin."""
        return self.tables[name]

    def once(self, rows: ir.Table) -> ir.Table:
        """The same rows, computed once per run: every metric of the run that asks for an
        equal expression reads one result. For the expensive step several metrics share, such
        as one pass over the visits that both a store's and its groups' churn rates count.
        """
        return rows if self.computed_once is None else self.computed_once(rows)

    @property
    def scope(self) -> list[str]:
        """What every window and grouping of a metric is partitioned by: ``store`` when the
        data holds many stores, else nothing.
        """
        return [STORE] if self.stores else []

    @property
    def keys(self) -> list[str]:
        """What a metric's result is grouped by: ``period``, ``store`` when the data holds
        many stores, and ``subject`` when asked.
        """
        subject = [] if self.subject_column is None else ["subject"]
        return ["period", *self.scope, *subject]

    @property
    def after_last(self) -> dt.date:
        """The first day after the last requested month (an exclusive end)."""
        return month_date(m.Month.of(self.last_period).plus(1))

    def months(self) -> ir.Table:
        """A calendar of the requested months (``period``, first days): metrics that follow
        customers need a row per month even when no record falls in it.
        """
        first, last = m.Month.of(self.first_period), m.Month.of(self.last_period)
        return calendar(first, last.index - first.index + 1)

    def with_subject(self, rows: ir.Table, name: str = "the rows") -> ir.Table:
        """``rows`` (of the table ``name``) with a text ``subject`` from the subject column
        when subjects are asked for (rows without one are left out); unchanged for the store.
        """
        column = self.subject_column
        if column is None:
            return rows
        if column not in rows.columns:
            # the checker prevents this when the metric declares its subject_columns
            raise ValueError(f"{name} has no column {column!r} to group by")
        rows = rows.filter(rows[column].notnull())
        return rows.mutate(subject=rows[column].cast("string"))

    def share(self, rows: ir.Table, hit: ir.BooleanValue) -> ir.Table:
        """Per period (and subject): the rows where ``hit`` holds / all rows (a rate)."""
        marked = rows.mutate(hit=ibis.ifelse(hit, 1, 0))
        return marked.group_by(self.keys).aggregate(num=marked.hit.sum(), den=marked.count())

    def hits(self, rows: ir.Table, hit: ir.BooleanValue, *columns: str) -> ir.Table:
        """The evidence of ``share(rows, hit)``: the rows where ``hit`` holds, as ``period``,
        ``subject`` (when asked) and ``columns``; as many as the rate's numerator.
        """
        return rows.filter(hit).select(*self.keys, *columns)

    def monthly(self, name: str, date_column: str) -> ir.Table:
        """The rows of an input table whose ``date_column`` (a date or time) falls in the
        requested months, with ``period`` (that month's first day) and, when asked,
        ``subject``; a blank date places no row.
        """
        rows = self.table(name)
        stamp = rows[date_column]
        rows = rows.filter((stamp >= self.first_period) & (stamp < self.after_last))
        stamp = rows[date_column]
        rows = rows.mutate(period=ibis.date(stamp.year(), stamp.month(), 1))
        return self.with_subject(rows, name)


def input_tables(scheme: m.Scheme) -> dict[str, ir.Table]:
    """Every input table of a scheme by name, as ``input_table`` gives it."""
    return {t.name: input_table(t, scheme.stores) for t in scheme.tables}


def input_table(spec: TableSpec, stores: str | None = None) -> ir.Table:
    """An unbound Ibis table with the declared schema of an input table; with ``stores``
    (the scheme's store column) the rows' store is also in the column ``store``.
    """
    table = ibis.table(ibis_schema(spec), name=spec.name)
    if stores is None or stores == STORE:
        return table
    return table.mutate(**{STORE: table[stores]})


def calendar(first: m.Month, count: int, step: int = 1) -> ir.Table:
    """A table ``period`` of the first days of ``count`` periods of ``step`` months from
    ``first``, computed by the engine (an in-memory table would make Ibis import pandas, and
    each engine would have to receive it).
    """
    numbers = _numbers(count)
    # from month numbers, not date + interval: DuckDB would make that a timestamp
    month = first.index + numbers.i * step
    return numbers.select(period=ibis.date(month // 12, month % 12 + 1, 1))


def one_store() -> ir.Table:
    """The one store of a scheme without ``stores by``: a single row ``store`` = ''."""
    return _numbers(1).select(**{STORE: ibis.literal(ONE_STORE)})


def _numbers(count: int) -> ir.Table:
    """A table ``i`` of 0 .. count - 1, computed by the engine."""
    return ibis.range(count).unnest().name("i").as_table()


def month_date(month: m.Month) -> dt.date:
    """The first day of a month."""
    return dt.date(month.year, month.month, 1)


def period_start(date: ir.DateValue, kind: str) -> ir.DateValue:
    """The first day of the period of ``kind`` a date falls in."""
    months = m.PERIOD_MONTHS[kind]
    month = ((date.month() - 1) // months) * months + 1
    return ibis.date(date.year(), month, 1)


def reduced(value: Exact) -> Exact:
    """Num / den in lowest terms, so that equal values have equal columns (and stay small)."""
    divisor = assessor_gcd(value.num, value.den)
    return Exact(assessor_quotient(value.num, divisor), assessor_quotient(value.den, divisor))


def group_sum(table: ir.Table, keys: list[str]) -> ir.Table:
    """Per group: the exact sum of the defined values (``num``/``den``) and their count.

    The common denominator is the least common multiple of the group's denominators.
    """
    defined = table.filter(table.num.notnull() & table.den.notnull())
    common = defined.group_by(keys).aggregate(lcm=assessor_lcm(defined.den.collect()))
    scaled = defined.join(common, keys)
    terms = scaled.select(*keys, term=scaled.num * assessor_quotient(scaled.lcm, scaled.den))
    totals = terms.group_by(keys).aggregate(total=terms.term.sum(), count=terms.term.count())
    return totals.join(common, keys).select(
        *keys, num=ibis._.total.cast(EXACT), den=ibis._.lcm, count=ibis._["count"]
    )


def exact_sum(terms: list[tuple[ir.Value, ir.Value]]) -> Exact:
    """Sum a few fractions exactly; absent terms count as 0/1. The common denominator is the
    product of all denominators, written so that each term appears once.
    """
    nums = [n.cast(EXACT).fill_null(0) for n, _ in terms]
    dens = [d.cast(EXACT).fill_null(1) for _, d in terms]
    numerator = sum(
        (nums[i] * _product(dens[:i] + dens[i + 1 :]) for i in range(len(terms))),
        start=ibis.literal(0, type=EXACT),
    )
    return Exact(numerator, _product(dens))


def _product(values: list[ir.Value]) -> ir.Value:
    result: ir.Value = ibis.literal(1, type=EXACT)
    for value in values:
        result = result * value
    return result


def order_key(num: ir.Value, den: ir.Value) -> ir.FloatingValue:
    """A sort key for exact values. Series are reduced, so equal values have identical
    num and den and therefore identical keys; distinct values differ unless they agree to
    about 15 significant digits (see docs/architecture.md).
    """
    return num.cast("float64") / den.cast("float64")


def constant(value: Fraction) -> Exact:
    """An exact constant."""
    return Exact.constant(value.numerator, value.denominator)


def plugin_output(spec, context: MetricContext, arguments: Mapping) -> ir.Table:
    """Call a plugin metric's ``compute`` and check what it returns (see
    ``check_plugin_output``); a plugin that raises is named too (E404).
    """
    try:
        table = spec.compute(context, **arguments)
    except AssessorError:
        raise
    except Exception as error:  # a plugin may raise anything; say whose bug it is
        fail(
            "E404",
            f"metric {spec.qualified_name} raised {type(error).__name__}: {error}",
            None,
            _plugin_bug(spec),
        )
    grain = "subject" if context.subject_column is not None else None
    check_plugin_output(spec, table, grain, context.stores)
    return table


# the types a metric's columns may have: exact integers (a fraction's parts), a day, a name
_OUTPUT_TYPES = {
    "period": ("a date", lambda t: t.is_date() or t.is_timestamp()),
    # Ibis types a sum of decimal(38, 0) as decimal(38, 2), so any decimal scale passes;
    # a float (a mean) is refused: it would be cut to an integer, a silently wrong value
    "num": ("an integer or a decimal", lambda t: t.is_integer() or t.is_decimal()),
    "den": ("an integer or a decimal", lambda t: t.is_integer() or t.is_decimal()),
    "subject": ("text or an integer", lambda t: t.is_string() or t.is_integer()),
    STORE: ("text", lambda t: t.is_string()),
}


def check_plugin_output(spec, table: ir.Table, grain: str | None, stores: bool = False) -> None:
    """A plugin's metric must return an Ibis table with the declared columns and types (E403):
    ``period`` (a date), ``num`` and ``den`` (integers), ``subject`` when computed per subject,
    ``store`` when the data holds many stores. The message names the plugin and the metric.
    """
    if not isinstance(table, ir.Table):
        _wrong_output(spec, f"returned {type(table).__name__}, not an Ibis table")
    expected = {"period", "num", "den"} | ({"subject"} if grain else set())
    expected |= {STORE} if stores else set()
    missing = expected - set(table.columns)
    if missing:
        _wrong_output(
            spec,
            f"returned no column(s) {', '.join(sorted(missing))}",
            "group by context.keys (period, store when there are many, subject when asked)"
            if missing & {"subject", STORE}
            else None,
        )
    schema = table.schema()
    wrong = [
        f"{name} is {schema[name]}, not {wanted}"
        for name, (wanted, fits) in _OUTPUT_TYPES.items()
        if name in expected and not fits(schema[name])
    ]
    if wrong:
        _wrong_output(spec, f"returned wrong types: {'; '.join(wrong)}")


def _wrong_output(spec, what: str, advice: str | None = None) -> None:
    fail("E403", f"metric {spec.qualified_name} {what}", None, _plugin_bug(spec, advice))


def _plugin_bug(spec, advice: str | None = None) -> str:
    hint = f"this is a bug in the plugin {spec.plugin!r}; report it to its authors"
    return f"{hint} ({advice})" if advice else hint
