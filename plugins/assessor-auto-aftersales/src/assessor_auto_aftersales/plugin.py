"""The auto after-sales plugin's declarations: its input tables, metrics and templates.

Three schemes of one after-sales department share it: churn control (进站记录, 回访分工,
月流失率), the service KPIs (售后工单, 来电记录, 责任投诉) and the salespeople's customer
churn (销售客户档案, 客户流失率, 原有客户留存率).
"""

from __future__ import annotations

from decimal import Decimal

from assessor import api
from assessor_auto_aftersales import report, sales, service, tables
from assessor_auto_aftersales.churn import churn_rate, lost_customers

DOMAIN = "auto_aftersales"


@api.hookimpl
def assessor_tables() -> list[api.TableSpec]:
    """Service visits (进站记录), follow-up assignments (回访分工), service tickets (售后工单),
    calls (来电记录), responsibility complaints (责任投诉) and sales customers (销售客户档案).
    """
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
        tables.tickets_table(),
        tables.calls_table(),
        tables.complaints_table(),
        tables.sales_customers_table(),
    ]


@api.hookimpl
def assessor_metrics() -> list[api.MetricSpec]:
    """月流失率 (churn control), the service KPIs and the salespeople's customer churn."""
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
            evidence=lost_customers,
            evidence_zh="流失客户",
            evidence_en="lost customers",
        ),
        *_service_metrics(),
        *_sales_metrics(),
    ]


def _hours(description: str) -> api.MetricParam:
    return api.MetricParam("hours", api.Unit.HOURS, minimum=Decimal(0), description=description)


def _service_metrics() -> list[api.MetricSpec]:
    """Metrics over tickets, calls and complaints. All are keyed by a column of the tickets
    (a team or an agent), so that one role serves every metric of the service scheme.
    """
    on_tickets = {"subject_table": tables.TICKETS, "unit": api.Unit.RATIO}
    return [
        api.MetricSpec(
            "response_within",
            "响应及时率",
            "answered within the time limit",
            inputs=(tables.TICKETS,),
            params=(_hours("time limit from opening to the first response"),),
            compute=service.response_within,
            evidence=service.answered_tickets,
            evidence_zh="时限内响应的工单",
            evidence_en="tickets answered in time",
            description="tickets first answered within `hours` of opening / tickets opened",
            **on_tickets,
        ),
        api.MetricSpec(
            "resolution_within",
            "问题解决率（时限内解决）",
            "resolved within the time limit",
            inputs=(tables.TICKETS,),
            params=(_hours("time limit from opening to the resolution"),),
            compute=service.resolution_within,
            evidence=service.resolved_tickets,
            evidence_zh="时限内解决的工单",
            evidence_en="tickets resolved in time",
            description="tickets resolved within `hours` of opening / tickets opened",
            **on_tickets,
        ),
        api.MetricSpec(
            "first_contact_resolution",
            "一次响应解决率",
            "first-contact resolution",
            inputs=(tables.TICKETS,),
            params=(),
            compute=service.first_contact_resolution,
            evidence=service.first_contact_tickets,
            evidence_zh="一次解决的工单",
            evidence_en="tickets resolved at the first contact",
            description="tickets resolved at the first contact / tickets opened",
            **on_tickets,
        ),
        api.MetricSpec(
            "satisfaction",
            "客户满意度（平均评分）",
            "mean satisfaction score",
            unit=api.Unit.NUMBER,
            inputs=(tables.TICKETS,),
            subject_table=tables.TICKETS,
            params=(),
            compute=service.satisfaction,
            description="mean survey score (1–5) of the tickets opened in the month",
            shows_fraction=False,
        ),
        api.MetricSpec(
            "answer_rate",
            "接听率",
            "answer rate",
            inputs=(tables.CALLS,),
            params=(),
            compute=service.answer_rate,
            evidence=service.answered_calls,
            evidence_zh="已接听来电",
            evidence_en="calls answered",
            description="incoming calls answered / incoming calls (per team or store)",
            # calls are logged per team, not per agent
            subject_columns=("team",),
            **on_tickets,
        ),
        api.MetricSpec(
            "complaints",
            "责任投诉件数",
            "responsibility complaints",
            unit=api.Unit.COUNT,
            inputs=(tables.COMPLAINTS,),
            subject_table=tables.TICKETS,
            params=(
                api.MetricParam(
                    "complaint_class",
                    api.Unit.NUMBER,
                    integer=True,
                    minimum=Decimal(1),
                    maximum=Decimal(3),
                    description="1 一类 (major), 2 二类 (serious) or 3 三类 (ordinary)",
                ),
            ),
            compute=service.complaints,
            evidence=service.complaints_of_class,
            evidence_zh="责任投诉",
            evidence_en="complaints",
            description="complaints of one class dated in the month (no row: none)",
            shows_fraction=False,
            # a complaint names its team and, when one is responsible, its agent
            subject_columns=("team", "agent"),
        ),
        api.MetricSpec(
            "complaint_rate",
            "客户投诉率",
            "complaint rate",
            inputs=(tables.COMPLAINTS, tables.TICKETS),
            params=(),
            compute=service.complaint_rate,
            evidence=service.complaints_filed,
            evidence_zh="责任投诉",
            evidence_en="complaints",
            description="responsibility complaints dated in the month / tickets opened in it",
            subject_columns=("team", "agent"),
            **on_tickets,
        ),
    ]


