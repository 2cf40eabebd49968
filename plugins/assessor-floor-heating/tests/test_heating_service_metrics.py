"""一、客户满意度 and 二、服务质量 metrics on tiny tables, every number worked out by hand."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from assessor_floor_heating import quality, satisfaction
from assessor_floor_heating.tables import COMPLAINTS, SURVEYS, TICKETS, TRAINING
from heating_fixtures import D, T, counted, run

JAN, FEB = D(2026, 1, 1), D(2026, 2, 1)


def ticket(ticket_id, team, opened, response=None, resolved=None, technician="张伟"):
    return {
        "ticket_id": ticket_id,
        "customer_id": "K1",
        "kind": "维修",
        "technician": technician,
        "team": team,
        "opened_at": T(opened),
        "first_response_at": None if response is None else T(response),
        "resolved_at": None if resolved is None else T(resolved),
    }


TICKET_ROWS = [
    # exactly 24 h to the first response: within; resolved after 48 h
    ticket("T1", "甲组", "2026-01-05 09:00:00", "2026-01-06 09:00:00", "2026-01-07 09:00:00"),
    # one second over 24 h: late; resolved 12.5 h after opening
    ticket("T2", "甲组", "2026-01-05 10:00:00", "2026-01-06 10:00:01", "2026-01-05 22:30:00"),
    # never answered, never resolved: late, and in no month's resolution time
    ticket("T3", "甲组", "2026-01-10 08:00:00", technician="李强"),
    # opened on the last evening of January, answered 9 h later in February: a January
    # ticket, within 24 h; resolved 12 h after opening, in February
    ticket("T4", "甲组", "2026-01-31 23:00:00", "2026-02-01 08:00:00", "2026-02-01 11:00:00"),
    # answered after 2 hours
    ticket("T5", "乙组", "2026-02-02 10:00:00", "2026-02-02 12:00:00", technician="李强"),
    # December: before the months asked for
    ticket("T6", "乙组", "2025-12-30 10:00:00", "2026-01-02 10:00:00", "2026-01-02 11:00:00"),
]


def test_response_within_24_hours_per_team():
    # 甲组 January: T1, T4 within of T1..T4 = 2/4. 乙组 February: T5 = 1/1. T6 is December.
    result = counted(satisfaction.response_within, {TICKETS: TICKET_ROWS}, JAN, FEB, hours=24)
    assert result == {(JAN, "甲组"): (2, 4), (FEB, "乙组"): (1, 1)}


def test_response_within_a_fractional_limit_for_the_company():
    # 1.5 hours: T5's 2 hours is late now; January: none of T1..T4 within 1.5 h
    result = run(
        satisfaction.response_within, {TICKETS: TICKET_ROWS}, JAN, FEB, None, hours=F(3, 2)
    )
    assert result == {JAN: 0, FEB: 0}


def test_response_within_per_technician():
    # 张伟: T1, T2, T4 in January, T1 and T4 within = 2/3; 李强: T3 late = 0/1, T5 = 1/1
    result = counted(
        satisfaction.response_within, {TICKETS: TICKET_ROWS}, JAN, FEB, "technician", hours=24
    )
    assert result == {(JAN, "张伟"): (2, 3), (JAN, "李强"): (0, 1), (FEB, "李强"): (1, 1)}


def test_resolution_hours_of_the_tickets_resolved_in_the_month():
    # January: T1 48 h and T2 12.5 h: 60.5 / 2 = 121/4 hours. February: T4 12 h.
    # T6, opened in December, is resolved in January 73 h later: 乙组 January 73 h.
    result = run(quality.resolution_hours, {TICKETS: TICKET_ROWS}, JAN, FEB)
    assert result == {(JAN, "甲组"): F(121, 4), (FEB, "甲组"): 12, (JAN, "乙组"): 73}


def survey(team, day, quality_score, attitude, satisfaction_value, channel_score=None):
    return {
        "survey_id": f"W{team}{day}{quality_score}",
        "customer_id": "K1",
        "team": team,
        "surveyed_on": day,
        "quality_score": quality_score,
        "attitude_score": attitude,
        "satisfaction": satisfaction_value,
        "channel": "电话",
        "channel_score": channel_score,
    }


SURVEY_ROWS = [
    survey("甲组", D(2026, 1, 3), 8, 9, 90, 80),
    survey("甲组", D(2026, 1, 15), 9.5, 7.5, 85, None),
    survey("甲组", D(2026, 1, 31), 7, 10, 80.5, 91),
    survey("乙组", D(2026, 2, 1), 6, 6, 70, 60),
]


@pytest.mark.parametrize(
    ("compute", "january", "february"),
    [
        # (8 + 9.5 + 7) / 3 = 24.5 / 3 = 49/6; 乙组 6
        (satisfaction.quality_score, F(49, 6), 6),
        # (9 + 7.5 + 10) / 3 = 26.5 / 3 = 53/6; 乙组 6
        (quality.attitude_score, F(53, 6), 6),
        # (90 + 85 + 80.5) / 3 = 255.5 / 3 = 511/6; 乙组 70
        (satisfaction.satisfaction_index, F(511, 6), 70),
    ],
    ids=["quality", "attitude", "satisfaction"],
)
def test_survey_means(compute, january, february):
    result = run(compute, {SURVEYS: SURVEY_ROWS}, JAN, FEB)
    assert result == {(JAN, "甲组"): january, (FEB, "乙组"): february}


def training(employee, day, session, attended, exam=None, team="甲组"):
    return {
        "employee": employee,
        "team": team,
        "session_date": day,
        "session": session,
        "attended": attended,
        "exam_score": exam,
    }


TRAINING_ROWS = [
    training("张伟", D(2026, 1, 8), "分集水器调试", "是", 90),
    training("李强", D(2026, 1, 8), "分集水器调试", "是", 75),
    training("王磊", D(2026, 1, 8), "分集水器调试", "否"),
    training("刘芳", D(2026, 1, 20), "客户沟通技巧", "是"),
]


def test_technician_exam_score_is_the_mean_of_the_marks():
    # 90 and 75; 王磊 absent and 刘芳's service session have no mark: 165 / 2
    result = run(quality.technician_exam_score, {TRAINING: TRAINING_ROWS}, JAN, FEB)
    assert result == {(JAN, "甲组"): F(165, 2)}


def complaint(complaint_id, team, day, severity):
    return {
        "complaint_id": complaint_id,
        "customer_id": "K1",
        "team": team,
        "complaint_date": day,
        "severity": severity,
    }


def test_major_complaints_counts_only_major_ones():
    rows = [
        complaint("C1", "甲组", D(2026, 1, 5), "重大"),
        complaint("C2", "甲组", D(2026, 1, 31), "重大"),
        complaint("C3", "甲组", D(2026, 1, 9), "一般"),
        complaint("C4", "乙组", D(2026, 1, 9), "一般"),
        complaint("C5", "乙组", D(2026, 3, 1), "重大"),  # after the months asked for
    ]
    result = counted(quality.major_complaints, {COMPLAINTS: rows}, JAN, FEB)
    # 乙组 has no major complaint: no row (the scheme's `missing 0` makes it 0)
    assert result == {(JAN, "甲组"): (2, 1)}


def test_a_metric_over_surveys_refuses_a_technician_role():
    with pytest.raises(ValueError, match="heating_surveys has no column 'technician'"):
        run(satisfaction.quality_score, {SURVEYS: SURVEY_ROWS}, JAN, FEB, "technician")
