"""The auto after-sales plugin's declarations: its input tables, metrics and templates."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from assessor import api
from assessor_auto_aftersales.churn import churn_rate

DOMAIN = "auto_aftersales"


@api.hookimpl
def assessor_tables() -> list[api.TableSpec]:
    """Service visits (进站记录) and the follow-up assignments (回访分工)."""
    return [
        api.TableSpec(
            "visits",
            "进站记录",
            "Service visits",
            columns=(
                api.ColumnSpec(
                    "visit_id",
                    "integer",
                    "进站编号（同日以较大者为后）",
                    "visit number (on one day, the larger is the later visit)",
                ),
                api.ColumnSpec("customer_id", "text", "客户编号", "customer id"),
                api.ColumnSpec("visit_date", "date", "进站日期", "visit date"),
                api.ColumnSpec("advisor_group", "text", "业务接待组", "service advisor group"),
            ),
            time_column="visit_date",
        ),
        api.TableSpec(
            "followups",
            "回访分工",
            "Follow-up assignments",
            columns=(
                api.ColumnSpec("specialist", "text", "回访专员", "follow-up specialist"),
                api.ColumnSpec(
                    "advisor_group",
                    "text",
                    "所回访业务接待组",
                    "advisor group the specialist follows",
                ),
            ),
        ),
    ]


@api.hookimpl
def assessor_metrics() -> list[api.MetricSpec]:
    """``churn_rate(lapse_months)``: 月流失率, per store or per advisor group."""
    return [
        api.MetricSpec(
            "churn_rate",
            "月流失率",
            "monthly churn rate",
            unit=api.Unit.RATIO,
            inputs=("visits",),
            subject_table="visits",
            params=(
                api.MetricParam(
                    "lapse_months",
                    api.Unit.MONTHS,
                    integer=True,
                    minimum=Decimal(1),
                    description="months without a visit after which a customer counts as lost",
                ),
            ),
            compute=churn_rate,
            description="customers lost in the month / visits in the month `lapse_months` earlier",
        ),
    ]


@api.hookimpl
def assessor_templates() -> list[api.TemplateSpec]:
    """The churn-control scheme of the after-sales department (售后客户流失率控制考核方案)."""
    folder = _templates_folder()
    return [
        api.TemplateSpec(
            "auto-aftersales/churn-control",
            folder / "churn-control.assess",
            "售后客户流失率控制考核方案（试行）",
            "After-sales customer churn control (trial)",
            domain=DOMAIN,
            sample_data=folder / "sample-data",
        ),
    ]


def _templates_folder() -> Path:
    """Templates ship inside the wheel; in a source checkout they live in schemes/."""
    packaged = Path(__file__).parent / "templates" / "auto-aftersales"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[4] / "schemes" / "auto-aftersales"
