"""The extension contract: every hook a plugin may implement.

A plugin is a module (or object) registered under the entry-point group ``assessor``; it
implements any of these hooks with ``@assessor.api.hookimpl``. Each hook is called once per
plugin when the registry is built, with no arguments, and returns a list of declarations.
Declarations are plain data (see ``assessor.model.registry``); nothing runs at import time.

The docstrings below are the contract: ``python -m assessor.plugins.contract`` renders them
into docs/plugins.md, and a test fails when the page and this module differ.
"""

from __future__ import annotations

import pluggy

from assessor.model.registry import (
    AggregateSpec,
    MetricSpec,
    ReportSection,
    ScoringTable,
    TableSpec,
    TemplateSpec,
)

PROJECT = "assessor"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- inputs -------------------------------------------------------------------------------


@hookspec
def assessor_tables() -> list[TableSpec]:
    """Declare the input tables this plugin's metrics read.

    Receives: nothing.

    Returns: one ``TableSpec`` per table: its name (unique across all plugins, so prefix it
    with the domain), bilingual labels, typed columns (``ColumnSpec``: integer, decimal, text,
    date, timestamp or month, with optional range, choices and ``required=False`` for blanks),
    the date column that places a row in a month (``time_column``; without one the table is
    read as it is today for every month), the columns that identify a row (``key``), and row
    rules (``RowRule``) that every row must keep.

    Called: once per plugin when the registry is built (every command). The tables of the
    plugins a scheme ``uses`` become its inputs: ``assessor run`` looks for ``<name>.csv``
    (or ``.parquet``, ``.xlsx``) in the data folder, checks every row against the declaration
    (E302-E311) and hands the typed table to the metrics.

    Example::

        @api.hookimpl
        def assessor_tables():
            return [
                api.TableSpec(
                    "pm_tickets", "报修工单", "Repair tickets",
                    columns=(
                        api.ColumnSpec("ticket_id", "text", "工单号", "ticket id"),
                        api.ColumnSpec("building", "text", "楼栋", "building"),
                        api.ColumnSpec("opened_at", "timestamp", "报修时间", "opened at"),
                    ),
                    time_column="opened_at",
                    key=("ticket_id",),
                )
            ]
    """


# -- metrics and functions ----------------------------------------------------------------


@hookspec
def assessor_metrics() -> list[MetricSpec]:
    """Declare the metrics schemes can call, such as ``churn_rate(lapse_months)``.

    Receives: nothing.

    Returns: one ``MetricSpec`` per metric. It declares its unit (``Unit.RATIO``,
    ``Unit.COUNT``, ``Unit.HOURS``, ...), its parameters (``MetricParam``: unit, whole
    number or not, range, ``default``, or ``text=True`` for a quoted argument), its input
    tables (``inputs``), its grain (``subject_table``: the input whose columns may key
    subjects, narrowed by ``subject_columns``; the store as a whole is always possible), and
    ``compute(context, **arguments)``. ``evidence`` (optional) lists the records behind the
    numerator for ``assessor explain``.

    Called: the declarations once per plugin when the registry is built; ``compute`` only by
    the engine, once per metric a scheme declares, while the plan is built. It receives a
    ``MetricContext`` and the scheme's arguments as numbers (``int`` or ``Fraction``, in the
    parameter's unit) or text, and returns an Ibis table over ``context.table(name)`` with
    ``period`` (a date, the first day of the month), ``subject`` (text, only when
    ``context.subject_column`` is set), ``store`` (only when ``context.stores``), and ``num``
    and ``den`` (integers or decimal(p, 0): the value is num / den; den 0 or null means n/a).
    Grouping by ``context.keys`` gives exactly those key columns. Anything else is E403, and
    an exception raised in ``compute`` is E404; both name the plugin and the metric.

    Example::

        def collection_rate(context):
            rows = context.monthly("pm_fees", "due_on")
            return context.share(rows, rows.paid_on.notnull())

        @api.hookimpl
        def assessor_metrics():
            return [
                api.MetricSpec(
                    "fee_collection_rate", "物业费收缴率", "fee collection rate",
                    unit=api.Unit.RATIO, inputs=("pm_fees",), subject_table="pm_fees",
                    params=(), compute=collection_rate,
                )
            ]
    """


