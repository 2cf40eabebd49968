"""The records a floor-heating company (地暖企业) already keeps, as input tables.

Every table carries the customer-relations team (客户关系维护小组) in a column named
``team``, so that one role drawn from the service tickets serves every metric of the domain.
Table names are global across plugins, hence the ``heating_`` prefix.

The row rules are what a person would call impossible records: an answer before the question,
a customer lost before they were won, an exam mark for a session the employee missed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assessor import api

TICKETS = "heating_tickets"
SURVEYS = "heating_surveys"
CUSTOMERS = "heating_customers"
REPORTS = "heating_reports"
NEEDS = "heating_needs_changes"
CALLS = "heating_calls"
EMAILS = "heating_emails"
INTERNAL = "heating_internal_requests"
TRAINING = "heating_training"
PROJECTS = "heating_projects"
COHESION = "heating_cohesion"
COMPLAINTS = "heating_complaints"

YES, NO = "是", "否"
# 1.1.1 / 2.1: 安装、维修、保养
TICKET_KINDS = ("安装", "维修", "保养")
# 5.1.3: 电话、邮件、在线客服 (and the technician's visit)
CHANNELS = ("电话", "邮件", "在线客服", "上门")
# 3.1.1 客户流失原因分析: 服务质量、价格、服务态度 and the usual others
LOST_REASONS = ("服务质量", "价格", "服务态度", "搬迁", "其他")
RETAINED, NOT_RETAINED = "挽留成功", "挽留失败"
RESEARCH, COMPETITOR = "市场调研", "竞争对手分析"
MAJOR, ORDINARY = "重大", "一般"

_TEAM = api.ColumnSpec("team", "text", "客户关系维护小组", "customer-relations team")
_EMPLOYEE = api.ColumnSpec("employee", "text", "员工姓名", "employee")
_CUSTOMER = api.ColumnSpec("customer_id", "text", "客户编号", "customer id")


def _optional(name: str, type_: Any, label_zh: str, label_en: str, **more: Any) -> api.ColumnSpec:
    """A column that may be blank; the labels say what a blank means."""
    return api.ColumnSpec(name, type_, label_zh, label_en, required=False, **more)


def _score(name: str, label_zh: str, label_en: str, high: int, **more: Any) -> api.ColumnSpec:
    """A survey or exam mark from 0 (or 1) to ``high``."""
    low = more.pop("low", 0)
    unit = api.Unit.POINTS if high == 100 else api.Unit.NUMBER
    return api.ColumnSpec(
        name,
        "decimal",
        label_zh,
        label_en,
        unit=unit,
        minimum=Decimal(low),
        maximum=Decimal(high),
        **more,
    )


def _not_before(later: str, earlier: str) -> Any:
    """A predicate: ``later`` is on or after ``earlier`` (a blank ``later`` keeps the rule)."""

    def holds(t: Any) -> Any:
        return t[later] >= t[earlier]

    holds.__doc__ = f"{later} is not before {earlier}"
    return holds


def _rule(name: str, label_zh: str, label_en: str, later: str, earlier: str) -> api.RowRule:
    return api.RowRule(name, label_zh, label_en, (earlier, later), _not_before(later, earlier))


# -- service -------------------------------------------------------------------------------


def tickets_table() -> api.TableSpec:
    """服务工单: one row per installation, repair or maintenance job, in the month opened."""
    return api.TableSpec(
        TICKETS,
        "服务工单",
        "Service tickets",
        columns=(
            api.ColumnSpec("ticket_id", "text", "工单编号", "ticket id"),
            _CUSTOMER,
            api.ColumnSpec(
                "kind",
                "text",
                "工单类型（安装/维修/保养）",
                "kind (安装 installation, 维修 repair, 保养 maintenance)",
                choices=TICKET_KINDS,
            ),
            api.ColumnSpec("technician", "text", "技术人员", "technician"),
            _TEAM,
            api.ColumnSpec("opened_at", "timestamp", "受理时间", "opened at"),
            _optional(
                "first_response_at",
                "timestamp",
                "首次响应时间（空：未响应）",
                "first response at (blank: not answered yet)",
            ),
            _optional(
                "resolved_at",
                "timestamp",
                "解决时间（空：未解决）",
                "resolved at (blank: not resolved yet)",
            ),
        ),
        time_column="opened_at",
        key=("ticket_id",),
        rules=(
            _rule(
                "response_after_opening",
                "首次响应时间早于受理时间",
                "first response before the ticket was opened",
                "first_response_at",
                "opened_at",
            ),
            _rule(
                "resolution_after_opening",
                "解决时间早于受理时间",
                "resolved before the ticket was opened",
                "resolved_at",
                "opened_at",
            ),
            _rule(
                "resolution_after_response",
                "解决时间早于首次响应时间",
                "resolved before the first response",
                "resolved_at",
                "first_response_at",
            ),
        ),
    )


def surveys_table() -> api.TableSpec:
    """客户满意度调查: one row per answered survey (回访问卷), in the month it was answered."""
    return api.TableSpec(
        SURVEYS,
        "客户满意度调查",
        "Customer satisfaction surveys",
        columns=(
            api.ColumnSpec("survey_id", "text", "问卷编号", "survey id"),
            _CUSTOMER,
            _TEAM,
            api.ColumnSpec("surveyed_on", "date", "调查日期", "answered on"),
            _score("quality_score", "服务质量评分（0–10）", "service quality score (0–10)", 10),
            _score("attitude_score", "服务态度评分（0–10）", "service attitude score (0–10)", 10),
            _score("satisfaction", "总体满意度（0–100）", "overall satisfaction (0–100)", 100),
            api.ColumnSpec(
                "channel",
                "text",
                "主要沟通渠道（电话/邮件/在线客服/上门）",
                "channel the customer mostly used (电话 phone, 邮件 e-mail, 在线客服 online "
                "chat, 上门 visit)",
                choices=CHANNELS,
            ),
            _score(
                "channel_score",
                "沟通渠道满意度（0–100，空：未答）",
                "satisfaction with that channel (0–100, blank: not answered)",
                100,
                required=False,
            ),
        ),
        time_column="surveyed_on",
        key=("survey_id",),
    )


def complaints_table() -> api.TableSpec:
    """客户投诉: complaints found to be the team's responsibility, major or ordinary."""
    return api.TableSpec(
        COMPLAINTS,
        "客户投诉",
        "Customer complaints",
        columns=(
            api.ColumnSpec("complaint_id", "text", "投诉编号", "complaint id"),
            _CUSTOMER,
            _TEAM,
            api.ColumnSpec("complaint_date", "date", "投诉日期", "complaint date"),
            api.ColumnSpec(
                "severity",
                "text",
                "投诉级别（重大/一般）",
                "severity (重大 major, 一般 ordinary)",
                choices=(MAJOR, ORDINARY),
            ),
            _optional("description", "text", "投诉内容", "what happened"),
        ),
        time_column="complaint_date",
        key=("complaint_id",),
        may_be_empty=True,
    )


