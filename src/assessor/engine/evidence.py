"""The records behind a number: for one subject and period, the rows a plugin metric counts
in its numerator (the lost customers behind a churn rate), for ``assessor explain``.

A plugin metric may declare ``evidence``, built from the same marked rows as its ``compute``.
It is called with the context the plan gives ``compute`` (``plan.plugin_call``), for the
period's months only, then narrowed to the subject and the period inside the engine: only the
first rows and their count come back, never the data.

Which metrics stand behind an outcome is read from the scheme alone (``shown_metrics``), so
the engine fetches the rows and ``explain`` places them with the same answer. A value rolled
up from months (``rollup sum`` or ``mean``) shows the records of every month of the period.
This module imports Ibis only inside the functions that run queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from assessor.errors import fail
from assessor.model import scheme as m

# how many records are fetched per metric; their total is always counted
FETCHED_ROWS = 50
# the roll-ups whose months' records add up to what the value is made of
_ROLLUPS = ("sum", "mean")


@attrs.frozen
class Evidence:
    """The records behind one plugin metric's numerator for one subject and period.

    ``subject`` is whose records they are: the subject explained, or ``store`` for a metric
    of the whole store. ``rows`` are the first records (at most ``FETCHED_ROWS``), as values
    in the order of ``columns``; ``total`` counts all of them.
    """

    metric: str
    subject: str
    label_zh: str
    label_en: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: int


def shown_metrics(scheme: m.Scheme, roles: Iterable[str]) -> dict[tuple[str, str], list[str]]:
    """Per outcome of these roles, as (kind, item): the plugin metrics with evidence behind
    its value, then behind its reference (rules, scorecard indicators and vetoes).
    """
    roles = set(roles)
    shown: dict[tuple[str, str], list[str]] = {}
    for rule in scheme.rules:
        if roles & set(rule.roles):
            sides = [x for x in (rule.subject_value, rule.reference_value) if x is not None]
            _add(shown, ("rule", rule.id), scheme, [n for x in sides for n in _names(x)])
    for card in scheme.scorecards:
        if card.role not in roles:
            continue
        for item in card.items:
            if item.kind == "indicator" and item.value:
                _add(shown, ("indicator", item.name), scheme, [item.value])
        for veto in card.vetoes:
            _add(shown, ("veto", veto.label), scheme, sorted(m.metric_names(veto.condition)))
    return shown


def _names(expr: m.Expr) -> list[str]:
    # a side that is a metric shows its records; arithmetic on metrics has no one numerator
    return [expr.metric] if isinstance(expr, m.MetricValue) else []


def _add(
    shown: dict[tuple[str, str], list[str]],
    key: tuple[str, str],
    scheme: m.Scheme,
    names: Sequence[str],
) -> None:
    sources = [x for x in (evidence_source(scheme, n) for n in names) if x is not None]
    unique = list(dict.fromkeys(sources))
    if unique:
        shown[key] = unique


def evidence_source(scheme: m.Scheme, name: str) -> str | None:
    """The plugin metric whose records stand behind the metric ``name``: itself, or the
    monthly metric it rolls up by sum or mean; None when there is none with evidence.
    """
    metric = scheme.metric(name)
    definition = metric.definition
    if isinstance(definition, m.Rollup) and definition.how in _ROLLUPS:
        if metric.missing == "carry":
            return None
        metric = scheme.metric(definition.metric)
        definition = metric.definition
    if not isinstance(definition, m.PluginMetric) or definition.spec.evidence is None:
        return None
    # a carried value comes from an earlier month, whose records these would not be
    return None if metric.missing == "carry" else metric.name


def subject_roles(rows: Iterable[Mapping[str, Any]], subject: str, period: m.Period) -> set[str]:
    """The roles the subject has outcomes of in the period (raw outcome rows)."""
    start = _date(period.first_month)
    return {
        r["role"]
        for r in rows
        if r["subject"] == subject and r["cadence"] == period.kind and r["period"] == start
    }


def _named(rows: Iterable[Mapping[str, Any]], name: str) -> tuple[str, str]:
    """The store and subject a person means by ``name`` (``S017 / 接待2组``, or ``接待2组``
    in the first store that has it).
    """
    for row in rows:
        if name in (row["subject"], m.subject_name(row["store"], row["subject"])):
            return row["store"], row["subject"]
    return "", name


def collect_evidence(
    backend: Any,
    scheme: m.Scheme,
    subject: str,
    period: m.Period,
    rows: Iterable[Mapping[str, Any]],
) -> dict[str, Evidence]:
    """The records behind every plugin metric the subject's outcomes in ``period`` read, by
    metric name; ``backend`` holds the loaded input tables.
    """
    rows = list(rows)
    store, subject = _named(rows, subject)
    own = [r for r in rows if r["store"] == store]
    roles = subject_roles(own, subject, period)
    names = dict.fromkeys(n for ns in shown_metrics(scheme, roles).values() for n in ns)
    return {name: metric_evidence(backend, scheme, name, subject, period, store) for name in names}


def metric_evidence(
    backend: Any, scheme: m.Scheme, name: str, subject: str, period: m.Period, store: str = ""
) -> Evidence:
    """One plugin metric's records for the subject (or the store, for a store-level metric)
    in the months of ``period``: the first ``FETCHED_ROWS`` and their count. ``store``
    narrows them to one store's when the scheme is assessed per store.
    """
    from assessor.engine import series as s
    from assessor.engine.plan import plugin_call

    metric = scheme.metric(name)
    spec = metric.definition.spec
    inputs = s.input_tables(scheme)
    call = plugin_call(scheme, inputs, metric, period.first_month, period.last_month)
    table = spec.evidence(call.context, **call.arguments)
    _check_columns(spec, table, metric.grain)
    first, last = s.month_date(period.first_month), s.month_date(period.last_month)
    table = table.mutate(period=table.period.cast("date"))  # as the plan reads compute's
    table = table.filter((table.period >= first) & (table.period <= last))
    whose = s.STORE_SUBJECT
    if scheme.stores is not None:
        table = table.filter(table[s.STORE] == store)
    if metric.grain is not None:
        whose = subject
        table = table.filter(table.subject.cast("string") == subject)
    # the column that keys subjects says the same in every row: the subject's own name
    keyed = ("period", s.STORE, "subject", call.context.subject_column, scheme.stores)
    columns = tuple(c for c in table.columns if c not in keyed)
    # by month, then in the plugin's order of columns (customer ids ascending, say)
    ordered = table.select("period", *columns).order_by(["period", *columns])
    fetched = backend.to_pyarrow(ordered.limit(FETCHED_ROWS)).to_pylist()
    total = int(backend.execute(table.count()))
    return Evidence(
        name,
        whose,
        spec.evidence_zh,
        spec.evidence_en,
        columns,
        tuple(tuple(r[c] for c in columns) for r in fetched),
        total,
    )


def _check_columns(spec: Any, table: Any, grain: str | None) -> None:
    """Evidence must give the period (and subject), like ``compute``; name the plugin if not."""
    expected = {"period"} | ({"subject"} if grain else set())
    missing = expected - set(getattr(table, "columns", ()))
    if missing:
        fail(
            "E403",
            f"metric {spec.qualified_name}: its evidence returned no column(s) "
            f"{', '.join(sorted(missing))}",
            None,
            f"this is a bug in the plugin {spec.plugin!r}; report it to its authors",
        )


def _date(month: m.Month) -> dt.date:
    return dt.date(month.year, month.month, 1)
