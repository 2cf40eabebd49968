"""Checked scheme -> one Ibis expression that computes every rule outcome.

The plan is built on unbound tables named after the scheme's inputs, so it runs unchanged on
any backend that has tables of those names. Every value is an exact fraction (see
``engine.exact``); nothing here looks at data.

A *series* is a table ``period, [subject], num, den``: a metric's value per period and, below
store level, per subject. Absent rows and null denominators mean n/a.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

import attrs
import ibis
import ibis.expr.types as ir

from assessor.engine.exact import EXACT, Exact
from assessor.errors import fail
from assessor.model import scheme as m
from assessor.model.registry import TableSpec

STORE_SUBJECT = "store"
# the checker allows at most 2 decimals (分) in an amount
MONEY = "decimal(18, 2)"
_TYPES = {"integer": "int64", "text": "string", "date": "date", "decimal": "decimal(38, 9)"}


@attrs.frozen
class MetricContext:
    """What a plugin metric's ``compute`` receives.

    ``table(name)`` gives an input table; ``subject_column`` is the column of the metric's
    subject table to group by (None: the store as a whole); values are needed for every month
    from ``first_period`` to ``last_period`` (first days of months), and the metric may skip
    reading data that cannot affect those months.
    """

    tables: Mapping[str, ir.Table]
    subject_column: str | None
    first_period: dt.date
    last_period: dt.date

    def table(self, name: str) -> ir.Table:
        """The input table of that name, as declared by its plugin."""
        return self.tables[name]


def input_table(spec: TableSpec) -> ir.Table:
    """An unbound Ibis table with the declared schema of an input table."""
    return ibis.table({c.name: _TYPES[c.type] for c in spec.columns}, name=spec.name)


def month_date(month: m.Month) -> dt.date:
    """The first day of a month."""
    return dt.date(month.year, month.month, 1)


def total_lookback(scheme: m.Scheme) -> int:
    """How many periods before the first assessed one the metrics need, through all chains."""
    depth: dict[str, int] = {}
    for metric in scheme.metrics:  # dependency order: operands come first
        before = [depth[name] for name in _operands(metric)]
        depth[metric.name] = metric.lookback + max(before, default=0)
    return max(depth.values(), default=0)


def plan_results(
    scheme: m.Scheme,
    first: m.Month,
    last: m.Month,
    mapping_widths: Mapping[tuple[str, str, str], int],
) -> ir.Table:
    """The results of every rule for every subject and period from ``first`` to ``last``.

    ``mapping_widths`` gives, for each (table, subject column, member column) that an
    ``of``-aggregate reads, the largest number of members one subject has; exact sums over
    members are unrolled to that width.
    """
    planner = _Planner(
        scheme, first, first.plus(-total_lookback(scheme)), last, dict(mapping_widths)
    )
    for metric in scheme.metrics:
        planner.series[metric.name] = planner.metric_series(metric)
    parts = [planner.rule_results(rule, role) for rule in scheme.rules for role in rule.roles]
    return ibis.union(*parts).order_by(["period", "role", "subject", "rule"])


@attrs.define
class _Planner:
    scheme: m.Scheme
    assessed_first: m.Month
    first: m.Month  # the earliest period any metric needs
    last: m.Month
    mapping_widths: dict[tuple[str, str, str], int]
    series: dict[str, ir.Table] = attrs.field(factory=dict)
    inputs: dict[str, ir.Table] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        self.inputs = {t.name: input_table(t) for t in self.scheme.tables}

    # -- subjects and periods ----------------------------------------------------------

    def periods(self, first: m.Month) -> ir.Table:
        months = [month_date(m.Month(i)) for i in range(first.index, self.last.index + 1)]
        return ibis.memtable({"period": months}, schema={"period": "date"})

    def frame(self, grain: str | None, first: m.Month) -> ir.Table:
        """Every (period, subject) that exists from ``first`` on: a subject exists from the
        month of its first row (for time-stamped tables) or always.
        """
        periods = self.periods(first)
        if grain is None:
            return periods.mutate(subject=ibis.literal(STORE_SUBJECT))
        role = self.scheme.role(grain)
        table = self.inputs[role.table]
        spec = self.scheme.table(role.table)
        key = table[role.column]
        rows = table.filter(key.notnull())
        if spec.time_column is None:
            subjects = rows.select(subject=key).distinct()
            return periods.cross_join(subjects)
        starts = rows.group_by(subject=key).aggregate(
            since=rows[spec.time_column].min().truncate("M")
        )
        joined = periods.cross_join(starts)
        return joined.filter(joined.since <= joined.period).select("period", "subject")

    # -- metrics -----------------------------------------------------------------------

    def metric_series(self, metric: m.Metric) -> ir.Table:
        definition = metric.definition
        if isinstance(definition, m.PluginMetric):
            series = self.plugin_series(metric, definition)
        elif isinstance(definition, m.OverMapping):
            series = self.mapping_series(definition)
        elif isinstance(definition, m.OverPrevious):
            series = self.previous_series(metric.grain, definition)
        else:
            frame = self.with_values(self.frame(metric.grain, self.first), definition.expr)
            value = self.value(definition.expr, frame)
            series = frame.select("period", "subject", num=value.num, den=value.den)
        return series

    def plugin_series(self, metric: m.Metric, definition: m.PluginMetric) -> ir.Table:
        role = self.scheme.role(metric.grain) if metric.grain else None
        context = MetricContext(
            self.inputs,
            role.column if role else None,
            month_date(self.first),
            month_date(self.last),
        )
        arguments = {name: _plain(value) for name, value in definition.arguments}
        table = definition.spec.compute(context, **arguments)
        _check_plugin_output(definition.spec, table, grain=metric.grain)
        subject = table.subject if metric.grain else ibis.literal(STORE_SUBJECT)
        exact = Exact.of(table.num, table.den)
        return table.select(
            period=table.period.cast("date"),
            subject=subject.cast("string"),
            num=exact.num,
            den=exact.den,
        )

    def mapping_series(self, definition: m.OverMapping) -> ir.Table:
        """Aggregate members' values exactly: the sum of k fractions over the product of their
        denominators, with the products unrolled to the widest subject's member count.
        """
        table = self.inputs[definition.table]
        pairs = table.select(
            subject=table[definition.subject_column], member=table[definition.member_column]
        ).distinct()
        pairs = pairs.filter(pairs.subject.notnull() & pairs.member.notnull())
        values = self.series[definition.metric]
        values = values.filter(Exact(values.num, values.den).is_defined())
        members = pairs.join(values.rename(member="subject"), "member")
        order = ibis.window(group_by=["period", "subject"], order_by="member")
        ranked = members.mutate(position=ibis.row_number().over(order))
        width = max(
            1,
            self.mapping_widths[
                (definition.table, definition.subject_column, definition.member_column)
            ],
        )
        columns = {"count": ranked.member.count()}
        for i in range(width):
            chosen = ranked.position == i
            columns[f"n{i}"] = ranked.num.max(where=chosen)
            columns[f"d{i}"] = ranked.den.max(where=chosen)
        wide = ranked.group_by(["period", "subject"]).aggregate(**columns)
        total = _exact_sum([(wide[f"n{i}"], wide[f"d{i}"]) for i in range(width)])
        result = definition.aggregate.finish(total, Exact.of(wide["count"]))
        return wide.select("period", "subject", num=result.num, den=result.den)

    def previous_series(self, grain: str | None, definition: m.OverPrevious) -> ir.Table:
        values = self.series[definition.metric]
        frame = self.frame(grain, self.first)
        for back in range(1, definition.count + 1):
            shifted = values.select(
                period=(values.period + ibis.interval(months=back)).cast("date"),
                subject=values.subject,
                **{f"n{back}": values.num, f"d{back}": values.den},
            )
            frame = frame.left_join(shifted, ["period", "subject"]).select(
                *frame.columns, f"n{back}", f"d{back}"
            )
        terms = [(frame[f"n{i}"], frame[f"d{i}"]) for i in range(1, definition.count + 1)]
        defined = [n.notnull() & d.notnull() for n, d in terms]
        count = sum(ibis.ifelse(ok, 1, 0) for ok in defined)
        total = _exact_sum(terms)
        result = definition.aggregate.finish(total, Exact.of(count))
        complete = ibis.and_(*defined) if definition.aggregate.strict_over_previous else count > 0
        return frame.select(
            "period",
            "subject",
            num=ibis.ifelse(complete, result.num, ibis.null(EXACT)),
            den=ibis.ifelse(complete, result.den, ibis.null(EXACT)),
        )

    # -- values on a frame -------------------------------------------------------------

    def with_values(self, frame: ir.Table, *exprs: m.Expr | None) -> ir.Table:
        """Join the series of every metric the expressions read onto the frame."""
        for name in sorted({n for e in exprs if e is not None for n in _metric_names(e)}):
            metric = self.scheme.metric(name)
            values = self.series[name]
            alias = self.alias(name)
            columns = {f"{alias}_n": values.num, f"{alias}_d": values.den}
            if metric.grain is None:
                right = values.select("period", **columns)
                keys = ["period"]
            else:
                right = values.select("period", "subject", **columns)
                keys = ["period", "subject"]
            frame = frame.left_join(right, keys).select(*frame.columns, *columns)
        return frame

    def alias(self, metric: str) -> str:
        return f"m{[x.name for x in self.scheme.metrics].index(metric)}"

    def value(self, expr: m.Expr, frame: ir.Table) -> Exact:
        match expr:
            case m.Constant(value=v):
                return Exact.constant(v.numerator, v.denominator)
            case m.MetricValue(metric=name):
                alias = self.alias(name)
                return Exact(frame[f"{alias}_n"], frame[f"{alias}_d"])
            case m.Arithmetic(operator=op, left=a, right=b):
                left, right = self.value(a, frame), self.value(b, frame)
                return {"+": left + right, "-": left - right, "*": left * right, "/": left / right}[
                    op
                ]
        raise TypeError(f"not a value: {expr!r}")

    def condition(self, expr: m.Expr, frame: ir.Table) -> ir.BooleanValue:
        match expr:
            case m.Comparison(operator=op, left=a, right=b):
                return self.value(a, frame).compare(op, self.value(b, frame))
            case m.BoolOp(operator="and", left=a, right=b):
                return self.condition(a, frame) & self.condition(b, frame)
            case m.BoolOp(operator="or", left=a, right=b):
                return self.condition(a, frame) | self.condition(b, frame)
            case m.Negation(operand=a):
                return ~self.condition(a, frame)
        raise TypeError(f"not a condition: {expr!r}")

    # -- rules -------------------------------------------------------------------------

    def rule_results(self, rule: m.Rule, role_name: str) -> ir.Table:
        """One row per subject and assessed period: the clause that fired and its amount.

        A rule whose values include an n/a pays 0 with status n/a.
        """
        role = self.scheme.role(role_name)
        grain = None if role.store_level else role.name
        exprs = [c.condition for c in rule.clauses] + [rule.subject_value, rule.reference_value]
        frame = self.with_values(self.frame(grain, self.assessed_first), *exprs)
        # n/a spreads through exact arithmetic, so checking every compared value covers every
        # metric the rule reads and every division by zero
        compared = [v for c in rule.clauses for v in _compared_values(c.condition)]
        defined = ibis.and_(*(self.value(v, frame).is_defined() for v in compared))
        fired = ibis.cases(
            *((self.condition(c.condition, frame), i + 1) for i, c in enumerate(rule.clauses)),
            else_=0,
        )
        amount = ibis.cases(
            *(
                (fired == i + 1, ibis.literal(c.amount, type=MONEY))
                for i, c in enumerate(rule.clauses)
            ),
            else_=ibis.literal(rule.otherwise or Decimal(0), type=MONEY),
        )
        subject_value = self.optional_value(rule.subject_value, frame)
        reference = self.optional_value(rule.reference_value, frame)
        relation = subject_value.sign_against(reference)
        return frame.select(
            period=frame.period,
            role=ibis.literal(role.name),
            subject=frame.subject,
            rule=ibis.literal(rule.id),
            clause=ibis.ifelse(defined, fired, ibis.null("int64")).cast("int64"),
            amount=ibis.ifelse(defined, amount, ibis.literal(0, type=MONEY)),
            status=ibis.ifelse(defined, "ok", "n/a"),
            value_num=subject_value.num,
            value_den=subject_value.den,
            reference_num=reference.num,
            reference_den=reference.den,
            relation=ibis.ifelse(defined, relation, ibis.null("int8")),
        )

    def optional_value(self, expr: m.Expr | None, frame: ir.Table) -> Exact:
        if expr is None:
            return Exact(ibis.null(EXACT), ibis.null(EXACT))
        return self.value(expr, frame)


def _exact_sum(terms: list[tuple[ir.Value, ir.Value]]) -> Exact:
    """Sum fractions exactly; absent terms count as 0/1. The common denominator is the product
    of all denominators, written so that each term appears once (no nested re-expansion).
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