# -- customers -----------------------------------------------------------------------------


def _outcome_needs_attempt(t: Any) -> Any:
    """A retention outcome is recorded only for a customer someone tried to retain."""
    return t.retention_outcome.isnull() | t.retention_attempt_on.notnull()


def _reason_needs_loss(t: Any) -> Any:
    """A reason for leaving is recorded only for a customer who left."""
    return t.lost_reason.isnull() | t.lost_on.notnull()


def customers_table() -> api.TableSpec:
    """客户档案: one row per customer, with the team that looks after them.

    A register, not a log of events: it has no time column. The metrics place its dates
    (won, lost, retention attempt) in months themselves.
    """
    return api.TableSpec(
        CUSTOMERS,
        "客户档案",
        "Customers",
        columns=(
            _CUSTOMER,
            _TEAM,
            api.ColumnSpec("since", "date", "成为客户日期", "customer since"),
            _optional("lost_on", "date", "流失日期（空：仍是客户）", "lost on (blank: still one)"),
            _optional(
                "lost_reason",
                "text",
                "流失原因（服务质量/价格/服务态度/搬迁/其他）",
                "why they left (service quality, price, attitude, moved away, other)",
                choices=LOST_REASONS,
            ),
            _optional(
                "retention_attempt_on",
                "date",
                "挽留日期（空：未挽留）",
                "retention attempt on (blank: none)",
            ),
            _optional(
                "retention_outcome",
                "text",
                "挽留结果（挽留成功/挽留失败，空：未定）",
                "retention outcome (挽留成功 kept, 挽留失败 not kept; blank: pending)",
                choices=(RETAINED, NOT_RETAINED),
            ),
        ),
        key=("customer_id",),
        rules=(
            _rule(
                "lost_after_won",
                "流失日期早于成为客户日期",
                "lost before becoming a customer",
                "lost_on",
                "since",
            ),
            _rule(
                "attempt_after_won",
                "挽留日期早于成为客户日期",
                "retention attempt before becoming a customer",
                "retention_attempt_on",
                "since",
            ),
            api.RowRule(
                "outcome_needs_attempt",
                "有挽留结果却没有挽留日期",
                "a retention outcome without a retention attempt",
                ("retention_attempt_on", "retention_outcome"),
                _outcome_needs_attempt,
            ),
            api.RowRule(
                "reason_needs_loss",
                "有流失原因却没有流失日期",
                "a reason for leaving, but no date lost",
                ("lost_on", "lost_reason"),
                _reason_needs_loss,
            ),
        ),
    )


