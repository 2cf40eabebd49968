"""What plugins contribute: input tables, metrics, aggregate functions, templates, report
sections and scoring tables.

These are declarations. The checker reads them to give names meaning; only the engine calls
the ``compute`` and ``finish`` callables they carry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import attrs

from assessor.model.units import Unit
from assessor.records import frozen

# the built-in inputs every scheme may read (declared by assessor.plugins.builtin)
KPI_VALUES = "kpi_values"
RATINGS = "ratings"

ColumnType = Literal["integer", "text", "date", "timestamp", "decimal", "month"]


@frozen
class ColumnSpec:
    """One column of an input table, with its type and bilingual description.

    A value outside ``minimum``..``maximum`` (numbers) or not among ``choices`` (text) breaks
    the table's rules like a value of the wrong type: the row is reported, or rejected with
    ``--rejects``. ``required=False`` allows blanks (a ticket not yet resolved).
    """

    name: str
    type: ColumnType
    label_zh: str
    label_en: str
    required: bool = True
    unit: Unit | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    choices: tuple[str, ...] = ()


@frozen
class RowRule:
    """A rule every row of a table must keep, such as "resolved is not before opened".

    ``holds(table)`` returns an Ibis boolean over the table's declared columns; a row where
    it is false breaks the rule (null, for a blank optional value, counts as kept).
    ``columns`` are the columns a report shows (it points at the last).
    """

    name: str
    label_zh: str
    label_en: str
    columns: tuple[str, ...]
    holds: Callable[[Any], Any]
    # the code a broken rule is reported under; plugins keep the default
    code: str = "E311"
    hint: str = "correct the row in the source system and export again"


@frozen
class TableSpec:
    """An input table a plugin reads.

    ``time_column`` (a date column) makes the table time-stamped: a period's result uses only
    rows up to that period's end, and subjects appear from their first row on.
    """

    name: str
    label_zh: str
    label_en: str
    columns: tuple[ColumnSpec, ...]
    time_column: str | None = None
    plugin: str = ""
    # columns that identify a row: two rows with the same values are a data error
    key: tuple[str, ...] = ()
    rules: tuple[RowRule, ...] = ()
    # a table of events where none is a fact (no complaints), not a failed export
    may_be_empty: bool = False

    def column(self, name: str) -> ColumnSpec | None:
        """The column of that name, or None."""
        return next((c for c in self.columns if c.name == name), None)


@frozen
class MetricParam:
    """A parameter of a plugin metric: its unit, and whether it must be a whole number.

    ``default`` (a number in ``unit``, or text for a ``text`` parameter) is used when a scheme
    leaves the argument out: ``response_within()`` then means ``response_within(24 hours)``.
    A parameter without one must be given.
    """

    name: str
    unit: Unit
    integer: bool = False
    minimum: Decimal | None = None
    description: str = ""
    maximum: Decimal | None = None
    # a text argument, such as the indicator name of kpi("响应率")
    text: bool = False
    default: Decimal | int | str | None = None


@frozen
class MetricSpec:
    """A metric a plugin computes from its input tables.

    ``compute(context, **arguments)`` returns an Ibis table with columns ``period`` (date,
    first day of the month), ``subject`` (text; only when the context asks for subjects),
    ``num`` and ``den`` (the exact value is num / den; den 0 or null means n/a).
    ``subject_table`` is the input whose columns may key subjects: the metric can be computed
    for any role drawn from a column of that table, and for the store as a whole.
    ``by_subject_value``: the metric is keyed by a ``subject`` column of its own and serves any
    role whose subjects have those values (the built-in ``kpi``).

    ``evidence(context, **arguments)`` (optional, same signature as ``compute``) returns the
    records behind the numerator, one row each: an Ibis table with ``period`` and, when the
    context asks for subjects, ``subject`` (both as in ``compute``), then the columns a person
    recognises the record by, the most telling first (``customer_id``, ``visit_date``,
    ``visit_id``, ``advisor_group``). For a period and subject it has exactly as many rows as
    ``compute``'s ``num``, so a metric that has it should build both from one function that
    marks the rows. ``evidence_zh`` / ``evidence_en`` name the records (流失客户 / lost
    customers); ``assessor explain`` lists them under the outcomes that read the metric.
    """

    name: str
    label_zh: str
    label_en: str
    unit: Unit
    inputs: tuple[str, ...]
    subject_table: str
    params: tuple[MetricParam, ...]
    compute: Callable[..., Any]
    description: str = ""
    # num and den are counts a person recognises (lost customers / visits), worth showing
    shows_fraction: bool = True
    plugin: str = ""
    by_subject_value: bool = False
    # reads ``context.transfer_date``: only schemes that declare `transfer` may use it
    needs_transfer: bool = False
    # the columns of the subject table it can group by (None: any)
    subject_columns: tuple[str, ...] | None = None
    # the records behind the numerator (see above), and what they are called
    evidence: Callable[..., Any] | None = None
    evidence_zh: str = ""
    evidence_en: str = ""

    @property
    def qualified_name(self) -> str:
        """``plugin.metric``: unique even when two plugins use the same short name."""
        return f"{self.plugin}.{self.name}"


@frozen
class AggregateSpec:
    """An aggregate usable as ``name(x of table.column)`` or ``name(x over previous N months)``.

    The engine sums the defined member values exactly and counts them; ``finish(total, count)``
    receives both as exact values (``api.Exact``) and returns the exact result.
    ``strict_over_previous`` makes the result n/a when any of the previous periods is n/a
    (otherwise n/a members are left out).
    """

    name: str
    label_zh: str
    label_en: str
    finish: Callable[..., Any]
    strict_over_previous: bool = True
    description: str = ""
    plugin: str = ""


@frozen
class TemplateSpec:
    """A ready scheme a plugin ships, with the sample data it runs on."""

    id: str
    path: Path
    title_zh: str
    title_en: str
    domain: str
    sample_data: Path | None = None
    plugin: str = ""


@frozen
class ReportTable:
    """What a report section shows: a table of text, and a note under it."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