def _compared_values(condition: m.Expr) -> list[m.Expr]:
    match condition:
        case m.Comparison(left=a, right=b):
            return [a, b]
        case m.BoolOp(left=a, right=b):
            return _compared_values(a) + _compared_values(b)
        case m.Negation(operand=a):
            return _compared_values(a)
    return []


def _metric_names(expr: m.Expr) -> set[str]:
    match expr:
        case m.MetricValue(metric=name):
            return {name}
        case (
            m.Arithmetic(left=a, right=b)
            | m.Comparison(left=a, right=b)
            | m.BoolOp(left=a, right=b)
        ):
            return _metric_names(a) | _metric_names(b)
        case m.Negation(operand=a):
            return _metric_names(a)
    return set()


def _operands(metric: m.Metric) -> set[str]:
    definition = metric.definition
    if isinstance(definition, m.OverMapping | m.OverPrevious):
        return {definition.metric}
    if isinstance(definition, m.Derived):
        return _metric_names(definition.expr)
    return set()


def _plain(value: Fraction) -> int | Fraction:
    return value.numerator if value.denominator == 1 else value


def _check_plugin_output(spec, table: ir.Table, grain: str | None) -> None:
    """A plugin's metric must return the declared columns; say which plugin when it does not."""
    expected = {"period", "num", "den"} | ({"subject"} if grain else set())
    missing = expected - set(getattr(table, "columns", ()))
    if missing:
        fail(
            "E403",
            f"metric {spec.qualified_name} returned no column(s) {', '.join(sorted(missing))}",
            None,
            f"this is a bug in the plugin {spec.plugin!r}; report it to its authors",
        )
