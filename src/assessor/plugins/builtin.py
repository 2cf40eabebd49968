"""What every scheme may use without `uses`: the generic inputs ``kpi_values`` and ``ratings``,
the metrics ``kpi`` and ``kpi_percent``, and the aggregates ``mean`` and ``sum``. Registered
through the same hooks as any plugin.
"""

from __future__ import annotations

from assessor.model.registry import (
    KPI_VALUES,
    RATINGS,
    AggregateSpec,
    ColumnSpec,
    MetricParam,
    MetricSpec,
    TableSpec,
)
from assessor.model.units import Unit
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


_SUBJECT = ColumnSpec("subject", "text", "考核对象", "subject assessed")
_PERIOD = ColumnSpec("period", "month", "月份（2026-03）", "month (2026-03)")


@hookimpl
def assessor_tables() -> list[TableSpec]:
    """Numbers a company already keeps: indicator values and evaluators' ratings."""
    return [
        TableSpec(
            KPI_VALUES,
            "指标数值",
            "KPI values",
            columns=(
                _SUBJECT,
                _PERIOD,
                ColumnSpec("indicator", "text", "指标名称", "indicator"),
                ColumnSpec("value", "decimal", "数值", "value"),
            ),
            time_column="period",
            key=("subject", "period", "indicator"),
        ),
        TableSpec(
            RATINGS,
            "评分记录",
            "Ratings",
            columns=(
                _SUBJECT,
                _PERIOD,
                ColumnSpec("evaluator", "text", "评分人", "evaluator"),
                ColumnSpec("criterion", "text", "评分项", "criterion"),
                ColumnSpec("score", "text", "评分", "score"),
            ),
            time_column="period",
            key=("subject", "period", "evaluator", "criterion"),
            # no reviews held yet is a fact; the rubrics' missing-data policies apply
            may_be_empty=True,
        ),
    ]


def _kpi(context, indicator: str, percent: bool = False):
    """The value of one indicator per subject and month, exactly: value * 10^9 / 10^9."""
    table = context.table(KPI_VALUES)
    rows = table.filter(
        (table.indicator == indicator)
        & (table.period >= context.first_period)
        & (table.period <= context.last_period)
    )
    scale = 10**9 * (100 if percent else 1)
    return rows.select(
        *context.scope,
        period=rows.period,
        subject=rows.subject,
        num=(rows.value * 10**9).cast("decimal(38, 0)"),
        den=rows.value.cast("decimal(38, 0)") * 0 + scale,
    )


def _kpi_percent(context, indicator: str):
    return _kpi(context, indicator, percent=True)


_INDICATOR = MetricParam("indicator", Unit.NUMBER, text=True, description="indicator name")


@hookimpl
def assessor_metrics() -> list[MetricSpec]:
    """``kpi("name")`` and ``kpi_percent("name")``: a subject's value of an indicator."""
    common = {
        "inputs": (KPI_VALUES,),
        "subject_table": KPI_VALUES,
        "params": (_INDICATOR,),
        "shows_fraction": False,
        "by_subject_value": True,
    }
    return [
        MetricSpec(
            "kpi",
            "指标数值",
            "KPI value",
            unit=Unit.NUMBER,
            compute=_kpi,
            description="the value of an indicator in kpi_values",
            **common,
        ),
        MetricSpec(
            "kpi_percent",
            "指标数值（百分数）",
            "KPI value in percent",
            unit=Unit.RATIO,
            compute=_kpi_percent,
            description="an indicator written in percent points (95 means 95%)",
            **common,
        ),
    ]
