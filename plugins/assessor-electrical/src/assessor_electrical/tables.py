"""The input tables of the electrical-equipment domain, and the rules each row must keep.

Table names are global across plugins, so every one carries the prefix ``electrical_``. Each
table has a ``team`` column: the customer-relationship team (客户关系维护团队) a record
belongs to, which is how the metrics key their values.

The row rules are plain functions so that the plugin's tests can check each predicate on a
few rows of its own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assessor import api

REQUESTS = "electrical_service_requests"
COMPLAINTS = "electrical_complaints"
SURVEYS = "electrical_surveys"
UPDATES = "electrical_info_updates"
MARKET = "electrical_market"
CUSTOMERS = "electrical_customers"

# how a complaint export marks whether the customer's problem was solved
RESOLVED_YES = "是"
RESOLVED_NO = "否"
SURVEY_SCALE = (Decimal(1), Decimal(10))


def responded_not_before_opened(t: Any) -> Any:
    """A response cannot come before the request (a blank response is an open request)."""
    return t.responded_at >= t.opened_at


def closed_not_before_received(t: Any) -> Any:
    """A complaint cannot be closed before it was received."""
    return t.closed_at >= t.received_at


def resolved_only_when_closed(t: Any) -> Any:
    """An open complaint (no closing time) cannot already count as resolved."""
    return t.closed_at.notnull() | (t.resolved == RESOLVED_NO)


def own_sales_within_market(t: Any) -> Any:
    """The team's own sales are part of the market, never more than all of it."""
    return t.own_sales <= t.market_total


def lost_not_before_since(t: Any) -> Any:
    """A customer cannot be lost before it became a customer."""
    return t.lost_on >= t.since


def _team(label_zh: str = "客户关系维护团队", label_en: str = "customer-relationship team"):
    return api.ColumnSpec("team", "text", label_zh, label_en)


def _customer() -> api.ColumnSpec:
    return api.ColumnSpec("customer_id", "text", "客户编号", "customer id")


def service_requests() -> api.TableSpec:
    """服务请求: one row per customer service request, with when it was answered."""
    return api.TableSpec(
        REQUESTS,
        "服务请求记录",
        "Service requests",
        columns=(
            api.ColumnSpec("request_id", "text", "服务请求编号", "service request number"),
            _customer(),
            _team("受理团队", "team handling the request"),
            api.ColumnSpec("opened_at", "timestamp", "受理时间", "time the request was received"),
            api.ColumnSpec(
                "responded_at",
                "timestamp",
                "首次响应时间（空 = 尚未响应）",
                "time of the first response (blank: not answered yet)",
                required=False,
            ),
        ),
        time_column="opened_at",
        key=("request_id",),
        rules=(
            api.RowRule(
                "responded_not_before_opened",
                "响应时间不得早于受理时间",
                "the response is not before the request",
                ("opened_at", "responded_at"),
                responded_not_before_opened,
            ),
        ),
    )


def complaints() -> api.TableSpec:
    """客户投诉: one row per complaint, with its closing time and whether it was resolved."""
    return api.TableSpec(
        COMPLAINTS,
        "客户投诉记录",
        "Customer complaints",
        columns=(
            api.ColumnSpec("complaint_id", "text", "投诉编号", "complaint number"),
            _customer(),
            _team("责任团队", "team answerable for the complaint"),
            api.ColumnSpec("received_at", "timestamp", "投诉受理时间", "time received"),
            api.ColumnSpec(
                "closed_at",
                "timestamp",
                "结案时间（空 = 未结案）",
                "time closed (blank: still open)",
                required=False,
            ),
            api.ColumnSpec(
                "resolved",
                "text",
                "是否解决（是/否）",
                "resolved to the customer's satisfaction (是 = yes, 否 = no)",
                choices=(RESOLVED_YES, RESOLVED_NO),
            ),
        ),
        time_column="received_at",
        key=("complaint_id",),
        rules=(
            api.RowRule(
                "closed_not_before_received",
                "结案时间不得早于受理时间",
                "the complaint is closed not before it was received",
                ("received_at", "closed_at"),
                closed_not_before_received,
            ),
            api.RowRule(
                "resolved_only_when_closed",
                "未结案的投诉不得标为已解决",
                "only a closed complaint can be marked resolved",
                ("closed_at", "resolved"),
                resolved_only_when_closed,
            ),
        ),
        may_be_empty=True,
    )


def surveys() -> api.TableSpec:
    """客户满意度调查: one row per answered survey, scored 1 to 10."""
    low, high = SURVEY_SCALE
    return api.TableSpec(
        SURVEYS,
        "客户满意度调查",
        "Customer satisfaction surveys",
        columns=(
            _customer(),
            _team("被评价团队", "team the customer rated"),
            api.ColumnSpec("survey_date", "date", "调查日期", "survey date"),
            api.ColumnSpec(
                "score",
                "integer",
                "满意度评分（1–10分）",
                "satisfaction score (1 to 10)",
                minimum=low,
                maximum=high,
            ),
        ),
        time_column="survey_date",
        key=("customer_id", "survey_date"),
    )


def info_updates() -> api.TableSpec:
    """客户信息更新: one row per update of a customer's record (contacts, needs, equipment)."""
    return api.TableSpec(
        UPDATES,
        "客户信息更新记录",
        "Customer information updates",
        columns=(
            _customer(),
            _team("更新团队", "team that updated the record"),
            api.ColumnSpec("updated_on", "date", "更新日期", "date of the update"),
        ),
        time_column="updated_on",
    )


def market() -> api.TableSpec:
    """市场数据: per team (its sales region) and month, own sales and the market's total."""
    return api.TableSpec(
        MARKET,
        "区域市场数据",
        "Regional market figures",
        columns=(
            _team("团队（所辖大区）", "team (its sales region)"),
            api.ColumnSpec("month", "month", "月份", "month (2026-03)"),
            api.ColumnSpec(
                "own_sales",
                "integer",
                "本公司销售额（万元）",
                "own sales (10,000 yuan)",
                minimum=Decimal(0),
            ),
            api.ColumnSpec(
                "market_total",
                "integer",
                "区域市场总额（万元）",
                "the region's whole market (10,000 yuan)",
                minimum=Decimal(0),
            ),
        ),
        time_column="month",
        key=("team", "month"),
        rules=(
            api.RowRule(
                "own_sales_within_market",
                "本公司销售额不得大于区域市场总额",
                "own sales are at most the whole market",
                ("own_sales", "market_total"),
                own_sales_within_market,
            ),
        ),
    )


def customers() -> api.TableSpec:
    """客户名册: every customer with its team, since when, and when it was lost."""
    return api.TableSpec(
        CUSTOMERS,
        "客户名册",
        "Customer register",
        columns=(
            _customer(),
            _team("负责团队", "team looking after the customer"),
            api.ColumnSpec("since", "date", "成为客户日期", "customer since"),
            api.ColumnSpec(
                "lost_on",
                "date",
                "流失日期（空 = 仍是客户）",
                "date the customer was lost (blank: still a customer)",
                required=False,
            ),
        ),
        time_column="since",
        key=("customer_id",),
        rules=(
            api.RowRule(
                "lost_not_before_since",
                "流失日期不得早于成为客户日期",
                "a customer is lost not before it became one",
                ("since", "lost_on"),
                lost_not_before_since,
            ),
        ),
    )


def all_tables() -> list[api.TableSpec]:
    """Every input table of the domain, in the order the docs describe them."""
    return [service_requests(), complaints(), surveys(), info_updates(), market(), customers()]