def _sales_metrics() -> list[api.MetricSpec]:
    """The salespeople's customer churn, and the customers inherited at the transfer."""
    common = {
        "unit": api.Unit.RATIO,
        "inputs": (tables.SALES_CUSTOMERS,),
        "subject_table": tables.SALES_CUSTOMERS,
        "params": (),
    }
    return [
        api.MetricSpec(
            "sales_churn_rate",
            "客户流失率（销售）",
            "customer churn (sales)",
            compute=sales.sales_churn_rate,
            evidence=sales.lost_customers,
            evidence_zh="流失客户",
            evidence_en="lost customers",
            description="customers lost in the month / customers on the books at its start",
            **common,
        ),
        api.MetricSpec(
            "inherited_retention",
            "原有客户留存率",
            "retention of inherited customers",
            compute=sales.inherited_retention,
            description="customers on the books at the transfer still customers at the "
            "month's end / customers on the books at the transfer",
            needs_transfer=True,
            **common,
        ),
    ]


@api.hookimpl
def assessor_templates() -> list[api.TemplateSpec]:
    """The department's three schemes: churn control (售后客户流失率控制考核方案), the service
    KPIs (售后客服绩效考核方案) and the salespeople's churn (销售人员客户流失率考核方案).
    """
    folder = api.templates_folder(__file__, "auto-aftersales")
    return [
        api.TemplateSpec(
            "auto-aftersales/churn-control",
            folder / "churn-control.assess",
            "售后客户流失率控制考核方案（试行）",
            "After-sales customer churn control (trial)",
            domain=DOMAIN,
            sample_data=folder / "sample-data",
        ),
        api.TemplateSpec(
            "auto-aftersales/service-kpi",
            folder / "service-kpi.assess",
            "售后客服绩效考核方案",
            "After-sales customer-service KPIs",
            domain=DOMAIN,
            sample_data=folder / "sample-data-service-kpi",
        ),
        api.TemplateSpec(
            "auto-aftersales/sales-churn",
            folder / "sales-churn.assess",
            "销售人员客户流失率考核方案",
            "Salespeople's customer churn after the equity transfer",
            domain=DOMAIN,
            sample_data=folder / "sample-data-sales-churn",
        ),
    ]


@api.hookimpl
def assessor_report_sections() -> list[api.ReportSection]:
    """考核项一览: per period and rule, the shared reference and how many subjects were
    rewarded, penalised, neither or n/a.
    """
    return [
        api.ReportSection(
            "rules_at_a_glance", "考核项一览", "Rules at a glance", report.rules_at_a_glance
        )
    ]
