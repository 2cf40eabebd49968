"""The input tables of after-sales service (售后服务) and sales customers (销售客户).

Service work is recorded per ticket (售后工单), per incoming call (来电记录) and per
responsibility complaint (责任投诉); all three carry the service team (售后客服组), so that a
team's rates, counts and complaints line up. Sales customers are one row per customer with
the salesperson who looks after them, when they became a customer and when they were lost.

The row rules are what a person would call impossible records: an answer before the ticket
was opened, a customer lost before they were won.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assessor import api

TICKETS = "aftersales_tickets"
CALLS = "aftersales_calls"
COMPLAINTS = "aftersales_complaints"
SALES_CUSTOMERS = "sales_customers"

YES, NO = "是", "否"
# 客户服务质量考核办法 第六条: 一类、二类、三类责任投诉
COMPLAINT_CLASSES = ("一类", "二类", "三类")
SATISFACTION_RANGE = (Decimal(1), Decimal(5))

_TEAM = api.ColumnSpec("team", "text", "售后客服组", "service team")


def _response_not_before_opening(t: Any) -> Any:
    """A first response is given after the ticket was opened (blank: none yet)."""
    return t.first_response_at >= t.opened_at


def _resolution_not_before_opening(t: Any) -> Any:
    """A ticket is resolved after it was opened (blank: still open)."""
    return t.resolved_at >= t.opened_at


def _first_contact_resolution_is_resolved(t: Any) -> Any:
    """A ticket resolved at the first contact has a resolution time."""
    return (t.first_contact_resolved != YES) | t.resolved_at.notnull()


def _not_lost_before_won(t: Any) -> Any:
    """A customer is lost on or after the day they became a customer (blank: still one)."""
    return t.lost_on >= t.since


def tickets_table() -> api.TableSpec:
    """售后工单: one row per service ticket, placed in the month it was opened."""
    low, high = SATISFACTION_RANGE
    return api.TableSpec(
        TICKETS,
        "售后工单",
        "After-sales tickets",
        columns=(
            api.ColumnSpec("ticket_id", "text", "工单编号", "ticket id"),
            api.ColumnSpec("customer_id", "text", "客户编号", "customer id"),
            _TEAM,
            api.ColumnSpec("agent", "text", "受理客服", "agent who took the ticket"),
            api.ColumnSpec("opened_at", "timestamp", "受理时间", "opened at"),
            api.ColumnSpec(
                "first_response_at",
                "timestamp",
                "首次响应时间（空：未响应）",
                "first response at (blank: none)",
                required=False,
            ),
            api.ColumnSpec(
                "resolved_at",
                "timestamp",
                "解决时间（空：未解决）",
                "resolved at (blank: not resolved)",
                required=False,
            ),
            api.ColumnSpec(
                "first_contact_resolved",
                "text",
                "一次响应解决（是/否）",
                "resolved at the first contact (是/否)",
                choices=(YES, NO),
            ),
            api.ColumnSpec(
                "satisfaction",
                "decimal",
                "客户满意度评分（1–5，空：未评价）",
                "satisfaction score (1–5, blank: no survey answer)",
                required=False,
                minimum=low,
                maximum=high,
            ),
        ),
        time_column="opened_at",
        key=("ticket_id",),
        rules=(
            api.RowRule(
                "response_after_opening",
                "首次响应时间早于受理时间",
                "first response before the ticket was opened",
                ("opened_at", "first_response_at"),
                _response_not_before_opening,
            ),
            api.RowRule(
                "resolution_after_opening",
                "解决时间早于受理时间",
                "resolved before the ticket was opened",
                ("opened_at", "resolved_at"),
                _resolution_not_before_opening,
            ),
            api.RowRule(
                "first_contact_resolution_resolved",
                "一次响应解决的工单没有解决时间",
                "resolved at the first contact, but no resolution time",
                ("first_contact_resolved", "resolved_at"),
                _first_contact_resolution_is_resolved,
            ),
        ),
    )


def calls_table() -> api.TableSpec:
    """来电记录: one row per incoming service call, answered or not."""
    return api.TableSpec(
        CALLS,
        "来电记录",
        "Incoming service calls",
        columns=(
            api.ColumnSpec("call_id", "text", "来电编号", "call id"),
            _TEAM,
            api.ColumnSpec("called_at", "timestamp", "来电时间", "called at"),
            api.ColumnSpec(
                "answered", "text", "是否接听（是/否）", "answered (是/否)", choices=(YES, NO)
            ),
        ),
        time_column="called_at",
        key=("call_id",),
    )


def complaints_table() -> api.TableSpec:
    """责任投诉: complaints found to be the service's responsibility, by class."""
    return api.TableSpec(
        COMPLAINTS,
        "责任投诉",
        "Responsibility complaints",
        columns=(
            api.ColumnSpec("complaint_id", "text", "投诉编号", "complaint id"),
            api.ColumnSpec("complaint_date", "date", "投诉日期", "complaint date"),
            _TEAM,
            api.ColumnSpec(
                "agent",
                "text",
                "责任客服（空：整组）",
                "agent responsible (blank: the team)",
                required=False,
            ),
            api.ColumnSpec(
                "complaint_class",
                "text",
                "投诉类别（一类/二类/三类）",
                "class (一类 major, 二类 serious, 三类 ordinary)",
                choices=COMPLAINT_CLASSES,
            ),
            api.ColumnSpec("description", "text", "投诉内容", "what happened", required=False),
        ),
        time_column="complaint_date",
        key=("complaint_id",),
        may_be_empty=True,
    )


def sales_customers_table() -> api.TableSpec:
    """销售客户档案: one row per customer, with its salesperson and dates."""
    return api.TableSpec(
        SALES_CUSTOMERS,
        "销售客户档案",
        "Sales customers",
        columns=(
            api.ColumnSpec("customer_id", "text", "客户编号", "customer id"),
            api.ColumnSpec("salesperson", "text", "销售人员", "salesperson"),
            api.ColumnSpec("since", "date", "成为客户日期", "customer since"),
            api.ColumnSpec(
                "lost_on",
                "date",
                "流失日期（空：仍是客户）",
                "lost on (blank: still a customer)",
                required=False,
            ),
        ),
        time_column="since",
        key=("customer_id",),
        rules=(
            api.RowRule(
                "lost_after_won",
                "流失日期早于成为客户日期",
                "lost before becoming a customer",
                ("since", "lost_on"),
                _not_lost_before_won,
            ),
        ),
    )
