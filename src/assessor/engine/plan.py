"""Checked scheme -> one Ibis expression that computes every outcome row.

The plan is built on unbound tables named after the scheme's inputs, so it runs unchanged on
any backend that has tables of those names (and the functions of ``series``). Every value is
an exact fraction (see ``engine.exact``); nothing here looks at data.

Metrics become series (``engine.series``); rules, scorecards, grades and money become outcome
rows (``engine.outcomes``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import ibis
import ibis.expr.types as ir

from assessor.engine import series as s
from assessor.engine.exact import EXACT, Exact
from assessor.model import scheme as m

# kept importable from here: plugins' tests and the API name it
MetricContext = s.MetricContext
STORE_SUBJECT = s.STORE_SUBJECT


def lookback_months(scheme: m.Scheme, cadence: str) -> int:
    """How many months before the first assessed period the metrics need, through all chains."""
    depth: dict[str, int] = {}
    for metric in scheme.metrics:  # dependency order: operands come first
        step = 1 if metric.monthly else m.PERIOD_MONTHS[cadence]
        own = metric.lookback * step + (s.CARRY_MONTHS if metric.missing == "carry" else 0)
        before = [depth.get(name, 0) for name in m.operands(metric.definition)]
        depth[metric.name] = own + max(before, default=0)
    return max(depth.values(), default=0)


# How a backend may keep a metric's series before the next metric reads it: by default the
# plan stays one expression; a backend that re-evaluates shared subqueries is better off
# computing each series once (see engine.evaluate).
Stage = Callable[[ir.Table], ir.Table]


def _unstaged(series: ir.Table) -> ir.Table:
    return series


def plan_results(
    scheme: m.Scheme, first: m.Period, last: m.Period, stage: Stage = _unstaged
) -> ir.Table:
    """Every outcome row for every subject and period from ``first`` to ``last``; with a
    review cadence, also the scorecards and grades of every month (without money).

    ``stage`` receives each metric's series as it is planned and returns what later metrics
    and the outcomes read instead (the same rows).
    """
    from assessor.engine.outcomes import Outcomes

    parts = [Outcomes(_planner(scheme, first, last, stage), review=False).rows()]
    if scheme.review_kind is not None:
        months = (
            m.Period.containing(first.first_month, scheme.review_kind),
            m.Period.containing(last.last_month, scheme.review_kind),
        )
        planner = _planner(scheme, *months, stage)
        parts.append(Outcomes(planner, review=True).rows())
    # the assessed periods first, then the review months
    review_last = ibis._.cadence != scheme.period_kind
    return ibis.union(*parts).order_by([review_last, "period", "role", "subject", "kind", "item"])


def baseline_window(scheme: m.Scheme, kind: str, periods: int) -> tuple[m.Month, m.Month]:
    """The first month of the ``periods`` periods before the one holding the transfer date,
    and the first month of that one (not included).
    """
    assert scheme.transfer is not None  # the checker allows baseline(x) only with a transfer
    held = m.Period.containing(m.Month.of(scheme.transfer), kind)
    return m.Period(kind, held.index - periods).first_month, held.first_month


def _baseline_starts(scheme: m.Scheme, cadence: str) -> list[m.Month]:
    return [
        baseline_window(scheme, "month" if x.monthly else cadence, x.definition.periods)[0]
        for x in scheme.metrics
        if isinstance(x.definition, m.Baseline)
    ]


def _planner(scheme, first, last, stage: Stage) -> Planner:
    cadence = first.kind
    earliest = min([first.first_month, *_baseline_starts(scheme, cadence)])
    first_month = earliest.plus(-lookback_months(scheme, cadence))
    planner = Planner(scheme, cadence, first, last, first_month, stage)
    for metric in scheme.metrics:
        planner.series[metric.name] = stage(planner.metric_series(metric))
    return planner


@attrs.define
class Planner:
    """Builds the series of every metric for one cadence (the scheme's period or the review's)."""

    scheme: m.Scheme
    cadence: str
    assessed_first: m.Period
    last: m.Period
    first_month: m.Month  # the earliest month any metric needs
    stage: Stage = _unstaged
    series: dict[str, ir.Table] = attrs.field(factory=dict)
    inputs: dict[str, ir.Table] = attrs.field(factory=dict)
    # what plugin metrics computed once (MetricContext.once), by expression
    shared: dict[Any, ir.Table] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        self.inputs = s.input_tables(self.scheme)

    # -- periods and subjects ------------------------------------------------------------

    def kind_of(self, metric: m.Metric | None) -> str:
        """The cadence of a metric's series: months for monthly data, else the plan's."""
        return "month" if metric is not None and metric.monthly else self.cadence

    def periods(self, kind: str, assessed_only: bool = False) -> ir.Table:
        """The first days of every period of ``kind`` the plan needs (or only assessed ones)."""
        start = self.assessed_first.first_month if assessed_only else self.first_month
        first = m.Period.containing(start, kind)
        last = m.Period.containing(self.last.last_month, kind)
        return s.calendar(first.first_month, last.index - first.index + 1, m.PERIOD_MONTHS[kind])

    def frame(self, grain: str | None, kind: str, assessed_only: bool = False) -> ir.Table:
        """Every (period, store, subject) that exists: a subject exists from the period of its
        first row in its store (in a time-stamped table) or always; a store always.
        """
        periods = self.periods(kind, assessed_only)
        if grain is None:
            return periods.cross_join(self.stores()).mutate(subject=ibis.literal(STORE_SUBJECT))
        role = self.scheme.role(grain)
        table = self.with_store(self.inputs[role.table])
        spec = self.scheme.table(role.table)
        key = table[role.column]
        rows = table.filter(key.notnull())
        if spec.time_column is None:
            return periods.cross_join(rows.select(s.STORE, subject=key).distinct())
        starts = rows.group_by([s.STORE, rows[role.column].name("subject")]).aggregate(
            since=s.period_start(rows[spec.time_column].min(), kind)
        )
        joined = periods.cross_join(starts)
        return joined.filter(joined.since <= joined.period).select(*s.KEYS)

    def stores(self) -> ir.Table:
        """Every store (``store``): the one store, or each store any input table names."""
        if self.scheme.stores is None:
            return s.one_store()
        named = [table.select(s.STORE) for table in self.inputs.values()]
        # ibis.union of one table is that table, duplicates and all: distinct it explicitly
        found = ibis.union(*named).distinct()
        return found.filter(found[s.STORE].notnull())

    def with_store(self, table: ir.Table) -> ir.Table:
        """An input table with its rows' ``store`` (the one store's name when there is one)."""
        if self.scheme.stores is None:
            return table.mutate(**{s.STORE: ibis.literal(s.ONE_STORE)})
        return table

    # -- metrics -------------------------------------------------------------------------

    def metric_series(self, metric: m.Metric) -> ir.Table:
        """The metric's series, with its missing-data policy applied and reduced."""
        definition = metric.definition
        kind = self.kind_of(metric)
        if isinstance(definition, m.PluginMetric):
            series = self.plugin_series(metric, definition)
        elif isinstance(definition, m.OverMapping):
            series = self.mapping_series(definition)
        elif isinstance(definition, m.OverPrevious):
            series = self.previous_series(metric, definition)
        elif isinstance(definition, m.Rollup):
            series = self.rollup_series(metric, definition)
        elif isinstance(definition, m.Shifted):
            series = self.shifted_series(metric, definition)
        elif isinstance(definition, m.Baseline):
            series = self.baseline_series(metric, definition)
        elif isinstance(definition, m.Peer):
            series = self.peer_series(definition)
            if metric.grain is not None and definition.function != "rank":
                # a reference declared `for` a role: the same value for each of its subjects
                frame = self.frame(metric.grain, kind)
                series = frame.join(series.drop("subject"), ["period", s.STORE])
        elif isinstance(definition, m.RubricScore):
            from assessor.engine.rubric import rubric_series

            series = rubric_series(self, metric, definition)
        else:
            frame = self.with_values(self.frame(metric.grain, kind), definition.expr)
            value = self.value(definition.expr, frame)
            series = frame.select(*s.KEYS, num=value.num, den=value.den)
        series = self.filled(metric, series)
        if isinstance(definition, m.PluginMetric):
            return series  # kept as the plugin counts them (lost / visits), for explanations
        value = s.reduced(Exact(series.num, series.den))
        return series.select(*s.KEYS, num=value.num, den=value.den)

    def filled(self, metric: m.Metric, series: ir.Table) -> ir.Table:
        """Apply the metric's declared ``missing``: a default value, or carry the last one."""
        if metric.missing is None or metric.missing == "n/a":
            return series
        frame = self.frame(metric.grain, self.kind_of(metric))
        joined = frame.left_join(series, s.KEYS).select(*s.KEYS, "num", "den")
        defined = joined.num.notnull() & joined.den.notnull()
        if metric.missing != "carry":
            fill = s.constant(metric.missing)
            return joined.select(
                *s.KEYS,
                num=ibis.ifelse(defined, joined.num, fill.num),
                den=ibis.ifelse(defined, joined.den, fill.den),
            )
        window = ibis.window(
            group_by=[s.STORE, "subject"], order_by="period", preceding=None, following=0
        )
        marked = joined.mutate(source=joined.period.max(where=defined).over(window))
        earlier = series.select(
            source="period", store=s.STORE, subject="subject", cn="num", cd="den"
        )
        carried = marked.left_join(earlier, ["source", s.STORE, "subject"]).select(
            *s.KEYS, "cn", "cd"
        )
        return carried.select(*s.KEYS, num=carried.cn, den=carried.cd)

    def plugin_series(self, metric: m.Metric, definition: m.PluginMetric) -> ir.Table:
        """A plugin metric's monthly values, keyed by the role's subjects."""
        call = plugin_call(
            self.scheme, self.inputs, metric, self.first_month, self.last.last_month, self.once
        )
        table = s.plugin_output(definition.spec, call.context, call.arguments)
        stores = call.context.stores
        subject = table.subject if metric.grain else ibis.literal(STORE_SUBJECT)
        store = table[s.STORE] if stores else ibis.literal(s.ONE_STORE)
        exact = Exact.of(table.num, table.den)
        result = table.select(
            period=table.period.cast("date"),
            store=store.cast("string"),
            subject=subject.cast("string"),
            num=exact.num,
            den=exact.den,
        )
        if metric.grain is None and definition.spec.by_subject_value:
            totals = s.group_sum(result, ["period", s.STORE])
            return totals.mutate(subject=ibis.literal(STORE_SUBJECT))
        return result

    def once(self, rows: ir.Table) -> ir.Table:
        """``rows`` staged the first time a metric asks for them; equal expressions after that
        (Ibis compares them by structure) read the staged rows.
        """
        key = rows.op()
        if key not in self.shared:
            self.shared[key] = self.stage(rows)
        return self.shared[key]

    def mapping_series(self, definition: m.OverMapping) -> ir.Table:
        """Aggregate members' values exactly over a mapping table."""
        table = self.with_store(self.inputs[definition.table])
        pairs = table.select(
            s.STORE,
            subject=table[definition.subject_column],
            member=table[definition.member_column],
        ).distinct()
        pairs = pairs.filter(pairs.subject.notnull() & pairs.member.notnull())
        values = self.series[definition.metric]
        members = pairs.join(values.rename(member="subject"), [s.STORE, "member"])
        totals = s.group_sum(members.select(*s.KEYS, "num", "den"), s.KEYS)
        result = definition.aggregate.finish(
            Exact(totals.num, totals.den), Exact.of(totals["count"])
        )
        return totals.select(*s.KEYS, num=result.num, den=result.den)

    def gathered(
        self, frame: ir.Table, values: ir.Table, offsets: list[int]
    ) -> tuple[ir.Table, list[tuple[ir.Value, ir.Value]]]:
        """Join onto each frame row the values ``offset`` months later (earlier if negative)."""
        columns = []
        for i, offset in enumerate(offsets):
            shifted = values.select(
                period=(values.period - ibis.interval(months=offset)).cast("date"),
                store=values[s.STORE],
                subject=values.subject,
                **{f"n{i}": values.num, f"d{i}": values.den},
            )
            frame = frame.left_join(shifted, s.KEYS).select(*frame.columns, f"n{i}", f"d{i}")
            columns.append((f"n{i}", f"d{i}"))
        return frame, [(frame[n], frame[d]) for n, d in columns]

    def previous_series(self, metric: m.Metric, definition: m.OverPrevious) -> ir.Table:
        """An aggregate over the previous N periods (of the operand's cadence)."""
        step = m.PERIOD_MONTHS[self.kind_of(metric)]
        frame = self.frame(metric.grain, self.kind_of(metric))
        offsets = [-back * step for back in range(1, definition.count + 1)]
        frame, terms = self.gathered(frame, self.series[definition.metric], offsets)
        defined = [n.notnull() & d.notnull() for n, d in terms]
        count = sum(ibis.ifelse(ok, 1, 0) for ok in defined)
        result = definition.aggregate.finish(s.exact_sum(terms), Exact.of(count))
        complete = ibis.and_(*defined) if definition.aggregate.strict_over_previous else count > 0
        return frame.select(
            *s.KEYS,
            num=ibis.ifelse(complete, result.num, ibis.null(EXACT)),
            den=ibis.ifelse(complete, result.den, ibis.null(EXACT)),
        )

    def shifted_series(self, metric: m.Metric, definition: m.Shifted) -> ir.Table:
        """The operand moved later by some periods: its earlier value, here."""
        step = m.PERIOD_MONTHS[self.kind_of(metric)]
        values = self.series[definition.metric]
        return values.select(
            period=(values.period + ibis.interval(months=definition.periods * step)).cast("date"),
            store=values[s.STORE],
            subject=values.subject,
            num=values.num,
            den=values.den,
        )

    def baseline_series(self, metric: m.Metric, definition: m.Baseline) -> ir.Table:
        """The mean of the operand's defined values in the periods before the transfer's
        period, repeated in every period; n/a for a subject with no value then.
        """
        kind = self.kind_of(metric)
        start, end = baseline_window(self.scheme, kind, definition.periods)
        values = self.series[definition.metric]
        before = values.filter(
            (values.period >= s.month_date(start)) & (values.period < s.month_date(end))
        )
        totals = s.group_sum(before.select(s.STORE, "subject", "num", "den"), [s.STORE, "subject"])
        mean = Exact(totals.num, totals.den) / Exact.of(totals["count"])
        baseline = totals.select(s.STORE, "subject", num=mean.num, den=mean.den)
        return self.frame(metric.grain, kind).join(baseline, [s.STORE, "subject"])

    def rollup_series(self, metric: m.Metric, definition: m.Rollup) -> ir.Table:
        """Monthly values of the period: mean or sum of the defined ones, or the last one."""
        frame = self.frame(metric.grain, self.cadence)
        offsets = list(range(m.PERIOD_MONTHS[self.cadence]))
        frame, terms = self.gathered(frame, self.series[definition.metric], offsets)
        defined = [n.notnull() & d.notnull() for n, d in terms]
        count = sum(ibis.ifelse(ok, 1, 0) for ok in defined)
        if definition.how == "last":
            num = ibis.cases(
                *((ok, n) for ok, (n, _) in reversed(list(zip(defined, terms, strict=True)))),
                else_=ibis.null(EXACT),
            )
            den = ibis.cases(
                *((ok, d) for ok, (_, d) in reversed(list(zip(defined, terms, strict=True)))),
                else_=ibis.null(EXACT),
            )
            return frame.select(*s.KEYS, num=num.cast(EXACT), den=den.cast(EXACT))
        total = s.exact_sum(terms)
        result = total / Exact.of(count) if definition.how == "mean" else total
        some = count > 0
        return frame.select(
            *s.KEYS,
            num=ibis.ifelse(some, result.num, ibis.null(EXACT)),
            den=ibis.ifelse(some, result.den, ibis.null(EXACT)),
        )

    def peer_series(self, definition: m.Peer) -> ir.Table:
        """A reference over every subject of the store with a value in the period, or each
        one's rank among them.
        """
        values = self.series[definition.metric]
        values = values.filter(values.num.notnull() & values.den.notnull())
        key = s.order_key(values.num, values.den)
        peers = ["period"] if definition.brand else ["period", s.STORE]
        if definition.function == "mean":
            totals = s.group_sum(values, peers)
            result = Exact(totals.num, totals.den) / Exact.of(totals["count"])
            return self.in_every_store(
                totals.select(
                    *peers, subject=ibis.literal(STORE_SUBJECT), num=result.num, den=result.den
                )
            )
        if definition.function == "rank":
            order = key.asc() if definition.ascending else key.desc()
            ranked = values.mutate(rank=ibis.rank().over(group_by=peers, order_by=order) + 1)
            return ranked.select(
                *s.KEYS, num=ranked["rank"].cast(EXACT), den=ibis.literal(1, EXACT)
            )
        ordered = values.mutate(
            position=ibis.row_number().over(group_by=peers, order_by=[key, values.subject]) + 1,
            n=values.subject.count().over(group_by=peers),
        )
        if definition.function == "median":
            low, high = (ordered.n + 1) // 2, ordered.n // 2 + 1
        else:
            share = definition.share
            # nearest rank: ceil(share * n), in integers
            low = (ordered.n * share.numerator + share.denominator - 1) // share.denominator
            high = low
        picked = ordered.filter((ordered.position == low) | (ordered.position == high))
        middle = s.group_sum(picked.select(*peers, "num", "den"), peers)
        result = Exact(middle.num, middle.den) / Exact.of(middle["count"])
        return self.in_every_store(
            middle.select(
                *peers, subject=ibis.literal(STORE_SUBJECT), num=result.num, den=result.den
            )
        )

    def in_every_store(self, series: ir.Table) -> ir.Table:
        """A store-level series; one over the whole brand (no ``store``) repeated per store."""
        if s.STORE in series.columns:
            return series
        return series.cross_join(self.stores()).select(*s.KEYS, "num", "den")

    # -- values on a frame -----------------------------------------------------------------

    def with_values(self, frame: ir.Table, *exprs: m.Expr | None) -> ir.Table:
        """Join the series of every metric the expressions read onto the frame."""
        for name in sorted({n for e in exprs if e is not None for n in m.metric_names(e)}):
            metric = self.scheme.metric(name)
            values = self.series[name]
            alias = self.alias(name)
            columns = {f"{alias}_n": values.num, f"{alias}_d": values.den}
            keys = ["period", s.STORE] if metric.grain is None else s.KEYS
            right = values.select(*keys, **columns)
            frame = frame.left_join(right, keys).select(*frame.columns, *columns)
        return frame

    def alias(self, metric: str) -> str:
        """A column prefix for a metric joined onto a frame."""
        return f"m{[x.name for x in self.scheme.metrics].index(metric)}"

    def value(self, expr: m.Expr, frame: ir.Table) -> Exact:
        """The exact value of an expression on a frame with its metrics joined."""
        match expr:
            case m.Constant(value=v):
                return s.constant(v)
            case m.MetricValue(metric=name):
                alias = self.alias(name)
                return Exact(frame[f"{alias}_n"], frame[f"{alias}_d"])
            case m.Arithmetic(operator=op, left=a, right=b):
                left, right = self.value(a, frame), self.value(b, frame)
                return {"+": left + right, "-": left - right, "*": left * right, "/": left / right}[
                    op
                ]
            case m.Choose(cases=cases, otherwise=otherwise, guard=guard):
                return self.choose(cases, otherwise, guard, frame)
        raise TypeError(f"not a value: {expr!r}")

    def choose(self, cases, otherwise, guard, frame: ir.Table) -> Exact:
        """The value of the first case that holds (see ``m.Choose``)."""
        values = [(self.condition(c, frame), self.value(v, frame)) for c, v in cases]
        fallback = (
            self.value(otherwise, frame)
            if otherwise is not None
            else Exact(ibis.null(EXACT), ibis.null(EXACT))
        )
        ready = ibis.and_(*(self.value(g, frame).is_defined() for g in guard)) if guard else None

        def pick(part: str) -> ir.Value:
            chosen = ibis.cases(
                *((c.fill_null(False), getattr(v, part)) for c, v in values),
                else_=getattr(fallback, part),
            ).cast(EXACT)
            return chosen if ready is None else ibis.ifelse(ready, chosen, ibis.null(EXACT))

        return Exact(pick("num"), pick("den"))

    def condition(self, expr: m.Expr, frame: ir.Table) -> ir.BooleanValue:
        """A boolean column for a condition; null where a value it compares is n/a."""
        match expr:
            case m.Comparison(operator=op, left=a, right=b):
                return self.value(a, frame).compare(op, self.value(b, frame))
            case m.BoolOp(operator="and", left=a, right=b):
                return self.condition(a, frame) & self.condition(b, frame)
            case m.BoolOp(operator="or", left=a, right=b):
                return self.condition(a, frame) | self.condition(b, frame)
            case m.Negation(operand=a):
                return ~self.condition(a, frame)
            case m.IsDefined(operand=a):
                return self.value(a, frame).is_defined()
        raise TypeError(f"not a condition: {expr!r}")


