"""The electrical-equipment plugin's declarations: its input tables, metrics and templates.

Every metric is keyed by the ``team`` column of the table it reads (``by_subject_value``): one
scheme role (the customer-relationship team) then reads all of them, although they come from
different tables. A role drawn from any table whose values are the team names works, such as
``electrical_customers.team`` or ``ratings.subject``.
"""

from __future__ import annotations

from decimal import Decimal

from assessor import api
from assessor_electrical import customers, market, service
from assessor_electrical.tables import (
    COMPLAINTS,
    CUSTOMERS,
    MARKET,
    REQUESTS,
    SURVEYS,
    UPDATES,
    all_tables,
)

DOMAIN = "electrical"
FOLDER = "electrical-equipment"


@api.hookimpl
def assessor_tables() -> list[api.TableSpec]:
    """Service requests, complaints, surveys, record updates, market figures and customers."""
    return all_tables()


def _whole(name: str, unit: api.Unit, description: str) -> api.MetricParam:
    return api.MetricParam(name, unit, integer=True, minimum=Decimal(1), description=description)


@api.hookimpl
def assessor_metrics() -> list[api.MetricSpec]:
    """The measurable criteria of the seed, as relational metrics over the domain's tables."""
    look_back = _whole("months", api.Unit.MONTHS, "months looked back, the current one included")
    return [
        api.MetricSpec(
            "response_rate",
            "服务请求按时响应率",
            "service requests answered in time",
            unit=api.Unit.RATIO,
            inputs=(REQUESTS,),
            subject_table=REQUESTS,
            params=(_whole("hours", api.Unit.HOURS, "time allowed for the first response"),),
            compute=service.response_rate,
            evidence=service.answered_requests,
            evidence_zh="按时响应的服务请求",
            evidence_en="requests answered in time",
            description="requests answered within `hours` / requests whose time limit "
            "ran out in the month",
            by_subject_value=True,
        ),
        api.MetricSpec(
            "complaints_resolved_within",
            "投诉按时解决率",
            "complaints resolved in time",
            unit=api.Unit.RATIO,
            inputs=(COMPLAINTS,),
            subject_table=COMPLAINTS,
            params=(_whole("days", api.Unit.DAYS, "time allowed to resolve a complaint"),),
            compute=service.complaints_resolved_within,
            evidence=service.resolved_in_time,
            evidence_zh="按时解决的投诉",
            evidence_en="complaints resolved in time",
            description="complaints closed as resolved within `days` / complaints whose "
            "time limit ran out in the month",
            by_subject_value=True,
        ),
        api.MetricSpec(
            "complaint_resolution",
            "投诉解决率",
            "complaints resolved",
            unit=api.Unit.RATIO,
            inputs=(COMPLAINTS,),
            subject_table=COMPLAINTS,
            params=(),
            compute=service.complaint_resolution,
            evidence=service.resolved_complaints,
            evidence_zh="已解决的投诉",
            evidence_en="complaints resolved",
            description="complaints closed in the month and resolved / complaints closed "
            "in the month",
            by_subject_value=True,
        ),
        api.MetricSpec(
            "survey_score",
            "客户满意度平均分（10分制）",
            "mean satisfaction score (of 10)",
            unit=api.Unit.NUMBER,
            inputs=(SURVEYS,),
            subject_table=SURVEYS,
            params=(),
            compute=customers.survey_score,
            description="mean score of the surveys dated in the month",
            shows_fraction=False,
            by_subject_value=True,
        ),
        api.MetricSpec(
            "survey_coverage",
            "满意度调查覆盖率",
            "share of customers surveyed",
            unit=api.Unit.RATIO,
            inputs=(SURVEYS, CUSTOMERS),
            subject_table=CUSTOMERS,
            params=(look_back,),
            compute=customers.survey_coverage,
            description="customers on the books at month end with a survey in the last "
            "`months` months / customers on the books",
            by_subject_value=True,
        ),
        api.MetricSpec(
            "info_update_rate",
            "客户信息更新率",
            "share of customer records kept up to date",
            unit=api.Unit.RATIO,
            inputs=(UPDATES, CUSTOMERS),
            subject_table=CUSTOMERS,
            params=(look_back,),
            compute=customers.info_update_rate,
            description="customers on the books at month end whose record was updated in "
            "the last `months` months / customers on the books",
            by_subject_value=True,
        ),
        api.MetricSpec(
            "market_share",
            "市场份额",
            "market share",
            unit=api.Unit.RATIO,
            inputs=(MARKET,),
            subject_table=MARKET,
            params=(),
            compute=market.market_share,
            description="own sales / the whole market of the region, in the month",
            by_subject_value=True,
        ),
        api.MetricSpec(
            "inherited_retention",
            "原有客户留存率",
            "retention of the customers inherited at the transfer",
            unit=api.Unit.RATIO,
            inputs=(CUSTOMERS,),
            subject_table=CUSTOMERS,
            params=(),
            compute=customers.inherited_retention,
            description="customers on the books on the transfer date and still customers at "
            "month end / customers on the books on the transfer date",
            by_subject_value=True,
            needs_transfer=True,
        ),
    ]


@api.hookimpl
def assessor_templates() -> list[api.TemplateSpec]:
    """The customer-relationship team scheme (电气设备客户关系维护团队考核方案)."""
    folder = api.templates_folder(__file__, FOLDER)
    return [
        api.TemplateSpec(
            f"{FOLDER}/crm-team",
            folder / "crm-team.assess",
            "电气设备企业转让后客户关系维护团队考核方案",
            "Electrical equipment: customer-relationship teams after the transfer",
            domain=DOMAIN,
            sample_data=folder / "sample-data",
        ),
    ]
