"""Generic functions every scheme may use, registered through the same hooks as any plugin."""

from __future__ import annotations

from assessor.model.registry import AggregateSpec
from assessor.plugins.hookspecs import hookimpl


def _mean(total, count):
    return total / count


def _sum(total, count):
    return total


@hookimpl
def assessor_aggregates() -> list[AggregateSpec]:
    """``mean`` and ``sum`` of a metric over a mapping table or over previous periods."""
    return [
        AggregateSpec(
            "mean", "平均值", "mean", _mean, description="unweighted mean of the defined values"
        ),
        AggregateSpec("sum", "合计", "sum", _sum, description="sum of the defined values"),
    ]
