"""The extension contract: every hook a plugin may implement.

A plugin is a module (or object) registered under the entry-point group ``assessor``; it
implements any of these hooks with ``@assessor.api.hookimpl``. Each hook is called once per
plugin when the registry is built, with no arguments, and returns a list of declarations.
Declarations are plain data (see ``assessor.model.registry``); nothing runs at import time.
"""

from __future__ import annotations

import pluggy

from assessor.model.registry import AggregateSpec, MetricSpec, TableSpec, TemplateSpec

PROJECT = "assessor"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- inputs -------------------------------------------------------------------------------


@hookspec
def assessor_tables() -> list[TableSpec]:
    """Declare the input tables this plugin's metrics read.

    Returns one :class:`TableSpec` per table: its name (unique across plugins), bilingual
    labels, typed columns and, for time-stamped records, the date column that places a row in
    a period. Example: ``TableSpec("visits", "进站记录", "Service visits", columns=(...),
    time_column="visit_date")``.
    """


# -- metrics and functions ----------------------------------------------------------------


@hookspec
def assessor_metrics() -> list[MetricSpec]:
    """Declare the metrics schemes can call, such as ``churn_rate(lapse_months)``.

    Each :class:`MetricSpec` names its parameters (with units), its input tables, the table
    whose columns may key subjects, and ``compute(context, **arguments)``, which returns an
    Ibis table ``period, [subject], num, den`` built from ``context.table(name)`` only.
    """


@hookspec
def assessor_aggregates() -> list[AggregateSpec]:
    """Declare aggregates usable as ``f(metric of table.column)`` and ``f(metric over previous
    N months)``, such as ``mean`` and ``sum``.

    The engine hands ``finish(total, count)`` the exact sum of the defined members and their
    count, both exact values (``api.Exact``); it returns the exact result. Example: mean is
    ``total / count``.
    """


# -- templates ----------------------------------------------------------------------------


@hookspec
def assessor_templates() -> list[TemplateSpec]:
    """Declare ready schemes this plugin ships, each with the sample data it runs on.

    Example: ``TemplateSpec("auto-aftersales/churn-control", path, "售后客户流失率控制考核",
    "After-sales churn control", domain="auto_aftersales", sample_data=folder)``.
    """