@hookspec
def assessor_aggregates() -> list[AggregateSpec]:
    """Declare aggregates usable as ``f(metric of table.column)`` and ``f(metric over previous
    N months)``, such as ``mean`` and ``sum``.

    Receives: nothing.

    Returns: one ``AggregateSpec`` per function: its name (unique across plugins), labels,
    and ``finish(total, count)``. These are the only functions a plugin adds to the DSL's
    expressions besides its metrics.

    Called: the declarations once per plugin when the registry is built; ``finish`` by the
    engine while it plans an aggregate. The engine sums the defined members exactly and
    counts them; ``finish`` receives both as exact values (``api.Exact``, two integer
    columns) and returns an exact value. It runs once per plan, not per row, and must not
    divide columns itself: ``Exact`` does the arithmetic.

    Example: mean is ``total / count``::

        @api.hookimpl
        def assessor_aggregates():
            return [api.AggregateSpec("mean", "平均值", "mean", lambda total, count: total / count)]
    """


# -- scoring ------------------------------------------------------------------------------


@hookspec
def assessor_scoring_tables() -> list[ScoringTable]:
    """Declare named scoring methods that schemes using this plugin score indicators with.

    Receives: nothing.

    Returns: one ``ScoringTable`` per table: a name (unique across plugins), bilingual
    labels, the method in the scheme language's own words (``bands …``, ``linear …``,
    ``attainment of …``, ``deduct … per … from …`` or ``score``), the ``api.Unit`` of the
    values it scores, and a description.

    Called: once per plugin when the registry is built. A scheme whose ``uses`` names the
    plugin writes ``table NAME`` where it would write a method (``indicator … value x table
    NAME``, ``amend … table NAME``). The checker parses the method text with the scheme
    language's parser and checks it as if it were written in place: an unknown name is E241;
    a text that is not one method, or a table whose unit is not the indicator's, is E242,
    naming the plugin and the table. ``assessor doc`` and the explanations show the table's
    name and its method; ``assessor plugins`` lists the tables, and the compliance kit checks
    that each is one method.

    Example::

        @api.hookimpl
        def assessor_scoring_tables():
            return [
                api.ScoringTable(
                    "收缴率评分", "物业费收缴率评分", "fee collection scoring",
                    "bands >= 95% -> 100 | >= 85% -> 80 | >= 70% -> 60 | else 0",
                    api.Unit.RATIO, "the association's standard bands",
                )
            ]
    """


# -- templates ----------------------------------------------------------------------------


@hookspec
def assessor_templates() -> list[TemplateSpec]:
    """Declare ready schemes this plugin ships, each with the sample data it runs on.

    Receives: nothing.

    Returns: one ``TemplateSpec`` per scheme: an id ``folder/name`` (unique across plugins),
    the path of the ``.assess`` file, bilingual titles, the domain, and the folder of sample
    data (one CSV file per input table). ``api.templates_folder(__file__, folder)`` finds the
    folder in an installed wheel and in a source checkout.

    Called: once per plugin when the registry is built. ``assessor templates`` lists them,
    ``assessor init`` copies one, a scheme may ``extends`` one by id, and the compliance kit
    (``assessor.testing.compliance``) checks and runs each on its sample data.

    Example::

        @api.hookimpl
        def assessor_templates():
            folder = api.templates_folder(__file__, "property")
            return [
                api.TemplateSpec(
                    "property/monthly", folder / "monthly.assess", "物业服务月度考核",
                    "Property services: monthly assessment", domain="property",
                    sample_data=folder / "sample-data",
                )
            ]
    """


# -- reports ------------------------------------------------------------------------------


@hookspec
def assessor_report_sections() -> list[ReportSection]:
    """Declare sections this plugin adds to the reports of schemes that use it.

    Receives: nothing.

    Returns: one ``ReportSection`` per section: a name (unique across plugins), bilingual
    labels, and ``render(outcomes, totals, language)``, which returns an ``api.ReportTable``
    (columns, rows of text, a note) or None when the run has nothing for it.

    Called: once per plugin when the registry is built; ``render`` is called once per report
    (``assessor run --report md|html|xlsx``) of a scheme whose ``uses`` names the plugin. The
    section follows the summary in Markdown and HTML and is a sheet of its own in the
    workbook. A ``render`` that raises is reported by plugin name (E406, a warning) and the
    report is written without its section.

    Example::

        def _late_repairs(outcomes, totals, language):
            late = [o for o in outcomes if o.item == "repair_on_time" and o.amount < 0]
            if not late:
                return None
            return api.ReportTable(
                ("期间", "班组") if language == "zh" else ("period", "team"),
                tuple((o.period, o.subject) for o in late),
            )

        @api.hookimpl
        def assessor_report_sections():
            return [api.ReportSection("late_repairs", "维修超时", "Late repairs", _late_repairs)]
    """
