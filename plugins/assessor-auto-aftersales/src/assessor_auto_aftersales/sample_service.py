"""Seeded generator of after-sales service records (售后工单、来电、责任投诉、团队评分).

The story shared by every domain: the company changed owners on 2026-01-01 (股权转让). The
records cover 2025-07 .. 2026-06, six months before and six after. Just after the transfer
the service is a bit worse (late answers, fewer first-contact resolutions, more
complaints); from then on it improves month by month. Four service teams of different
quality take the tickets; 客服三组 has a major (class-1) complaint in 2026-02 on purpose, so
the template's veto shows on the sample.

Only ``random.Random(seed)`` is used and every draw happens in a fixed order, so the files
are byte-identical on every machine. Run from schemes/auto-aftersales/::

    python -m assessor_auto_aftersales.sample_service --out sample-data-service-kpi
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import pathlib
import random

__all__ = ["generate_service", "write_service_sample"]

TICKET_COLUMNS = (
    "ticket_id",
    "customer_id",
    "team",
    "agent",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "first_contact_resolved",
    "satisfaction",
)
CALL_COLUMNS = ("call_id", "team", "called_at", "answered")
COMPLAINT_COLUMNS = (
    "complaint_id",
    "complaint_date",
    "team",
    "agent",
    "complaint_class",
    "description",
)
RATING_COLUMNS = ("subject", "period", "evaluator", "criterion", "score")

FIRST_MONTH = (2025, 7)
MONTHS = 12
TRANSFER_INDEX = 6  # 2026-01 is the seventh month of the records

# team -> (agents, quality): quality > 1 is a weaker team (more late answers and complaints)
TEAMS = (
    ("客服一组", ("李娜", "王磊", "陈静"), 0.8),
    ("客服二组", ("刘洋", "赵敏", "孙浩"), 1.0),
    ("客服三组", ("周婷", "吴刚", "郑爽", "黄凯"), 1.3),
    ("客服四组", ("徐丽", "马骏", "朱琳"), 1.1),
)
CRITERIA = ("团队成员之间的合作", "问题上报", "协作处理")
EVALUATORS = ("客服经理", "质检专员", "组长互评")
CUSTOMERS = 1800

# Months after the transfer: how much more often things go wrong (1 = as before). Worse at
# first, the new owner's changes take hold month by month.
STRAIN_AFTER_TRANSFER = (1.6, 1.4, 1.2, 1.0, 0.85, 0.7)

LATE_RESPONSE = 0.07  # answered only after 24 hours
NO_RESPONSE = 0.008
FIRST_CONTACT = 0.58
LATE_RESOLUTION = 0.1  # resolved only after 48 hours
UNRESOLVED = 0.012
SURVEY_ANSWERED = 0.6
CLASS_3_PER_TICKET = 0.012
CLASS_2_PER_TICKET = 0.003
ANSWERED_CALLS = 0.95
# The one major complaint (一类责任投诉) of the story: team, month index, day.
MAJOR_COMPLAINT = ("客服三组", 7, 16)

DESCRIPTIONS = {
    "一类": ("大客户车辆维修中断，多次上门未修复，经市级媒体报道",),
    "二类": (
        "故障修复超过承诺时限，客户极为不满",
        "未按承诺回电，客户反映强烈",
        "服务态度不好，客户到店投诉",
    ),
    "三类": (
        "服务用语不规范",
        "咨询解答错误",
        "上门作业后未清理现场",
        "受理投诉推诿，客户重复投诉",
    ),
}


def _month(index: int) -> dt.date:
    year, month = FIRST_MONTH
    total = year * 12 + month - 1 + index
    return dt.date(total // 12, total % 12 + 1, 1)


def _strain(index: int) -> float:
    return 1.0 if index < TRANSFER_INDEX else STRAIN_AFTER_TRANSFER[index - TRANSFER_INDEX]


def _moment(rng: random.Random, first_day: dt.date) -> dt.datetime:
    """A working moment (08:00–19:59) on a random day of the month."""
    days = (_month(_index_of(first_day) + 1) - first_day).days
    day = first_day + dt.timedelta(days=rng.randrange(days))
    return dt.datetime.combine(day, dt.time(rng.randrange(8, 20), rng.randrange(60)))


def _index_of(first_day: dt.date) -> int:
    """How many months ``first_day`` lies after the first month of the records."""
    year, month = FIRST_MONTH
    return first_day.year * 12 + first_day.month - (year * 12 + month)


def _stamp(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _ticket(
    rng: random.Random, opened: dt.datetime, risk: float
) -> tuple[dt.datetime | None, dt.datetime | None, bool, int | None]:
    """First response, resolution, first-contact resolution and survey score of a ticket."""
    draw = rng.random()
    if draw < NO_RESPONSE * risk:
        return None, None, False, None
    if draw < (NO_RESPONSE + LATE_RESPONSE) * risk:
        response = opened + dt.timedelta(minutes=rng.randrange(24 * 60 + 1, 60 * 60))
    else:
        response = opened + dt.timedelta(minutes=rng.randrange(2, 8 * 60))
    first_contact = rng.random() < FIRST_CONTACT * (1 - 0.25 * (risk - 1))
    if first_contact:
        resolved = response + dt.timedelta(minutes=rng.randrange(5, 45))
    else:
        draw = rng.random()
        if draw < UNRESOLVED * risk:
            resolved = None
        elif draw < (UNRESOLVED + LATE_RESOLUTION) * risk:
            resolved = opened + dt.timedelta(minutes=rng.randrange(48 * 60 + 1, 120 * 60))
        else:
            resolved = response + dt.timedelta(minutes=rng.randrange(60, 40 * 60))
    score = None
    if rng.random() < SURVEY_ANSWERED:
        late = resolved is None or (resolved - opened) > dt.timedelta(hours=48)
        # a slow or unresolved case rarely gets the top mark
        weights = (1, 2, 8, 30, 59) if not late else (10, 20, 35, 25, 10)
        score = rng.choices((1, 2, 3, 4, 5), weights)[0]
    return response, resolved, first_contact, score


def generate_service(seed: int = 2027) -> dict[str, list[dict[str, str]]]:
    """Rows of ``aftersales_tickets``, ``aftersales_calls``, ``aftersales_complaints`` and
    ``ratings`` for 2025-07 .. 2026-06, as text ready for CSV, in a fixed order.
    """
    rng = random.Random(seed)
    tickets: list[dict[str, str]] = []
    calls: list[dict[str, str]] = []
    complaints: list[dict[str, str]] = []
    ratings: list[dict[str, str]] = []
    for index in range(MONTHS):
        first_day = _month(index)
        strain = _strain(index)
        month_tickets: list[tuple[dt.datetime, str, str, str, tuple]] = []
        month_calls: list[tuple[dt.datetime, str, bool]] = []
        for team, agents, quality in TEAMS:
            risk = quality * strain
            count = rng.randint(45, 60)
            for _ in range(count):
                opened = _moment(rng, first_day)
                customer = f"K{rng.randrange(1, CUSTOMERS + 1):05d}"
                outcome = _ticket(rng, opened, risk)
                month_tickets.append((opened, customer, team, rng.choice(agents), outcome))
            for _ in range(rng.randint(50, 65)):
                answered = rng.random() < 1 - (1 - ANSWERED_CALLS) * risk
                month_calls.append((_moment(rng, first_day), team, answered))
            complaints.extend(_complaints(rng, team, agents, first_day, index, risk * count))
            ratings.extend(_ratings(rng, team, first_day, risk))
        month_tickets.sort(key=lambda row: (row[0], row[2], row[1]))
        for number, (opened, customer, team, agent, outcome) in enumerate(month_tickets, 1):
            response, resolved, first_contact, score = outcome
            tickets.append(
                {
                    "ticket_id": f"GD{first_day:%Y%m}{number:04d}",
                    "customer_id": customer,
                    "team": team,
                    "agent": agent,
                    "opened_at": _stamp(opened),
                    "first_response_at": _stamp(response),
                    "resolved_at": _stamp(resolved),
                    "first_contact_resolved": "是" if first_contact else "否",
                    "satisfaction": "" if score is None else str(score),
                }
            )
        month_calls.sort(key=lambda row: (row[0], row[1]))
        for number, (called, team, answered) in enumerate(month_calls, 1):
            calls.append(
                {
                    "call_id": f"LD{first_day:%Y%m}{number:04d}",
                    "team": team,
                    "called_at": _stamp(called),
                    "answered": "是" if answered else "否",
                }
            )
    complaints.sort(key=lambda row: (row["complaint_date"], row["team"]))
    for number, row in enumerate(complaints, 1):
        row["complaint_id"] = f"TS{number:05d}"
    return {
        "aftersales_tickets": tickets,
        "aftersales_calls": calls,
        "aftersales_complaints": complaints,
        "ratings": ratings,
    }


def _complaints(
    rng: random.Random,
    team: str,
    agents: tuple[str, ...],
    first_day: dt.date,
    index: int,
    exposure: float,
) -> list[dict[str, str]]:
    """A team's responsibility complaints of one month (ids are given after sorting).

    ``exposure`` is the month's tickets times their risk: each class is a Poisson count.
    """
    found = []
    for name, rate in (("二类", CLASS_2_PER_TICKET), ("三类", CLASS_3_PER_TICKET)):
        found.extend([name] * _poisson(rng, rate * exposure))
    major_team, major_index, major_day = MAJOR_COMPLAINT
    rows = []
    for name in found:
        day = _moment(rng, first_day).date()
        agent = rng.choice(agents) if rng.random() < 0.8 else ""
        rows.append(_complaint(day, team, agent, name, rng.choice(DESCRIPTIONS[name])))
    if team == major_team and index == major_index:
        day = first_day.replace(day=major_day)
        rows.append(_complaint(day, team, "", "一类", DESCRIPTIONS["一类"][0]))
    return rows


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw by counting exponential gaps within ``mean`` (small means only)."""
    count, elapsed = 0, rng.expovariate(1.0)
    while elapsed < mean:
        count += 1
        elapsed += rng.expovariate(1.0)
    return count


