"""The floor-heating plugin's declarations: its input tables, metrics and template.

Seed 000 (地暖股权转让后客户关系维护绩效考核指标) names six aspects with three indicators
each; every indicator has a metric here over the records a floor-heating company keeps.
All metrics are keyed by a column of the service tickets (the team, or the technician for
the ticket metrics), so that one role serves the whole scorecard.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assessor import api
from assessor_floor_heating import (
    communication,
    market,
    quality,
    retention,
    satisfaction,
    tables,
    teamwork,
)

DOMAIN = "floor_heating"
FOLDER = "floor-heating"


@api.hookimpl
def assessor_tables() -> list[api.TableSpec]:
    """Service tickets, surveys, complaints, customers, reports, changed needs, calls,
    e-mails, internal requests, training, team projects and the cohesion survey.
    """
    return tables.all_tables()


def _hours(description: str) -> api.MetricParam:
    return api.MetricParam("hours", api.Unit.HOURS, minimum=Decimal(0), description=description)


def _shared_columns(inputs: tuple[str, ...]) -> tuple[str, ...]:
    columns = {t.name: {c.name for c in t.columns} for t in tables.all_tables()}
    shared = set.intersection(columns[tables.TICKETS], *(columns[name] for name in inputs))
    return tuple(sorted(shared))


def _metric(
    name: str,
    label_zh: str,
    label_en: str,
    unit: api.Unit,
    inputs: tuple[str, ...],
    compute: Any,
    description: str,
    **more: Any,
) -> api.MetricSpec:
    """A metric keyed by the tickets' columns; ratios show their counts, means do not.

    It can be grouped only by the tickets' columns every one of its inputs has (the team,
    for most), so a role drawn from another column is a scheme error, not a failed run.
    """
    more.setdefault("shows_fraction", unit == api.Unit.RATIO)
    more.setdefault("subject_columns", _shared_columns(inputs))
    return api.MetricSpec(
        name,
        label_zh,
        label_en,
        unit=unit,
        inputs=inputs,
        subject_table=tables.TICKETS,
        params=more.pop("params", ()),
        compute=compute,
        description=description,
        **more,
    )


def _satisfaction_metrics() -> list[api.MetricSpec]:
    """一、客户满意度."""
    return [
        _metric(
            "response_within",
            "服务响应时间（时限内响应率）",
            "answered within the time limit",
            api.Unit.RATIO,
            (tables.TICKETS,),
            satisfaction.response_within,
            "tickets first answered within `hours` of opening / tickets opened in the month",
            params=(_hours("time limit from opening a ticket to its first response"),),
            evidence=satisfaction.answered_tickets,
            evidence_zh="时限内响应的工单",
            evidence_en="tickets answered in time",
        ),
        _metric(
            "quality_score",
            "服务质量评分（10分制）",
            "service quality score (of 10)",
            api.Unit.NUMBER,
            (tables.SURVEYS,),
            satisfaction.quality_score,
            "mean service quality score (0–10) of the surveys answered in the month",
        ),
        _metric(
            "satisfaction_index",
            "客户满意度指数",
            "customer satisfaction index",
            api.Unit.NUMBER,
            (tables.SURVEYS,),
            satisfaction.satisfaction_index,
            "mean overall satisfaction (0–100) of the surveys answered in the month",
        ),
    ]


def _quality_metrics() -> list[api.MetricSpec]:
    """二、服务质量, and the major complaints a veto reads."""
    return [
        _metric(
            "technician_exam_score",
            "技术人员考核（技能考核平均成绩）",
            "technicians' mean exam mark",
            api.Unit.NUMBER,
            (tables.TRAINING,),
            quality.technician_exam_score,
            "mean skills-exam mark (0–100) of the exams sat in the month",
        ),
        _metric(
            "resolution_hours",
            "服务流程效率（平均解决时长）",
            "mean hours to resolve a ticket",
            api.Unit.HOURS,
            (tables.TICKETS,),
            quality.resolution_hours,
            "mean hours from opening to resolution, over the tickets resolved in the month",
        ),
        _metric(
            "attitude_score",
            "服务态度评分（10分制）",
            "service attitude score (of 10)",
            api.Unit.NUMBER,
            (tables.SURVEYS,),
            quality.attitude_score,
            "mean service attitude score (0–10) of the surveys answered in the month",
        ),
        _metric(
            "major_complaints",
            "重大投诉件数",
            "major complaints",
            api.Unit.COUNT,
            (tables.COMPLAINTS,),
            quality.major_complaints,
            "major complaints dated in the month (no row: none)",
            evidence=quality.major_complaints_listed,
            evidence_zh="重大投诉",
            evidence_en="major complaints",
        ),
    ]


def _retention_metrics() -> list[api.MetricSpec]:
    """三、客户留存率."""
    on_customers = (tables.CUSTOMERS,)
    return [
        _metric(
            "churn_rate",
            "客户流失率",
            "customer churn rate",
            api.Unit.RATIO,
            on_customers,
            retention.churn_rate,
            "customers lost in the month / customers on the books at its start",
            evidence=retention.lost_customers,
            evidence_zh="流失客户",
            evidence_en="lost customers",
        ),
        _metric(
            "retention_success_rate",
            "客户挽留成功率",
            "retention success rate",
            api.Unit.RATIO,
            on_customers,
            retention.retention_success_rate,
            "retention attempts of the month that kept the customer / attempts of the month",
            evidence=retention.retained_customers,
            evidence_zh="挽留成功的客户",
            evidence_en="customers kept",
        ),
        _metric(
            "inherited_retention",
            "原有客户留存率",
            "retention of inherited customers",
            api.Unit.RATIO,
            on_customers,
            retention.inherited_retention,
            "customers on the books at the transfer still customers at the month's end / "
            "customers on the books at the transfer",
            needs_transfer=True,
        ),
    ]


def _market_metrics() -> list[api.MetricSpec]:
    """四、市场反馈."""
    on_reports = (tables.REPORTS,)
    return [
        _metric(
            "research_reports",
            "市场调研报告数量",
            "market research reports",
            api.Unit.COUNT,
            on_reports,
            market.research_reports,
            "market research reports handed in in the month (no row: none)",
            evidence=market.research_reports_listed,
            evidence_zh="市场调研报告",
            evidence_en="market research reports",
        ),
        _metric(
            "competitor_reports",
            "竞争对手分析报告数量",
            "competitor analysis reports",
            api.Unit.COUNT,
            on_reports,
            market.competitor_reports,
            "competitor analyses handed in in the month (no row: none)",
            evidence=market.competitor_reports_listed,
            evidence_zh="竞争对手分析报告",
            evidence_en="competitor analyses",
        ),
        _metric(
            "needs_response_days",
            "客户需求变化响应速度（平均响应天数）",
            "mean days to respond to changed needs",
            api.Unit.DAYS,
            (tables.NEEDS,),
            market.needs_response_days,
            "mean days from noticing a change in a customer's needs to adjusting the "
            "service, over the changes responded to in the month",
        ),
    ]


def _communication_metrics() -> list[api.MetricSpec]:
    """五、沟通效率."""
    return [
        _metric(
            "internal_response_hours",
            "内部沟通效率（部门间协作平均时长）",
            "mean hours for another department to answer",
            api.Unit.HOURS,
            (tables.INTERNAL,),
            communication.internal_response_hours,
            "mean hours from raising a request with another department to its answer, "
            "over the requests answered in the month",
        ),
        _metric(
            "call_answer_rate",
            "电话接通率",
            "call answer rate",
            api.Unit.RATIO,
            (tables.CALLS,),
            communication.call_answer_rate,
            "calls answered / calls received in the month",
            evidence=communication.answered_calls,
            evidence_zh="已接通来电",
            evidence_en="calls answered",
        ),
        _metric(
            "email_reply_within",
            "邮件回复速度（时限内回复率）",
            "e-mails replied to within the time limit",
            api.Unit.RATIO,
            (tables.EMAILS,),
            communication.email_reply_within,
            "e-mails replied to within `hours` of receipt / e-mails received in the month",
            params=(_hours("time limit from receiving an e-mail to the reply"),),
            evidence=communication.emails_replied,
            evidence_zh="时限内回复的邮件",
            evidence_en="e-mails replied to in time",
        ),
        _metric(
            "channel_satisfaction",
            "沟通渠道满意度",
            "satisfaction with the channels",
            api.Unit.NUMBER,
            (tables.SURVEYS,),
            communication.channel_satisfaction,
            "mean channel satisfaction (0–100) of the month's surveys that answered it",
        ),
    ]


def _teamwork_metrics() -> list[api.MetricSpec]:
    """六、团队协作."""
    return [
        _metric(
            "training_participation",
            "培训参与率",
            "training participation",
            api.Unit.RATIO,
            (tables.TRAINING,),
            teamwork.training_participation,
            "invitations to the month's training sessions attended / invitations",
            evidence=teamwork.attended_sessions,
            evidence_zh="参加的培训",
            evidence_en="sessions attended",
        ),
        _metric(
            "project_completion_rate",
            "团队协作项目完成率",
            "team projects completed on time",
            api.Unit.RATIO,
            (tables.PROJECTS,),
            teamwork.project_completion_rate,
            "projects due in the month completed by their due date / projects due in it",
            evidence=teamwork.projects_on_time,
            evidence_zh="按期完成的项目",
            evidence_en="projects completed on time",
        ),
        _metric(
            "cohesion_index",
            "团队凝聚力指数",
            "team cohesion index",
            api.Unit.NUMBER,
            (tables.COHESION,),
            teamwork.cohesion_index,
            "mean answer (1–5) of the month's cohesion survey × 20, on a 0–100 scale",
        ),
    ]


@api.hookimpl
def assessor_metrics() -> list[api.MetricSpec]:
    """One metric or more for each of the seed's 18 indicators, and the major complaints."""
    return [
        *_satisfaction_metrics(),
        *_quality_metrics(),
        *_retention_metrics(),
        *_market_metrics(),
        *_communication_metrics(),
        *_teamwork_metrics(),
    ]


@api.hookimpl
def assessor_templates() -> list[api.TemplateSpec]:
    """地暖客户关系维护绩效考核方案: the customer-relations teams' monthly scorecard."""
    folder = api.templates_folder(__file__, FOLDER)
    return [
        api.TemplateSpec(
            f"{FOLDER}/customer-relations",
            folder / "customer-relations.assess",
            "地暖客户关系维护绩效考核方案",
            "Floor heating: customer-relations KPIs after the equity transfer",
            domain=DOMAIN,
            sample_data=folder / "sample-data",
        )
    ]