# -- market feedback -----------------------------------------------------------------------


def reports_table() -> api.TableSpec:
    """市场调研与竞争对手分析报告: one row per report handed in."""
    return api.TableSpec(
        REPORTS,
        "市场调研与竞争对手分析报告",
        "Market research and competitor reports",
        columns=(
            api.ColumnSpec("report_id", "text", "报告编号", "report id"),
            _TEAM,
            api.ColumnSpec("author", "text", "撰写人", "author"),
            api.ColumnSpec("submitted_on", "date", "提交日期", "handed in on"),
            api.ColumnSpec(
                "kind",
                "text",
                "报告类型（市场调研/竞争对手分析）",
                "kind (市场调研 market research, 竞争对手分析 competitor analysis)",
                choices=(RESEARCH, COMPETITOR),
            ),
            _optional("title", "text", "报告标题", "title"),
        ),
        time_column="submitted_on",
        key=("report_id",),
    )


def needs_table() -> api.TableSpec:
    """客户需求变化: one row per change in a customer's needs the team noticed."""
    return api.TableSpec(
        NEEDS,
        "客户需求变化",
        "Changes in customers' needs",
        columns=(
            api.ColumnSpec("change_id", "text", "记录编号", "record id"),
            _CUSTOMER,
            _TEAM,
            api.ColumnSpec("noticed_on", "date", "发现日期", "noticed on"),
            _optional(
                "responded_on",
                "date",
                "调整服务（响应）日期（空：未响应）",
                "service adjusted on (blank: not yet)",
            ),
            _optional("description", "text", "需求变化内容", "what changed"),
        ),
        time_column="noticed_on",
        key=("change_id",),
        rules=(
            _rule(
                "response_after_notice",
                "响应日期早于发现日期",
                "responded before the change was noticed",
                "responded_on",
                "noticed_on",
            ),
        ),
    )


# -- communication -------------------------------------------------------------------------


def calls_table() -> api.TableSpec:
    """客户来电: one row per incoming customer call, answered or not."""
    return api.TableSpec(
        CALLS,
        "客户来电",
        "Incoming customer calls",
        columns=(
            api.ColumnSpec("call_id", "text", "来电编号", "call id"),
            _TEAM,
            api.ColumnSpec("called_at", "timestamp", "来电时间", "called at"),
            api.ColumnSpec(
                "answered", "text", "是否接通（是/否）", "answered (是/否)", choices=(YES, NO)
            ),
        ),
        time_column="called_at",
        key=("call_id",),
    )


def emails_table() -> api.TableSpec:
    """客户邮件: one row per customer e-mail received, with the time of the reply."""
    return api.TableSpec(
        EMAILS,
        "客户邮件",
        "Customer e-mails",
        columns=(
            api.ColumnSpec("email_id", "text", "邮件编号", "e-mail id"),
            _TEAM,
            api.ColumnSpec("received_at", "timestamp", "收到时间", "received at"),
            _optional(
                "replied_at",
                "timestamp",
                "回复时间（空：未回复）",
                "replied at (blank: not replied)",
            ),
        ),
        time_column="received_at",
        key=("email_id",),
        rules=(
            _rule(
                "reply_after_receipt",
                "回复时间早于收到时间",
                "replied before the e-mail arrived",
                "replied_at",
                "received_at",
            ),
        ),
    )