def _complaint(day: dt.date, team: str, agent: str, name: str, text: str) -> dict[str, str]:
    return {
        "complaint_id": "",
        "complaint_date": day.isoformat(),
        "team": team,
        "agent": agent,
        "complaint_class": name,
        "description": text,
    }


def _ratings(
    rng: random.Random, team: str, first_day: dt.date, risk: float
) -> list[dict[str, str]]:
    """The monthly teamwork ratings (1–5) of one team by the three evaluators."""
    rows = []
    centre = 4.6 - 0.9 * (risk - 0.75)
    for evaluator in EVALUATORS:
        for criterion in CRITERIA:
            score = min(5, max(1, round(rng.gauss(centre, 0.6))))
            rows.append(
                {
                    "subject": team,
                    "period": f"{first_day:%Y-%m}",
                    "evaluator": evaluator,
                    "criterion": criterion,
                    "score": str(score),
                }
            )
    return rows


def write_service_sample(out_dir: pathlib.Path, seed: int = 2027) -> None:
    """Write the four CSV files (UTF-8, header row, Unix line endings) into ``out_dir``."""
    columns = {
        "aftersales_tickets": TICKET_COLUMNS,
        "aftersales_calls": CALL_COLUMNS,
        "aftersales_complaints": COMPLAINT_COLUMNS,
        "ratings": RATING_COLUMNS,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in generate_service(seed).items():
        with (out_dir / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns[name], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    """Write the service sample data into the folder given with ``--out``."""
    parser = argparse.ArgumentParser(description="Write seeded after-sales service records.")
    parser.add_argument("--out", type=pathlib.Path, required=True, help="folder to write to")
    parser.add_argument("--seed", type=int, default=2027, help="random seed (default: 2027)")
    args = parser.parse_args(argv)
    write_service_sample(args.out, seed=args.seed)


if __name__ == "__main__":
    main()