@frozen
class ReportSection:
    """A section a plugin adds to the reports (Markdown, HTML, XLSX) of schemes that use it.

    ``render(outcomes, totals, language)`` receives the run's outcomes and totals (see
    ``results.Outcome``: period, role, subject, item, kind, value, reference, amount, status,
    explanation …) and ``"zh"`` or ``"en"``, and returns a ``ReportTable``, or None when it has
    nothing to show for this run. It reads nothing else: reports are built from results.
    """

    name: str
    label_zh: str
    label_en: str
    render: Callable[..., ReportTable | None]
    plugin: str = ""


@frozen
class ScoringTable:
    """A named scoring method a plugin ships, for schemes to score an indicator with
    ``table NAME``.

    ``method`` is written in the scheme language's own words, exactly as it would follow
    ``value …`` in an indicator: ``"bands >= 95% -> 100 | >= 85% -> 80 | else 0"``,
    ``"linear 0% -> 0, 100% -> 100"``, ``"deduct 5 per 1 from 100"``. ``unit`` is the unit
    of the values it scores: a scheme may use it only on an indicator whose value has that
    unit (or is a plain number), and its thresholds are checked as if the method were written
    in place. The name is how schemes write it, so it is a name of the language (letters,
    Chinese included, digits and ``_``).
    """

    name: str
    label_zh: str
    label_en: str
    method: str
    unit: Unit
    description: str = ""
    plugin: str = ""


@frozen
class PluginInfo:
    """An installed plugin as found through its entry point."""

    name: str
    version: str
    module: str


@frozen
class Registry:
    """Everything the installed plugins declare, by name."""

    plugins: Mapping[str, PluginInfo]
    tables: Mapping[str, TableSpec]
    metrics: Mapping[str, tuple[MetricSpec, ...]]
    aggregates: Mapping[str, AggregateSpec]
    templates: Mapping[str, TemplateSpec]
    report_sections: Mapping[str, ReportSection] = attrs.field(factory=dict)
    scoring_tables: Mapping[str, ScoringTable] = attrs.field(factory=dict)

    def metrics_visible_to(self, plugins: set[str]) -> dict[str, list[MetricSpec]]:
        """Metrics by short and qualified name, from the plugins a scheme uses."""
        visible: dict[str, list[MetricSpec]] = {}
        for specs in self.metrics.values():
            for spec in specs:
                if spec.plugin in plugins:
                    visible.setdefault(spec.name, []).append(spec)
                    visible.setdefault(spec.qualified_name, []).append(spec)
        return visible