def internal_table() -> api.TableSpec:
    """内部协作单: one row per request a team passed to another department."""
    return api.TableSpec(
        INTERNAL,
        "内部协作单",
        "Internal requests to other departments",
        columns=(
            api.ColumnSpec("request_id", "text", "协作单编号", "request id"),
            _TEAM,
            api.ColumnSpec(
                "department", "text", "协作部门", "department asked (工程部, 仓储部, …)"
            ),
            api.ColumnSpec("raised_at", "timestamp", "发出时间", "raised at"),
            _optional(
                "answered_at",
                "timestamp",
                "办结时间（空：未办结）",
                "answered at (blank: still open)",
            ),
        ),
        time_column="raised_at",
        key=("request_id",),
        rules=(
            _rule(
                "answer_after_request",
                "办结时间早于发出时间",
                "answered before the request was raised",
                "answered_at",
                "raised_at",
            ),
        ),
    )


# -- teamwork ------------------------------------------------------------------------------


def _exam_needs_attendance(t: Any) -> Any:
    """Only an employee who attended a session has an exam mark for it."""
    return (t.attended == YES) | t.exam_score.isnull()


def training_table() -> api.TableSpec:
    """培训记录: one row per employee invited to a training session."""
    return api.TableSpec(
        TRAINING,
        "培训记录",
        "Training attendance",
        columns=(
            _EMPLOYEE,
            _TEAM,
            api.ColumnSpec("session_date", "date", "培训日期", "session date"),
            api.ColumnSpec("session", "text", "培训课程", "session"),
            api.ColumnSpec(
                "attended", "text", "是否参加（是/否）", "attended (是/否)", choices=(YES, NO)
            ),
            _score(
                "exam_score",
                "技能考核成绩（0–100，空：未考核）",
                "skills exam mark (0–100, blank: no exam)",
                100,
                required=False,
            ),
        ),
        time_column="session_date",
        key=("employee", "session_date", "session"),
        rules=(
            api.RowRule(
                "exam_needs_attendance",
                "未参加培训却有考核成绩",
                "an exam mark for a session not attended",
                ("attended", "exam_score"),
                _exam_needs_attendance,
            ),
        ),
    )


def projects_table() -> api.TableSpec:
    """团队协作项目: one row per joint project, in the month it is due."""
    return api.TableSpec(
        PROJECTS,
        "团队协作项目",
        "Team projects",
        columns=(
            api.ColumnSpec("project_id", "text", "项目编号", "project id"),
            _TEAM,
            api.ColumnSpec("project", "text", "项目名称", "project"),
            api.ColumnSpec("started_on", "date", "开始日期", "started on"),
            api.ColumnSpec("due_on", "date", "计划完成日期", "due on"),
            _optional(
                "completed_on", "date", "实际完成日期（空：未完成）", "completed on (blank: open)"
            ),
        ),
        time_column="due_on",
        key=("project_id",),
        rules=(
            _rule(
                "due_after_start",
                "计划完成日期早于开始日期",
                "due before it started",
                "due_on",
                "started_on",
            ),
            _rule(
                "completed_after_start",
                "实际完成日期早于开始日期",
                "completed before it started",
                "completed_on",
                "started_on",
            ),
        ),
    )


def cohesion_table() -> api.TableSpec:
    """员工凝聚力调查: one answer (1–5) per employee and survey."""
    return api.TableSpec(
        COHESION,
        "员工凝聚力调查",
        "Employee cohesion survey",
        columns=(
            _EMPLOYEE,
            _TEAM,
            api.ColumnSpec("surveyed_on", "date", "调查日期", "answered on"),
            _score(
                "score",
                "团队凝聚力评分（1–5）",
                "cohesion score (1 poor – 5 excellent)",
                5,
                low=1,
            ),
        ),
        time_column="surveyed_on",
        key=("employee", "surveyed_on"),
    )


def all_tables() -> list[api.TableSpec]:
    """Every input table of the domain, in the order of the seed's six aspects."""
    return [
        tickets_table(),
        surveys_table(),
        complaints_table(),
        customers_table(),
        reports_table(),
        needs_table(),
        calls_table(),
        emails_table(),
        internal_table(),
        training_table(),
        projects_table(),
        cohesion_table(),
    ]
