"""四、市场反馈, 五、沟通效率 and 六、团队协作 metrics on tiny tables, worked out by hand."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from assessor_floor_heating import communication, market, teamwork
from assessor_floor_heating.tables import (
    CALLS,
    COHESION,
    EMAILS,
    INTERNAL,
    NEEDS,
    PROJECTS,
    REPORTS,
    SURVEYS,
    TRAINING,
)
from heating_fixtures import D, T, context, counted, run

JAN, FEB = D(2026, 1, 1), D(2026, 2, 1)

# -- 四、市场反馈 ------------------------------------------------------------------------------


def report(report_id, team, day, kind):
    return {
        "report_id": report_id,
        "team": team,
        "author": "刘芳",
        "submitted_on": day,
        "kind": kind,
    }


REPORT_ROWS = [
    report("B1", "甲组", D(2026, 1, 3), "市场调研"),
    report("B2", "甲组", D(2026, 1, 30), "市场调研"),
    report("B3", "甲组", D(2026, 1, 12), "竞争对手分析"),
    report("B4", "甲组", D(2026, 2, 14), "竞争对手分析"),
    report("B5", "乙组", D(2026, 1, 9), "市场调研"),
    report("B6", "乙组", D(2025, 12, 31), "市场调研"),  # before the months asked for
]


def test_research_reports_per_month():
    result = counted(market.research_reports, {REPORTS: REPORT_ROWS}, JAN, FEB)
    # 甲组 has no research report in February: no row (the scheme's `missing 0`)
    assert result == {(JAN, "甲组"): (2, 1), (JAN, "乙组"): (1, 1)}


def test_competitor_reports_per_month():
    result = counted(market.competitor_reports, {REPORTS: REPORT_ROWS}, JAN, FEB)
    assert result == {(JAN, "甲组"): (1, 1), (FEB, "甲组"): (1, 1)}


def test_needs_response_days_over_the_changes_responded_to_in_the_month():
    def change(change_id, noticed, responded):
        return {
            "change_id": change_id,
            "customer_id": "K1",
            "team": "甲组",
            "noticed_on": noticed,
            "responded_on": responded,
        }

    rows = [
        change("N1", D(2026, 1, 2), D(2026, 1, 5)),  # 3 days, January
        change("N2", D(2026, 1, 20), D(2026, 1, 20)),  # the same day: 0, January
        change("N3", D(2026, 1, 28), D(2026, 2, 3)),  # 6 days, responded in February
        change("N4", D(2026, 1, 30), None),  # not responded to: in no month yet
    ]
    result = run(market.needs_response_days, {NEEDS: rows}, JAN, FEB)
    # January (3 + 0) / 2 = 3/2 days; February 6
    assert result == {(JAN, "甲组"): F(3, 2), (FEB, "甲组"): 6}


# -- 五、沟通效率 ------------------------------------------------------------------------------


def test_internal_response_hours_over_the_requests_answered_in_the_month():
    def request(request_id, raised, answered):
        return {
            "request_id": request_id,
            "team": "甲组",
            "department": "工程部",
            "raised_at": T(raised),
            "answered_at": None if answered is None else T(answered),
        }

    rows = [
        request("R1", "2026-01-05 09:00:00", "2026-01-06 15:00:00"),  # 30 h
        request("R2", "2026-01-10 10:00:00", "2026-01-10 16:30:00"),  # 6.5 h
        request("R3", "2026-01-31 18:00:00", "2026-02-02 10:00:00"),  # 40 h, in February
        request("R4", "2026-01-31 19:00:00", None),  # still open
    ]
    result = run(communication.internal_response_hours, {INTERNAL: rows}, JAN, FEB)
    # January (30 + 6.5) / 2 = 73/4 hours; February 40
    assert result == {(JAN, "甲组"): F(73, 4), (FEB, "甲组"): 40}


def test_call_answer_rate():
    def call(call_id, at, answered, team="甲组"):
        return {"call_id": call_id, "team": team, "called_at": T(at), "answered": answered}

    rows = [
        call("L1", "2026-01-02 08:00:00", "是"),
        call("L2", "2026-01-02 09:00:00", "否"),
        call("L3", "2026-01-31 23:59:59", "是"),
        call("L4", "2026-02-01 00:00:00", "否", "乙组"),
    ]
    result = counted(communication.call_answer_rate, {CALLS: rows}, JAN, FEB)
    assert result == {(JAN, "甲组"): (2, 3), (FEB, "乙组"): (0, 1)}


EMAIL_ROWS = [
    # replied exactly 24 h later: within 24 h
    {"email_id": "E1", "team": "甲组", "received_at": T("2026-01-05 09:00:00"),
     "replied_at": T("2026-01-06 09:00:00")},
    # 27 h: late for 24 h, within 48 h
    {"email_id": "E2", "team": "甲组", "received_at": T("2026-01-07 09:00:00"),
     "replied_at": T("2026-01-08 12:00:00")},
    # never replied to: late for any limit
    {"email_id": "E3", "team": "甲组", "received_at": T("2026-01-09 09:00:00"),
     "replied_at": None},
]  # fmt: skip


@pytest.mark.parametrize(("hours", "within"), [(24, (1, 3)), (48, (2, 3))])
def test_email_reply_within(hours, within):
    result = counted(communication.email_reply_within, {EMAILS: EMAIL_ROWS}, JAN, FEB, hours=hours)
    assert result == {(JAN, "甲组"): within}


def test_channel_satisfaction_leaves_unanswered_questions_out():
    def survey(survey_id, channel_score):
        return {
            "survey_id": survey_id,
            "customer_id": "K1",
            "team": "甲组",
            "surveyed_on": D(2026, 1, 10),
            "quality_score": 8,
            "attitude_score": 8,
            "satisfaction": 80,
            "channel": "在线客服",
            "channel_score": channel_score,
        }

    rows = [survey("W1", 80), survey("W2", None), survey("W3", 91)]
    result = run(communication.channel_satisfaction, {SURVEYS: rows}, JAN, FEB)
    # (80 + 91) / 2 = 171/2
    assert result == {(JAN, "甲组"): F(171, 2)}


# -- 六、团队协作 ------------------------------------------------------------------------------


def test_training_participation():
    def invited(employee, attended):
        return {
            "employee": employee,
            "team": "甲组",
            "session_date": D(2026, 1, 8),
            "session": "客户沟通技巧",
            "attended": attended,
        }

    rows = [
        invited("张伟", "是"),
        invited("李强", "是"),
        invited("王磊", "否"),
        invited("刘芳", "是"),
    ]
    result = counted(teamwork.training_participation, {TRAINING: rows}, JAN, FEB)
    assert result == {(JAN, "甲组"): (3, 4)}


def test_project_completion_rate_counts_projects_done_by_their_due_date():
    def project(project_id, due, done):
        return {
            "project_id": project_id,
            "team": "甲组",
            "project": "冬季保养专项",
            "started_on": D(2025, 12, 1),
            "due_on": due,
            "completed_on": done,
        }

    rows = [
        project("P1", D(2026, 1, 15), D(2026, 1, 15)),  # on the due date: on time
        project("P2", D(2026, 1, 20), D(2026, 1, 25)),  # five days late
        project("P3", D(2026, 1, 31), None),  # not done
        project("P4", D(2026, 2, 10), D(2026, 1, 30)),  # due in February, done early
    ]
    result = counted(teamwork.project_completion_rate, {PROJECTS: rows}, JAN, FEB)
    assert result == {(JAN, "甲组"): (1, 3), (FEB, "甲组"): (1, 1)}


def test_cohesion_index_puts_the_mean_answer_on_a_100_point_scale():
    def answer(employee, score, team="甲组"):
        return {"employee": employee, "team": team, "surveyed_on": D(2026, 1, 25), "score": score}

    rows = [answer("张伟", 4), answer("李强", 5), answer("王磊", 3.5), answer("赵军", 3, "乙组")]
    result = run(teamwork.cohesion_index, {COHESION: rows}, JAN, FEB)
    # 甲组 (4 + 5 + 3.5) / 3 * 20 = 250/3; 乙组 3 * 20 = 60
    assert result == {(JAN, "甲组"): F(250, 3), (JAN, "乙组"): 60}


def test_the_evidence_lists_the_reports_counted():
    found = context({REPORTS: REPORT_ROWS}, JAN, FEB)
    rows = market.research_reports_listed(found).to_pyarrow().to_pylist()
    assert sorted((r["period"], r["subject"], r["report_id"]) for r in rows) == [
        (JAN, "乙组", "B5"),
        (JAN, "甲组", "B1"),
        (JAN, "甲组", "B2"),
    ]
    rows = market.competitor_reports_listed(found).to_pyarrow().to_pylist()
    assert sorted((r["period"], r["report_id"]) for r in rows) == [(JAN, "B3"), (FEB, "B4")]
