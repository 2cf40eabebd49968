"""Everything a plugin needs, in one import: ``from assessor import api``.

Plugins import only this module, so the engine's internals can change without breaking them.
"""

from typing import Any

from assessor.model.registry import (
    AggregateSpec,
    ColumnSpec,
    MetricParam,
    MetricSpec,
    ReportSection,
    ReportTable,
    RowRule,
    ScoringTable,
    TableSpec,
    TemplateSpec,
)
from assessor.model.units import Unit
from assessor.plugins.hookspecs import hookimpl
from assessor.plugins.templates import templates_folder

__all__ = [
    "EXACT",  # noqa: F822 - loaded on first use by __getattr__
    "AggregateSpec",
    "ColumnSpec",
    "Exact",  # noqa: F822
    "MetricContext",  # noqa: F822
    "MetricParam",
    "MetricSpec",
    "ReportSection",
    "ReportTable",
    "RowRule",
    "ScoringTable",
    "TableSpec",
    "TemplateSpec",
    "Unit",
    "hookimpl",
    "inherited_retention",  # noqa: F822
    "templates_folder",
]


def __getattr__(name: str) -> Any:
    """Load engine types on first use: declaring a plugin must not import the query engine."""
    if name in ("EXACT", "Exact"):
        from assessor.engine import exact

        return getattr(exact, name)
    if name == "MetricContext":
        from assessor.engine.plan import MetricContext

        return MetricContext
    if name == "inherited_retention":
        from assessor.engine.cohort import inherited_retention

        return inherited_retention
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