@attrs.frozen
class PluginCall:
    """What a plugin metric's ``compute`` (and ``evidence``) is called with."""

    context: MetricContext
    arguments: dict[str, Any]


def plugin_call(
    scheme: m.Scheme,
    inputs: Mapping[str, ir.Table],
    metric: m.Metric,
    first_month: m.Month,
    last_month: m.Month,
    once: Callable[[ir.Table], ir.Table] | None = None,
) -> PluginCall:
    """The context and arguments of a plugin metric for the months ``first_month`` to
    ``last_month``: the plan and the evidence of ``assessor explain`` build them here, so the
    rows shown are the rows counted.
    """
    definition = metric.definition
    assert isinstance(definition, m.PluginMetric)
    role = scheme.role(metric.grain) if metric.grain else None
    if role is not None and definition.spec.by_subject_value:
        subject_column = "subject"
    else:
        subject_column = role.column if role else None
    context = MetricContext(
        inputs,
        subject_column,
        s.month_date(first_month),
        s.month_date(last_month),
        scheme.transfer,
        stores=scheme.stores is not None,
        computed_once=once,
    )
    return PluginCall(context, {name: _plain(value) for name, value in definition.arguments})


def _plain(value):
    if isinstance(value, str):
        return value
    return value.numerator if value.denominator == 1 else value
