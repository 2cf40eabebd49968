"""Seeded generator of a floor-heating company's customer-relations records (sample data).

The story all domains share: the equity transfer took effect on 2026-01-01; the records cover
2025-07-01 .. 2026-06-30, six months before and six after. Service is steady before the
transfer, a bit worse just after it (people unsure of the new owner, hand-overs) and then
improves month by month, ending better than before. Four customer-relations teams of six
(three technicians, three customer-service staff) differ in how good they are.

Run ``python -m assessor_floor_heating.sample --out schemes/floor-heating/sample-data``. Only
``random.Random(seed)`` is used and every draw happens in a fixed order, so the files are the
same on every machine.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
from collections.abc import Callable
from pathlib import Path

from assessor_floor_heating import tables as t

__all__ = ["SEED", "TEAMS", "generate", "write_sample"]

SEED = 20260101
FIRST_MONTH = dt.date(2025, 7, 1)
MONTHS = 12
END = dt.datetime(2026, 7, 1)  # the records end at 2026-06-30 24:00

# name -> (three technicians, three customer-service staff), and how good the team is
TEAMS = {
    "城东组": (("张伟", "李强", "王磊", "刘芳", "陈静", "杨丽"), 0.5),
    "城西组": (("赵军", "黄勇", "周杰", "吴敏", "徐娟", "孙燕"), 0.1),
    "城南组": (("马超", "胡斌", "朱涛", "郭婷", "何娜", "高霞"), -0.1),
    "开发区组": (("林峰", "罗鹏", "梁辉", "宋颖", "郑洁", "谢丹"), -0.35),
}
# The company's level per month from 2025-07: steady, a dip at the transfer, then recovery.
LEVEL = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, -0.7, -0.35, 0.0, 0.3, 0.6)
# The seed's veto case: a major complaint just after the transfer, and one in spring.
MAJOR_COMPLAINTS = (("开发区组", dt.date(2026, 1, 19)), ("城西组", dt.date(2026, 4, 8)))

DEPARTMENTS = ("工程部", "仓储部", "财务部", "设计部")
KIND_WEIGHTS = ((t.TICKET_KINDS[0], 0.3), (t.TICKET_KINDS[1], 0.45), (t.TICKET_KINDS[2], 0.25))
# hours of work after the first response: (shortest, longest) per kind
WORK_HOURS = {"安装": (24, 48), "维修": (4, 30), "保养": (2, 8)}
CHANNEL_WEIGHTS = (("电话", 0.5), ("在线客服", 0.2), ("邮件", 0.1), ("上门", 0.2))
REASON_WEIGHTS = (
    ("服务质量", 0.3),
    ("价格", 0.3),
    ("服务态度", 0.15),
    ("搬迁", 0.15),
    ("其他", 0.1),
)
TECH_SESSIONS = ("地暖管道铺设规范", "分集水器调试", "壁挂炉维护", "温控系统排障")
SERVICE_SESSIONS = ("客户沟通技巧", "投诉处理流程", "服务礼仪", "回访话术")
COLUMNS = {spec.name: tuple(c.name for c in spec.columns) for spec in t.all_tables()}


def months() -> list[dt.date]:
    """The first days of the twelve months the records cover."""
    return [dt.date(2025 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(MONTHS)]


def _days_in(month: dt.date) -> int:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (following - month).days


class _Story:
    """The draws, in a fixed order, and the team-month level everything depends on."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        # a little month-to-month noise per team, drawn once up front
        self.noise = {(team, i): self.rng.gauss(0, 0.12) for team in TEAMS for i in range(MONTHS)}

    def level(self, team: str, index: int) -> float:
        """How well a team works in a month: 0 is the pre-transfer norm, +/-1 a lot."""
        return LEVEL[index] + TEAMS[team][1] + self.noise[(team, index)]

    def moment(self, month: dt.date, first_hour: int = 8, last_hour: int = 20) -> dt.datetime:
        """A time in working hours on a random day of the month, to the minute."""
        day = self.rng.randrange(_days_in(month))
        minute = self.rng.randrange(first_hour * 60, last_hour * 60)
        return dt.datetime(month.year, month.month, 1 + day, minute // 60, minute % 60)

    def day(self, month: dt.date) -> dt.date:
        """A random day of the month."""
        return month + dt.timedelta(days=self.rng.randrange(_days_in(month)))

    def pick(self, weighted: tuple[tuple[str, float], ...]) -> str:
        """One value of a weighted choice."""
        return self.rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]

    def later(self, start: dt.datetime, mean_hours: float) -> dt.datetime | None:
        """``start`` plus an exponential delay to the minute; None if past the records' end."""
        minutes = max(1, round(self.rng.expovariate(1 / max(mean_hours, 0.5)) * 60))
        end = start + dt.timedelta(minutes=minutes)
        return end if end < END else None

    def mark(self, mean: float, spread: float, low: int, high: int) -> int:
        """A whole-number mark from a normal draw, kept within ``low``..``high``."""
        return min(high, max(low, round(self.rng.gauss(mean, spread))))


def _stamp(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _date(day: dt.date | None) -> str:
    return "" if day is None else day.isoformat()


# -- one function per table; each returns rows as dicts of text -----------------------------


def _tickets(story: _Story, customers: dict[str, list[str]]) -> list[dict[str, str]]:
    rows = []
    for index, month in enumerate(months()):
        for team, (people, _) in TEAMS.items():
            p = story.level(team, index)
            for _ in range(story.rng.randint(34, 46)):
                kind = story.pick(KIND_WEIGHTS)
                opened = story.moment(month)
                answered = None if story.rng.random() < 0.01 else story.later(opened, 9.5 - 6 * p)
                resolved = None
                if answered is not None:
                    low, high = WORK_HOURS[kind]
                    work = story.rng.uniform(low, high) * (1 - 0.15 * p)
                    resolved = answered + dt.timedelta(minutes=round(work * 60))
                    resolved = resolved if resolved < END else None
                rows.append(
                    {
                        "customer_id": story.rng.choice(customers[team]),
                        "kind": kind,
                        "technician": story.rng.choice(people[:3]),
                        "team": team,
                        "opened_at": _stamp(opened),
                        "first_response_at": _stamp(answered),
                        "resolved_at": _stamp(resolved),
                    }
                )
    return _numbered(rows, "ticket_id", "GD", "opened_at")


def _surveys(story: _Story, customers: dict[str, list[str]]) -> list[dict[str, str]]:
    rows = []
    for index, month in enumerate(months()):
        for team in TEAMS:
            p = story.level(team, index)
            for _ in range(story.rng.randint(10, 15)):
                channel_score = story.mark(82 + 5 * p, 8, 0, 100)
                rows.append(
                    {
                        "customer_id": story.rng.choice(customers[team]),
                        "team": team,
                        "surveyed_on": _date(story.day(month)),
                        "quality_score": str(story.mark(8.3 + 0.8 * p, 1.0, 0, 10)),
                        "attitude_score": str(story.mark(8.5 + 0.7 * p, 1.0, 0, 10)),
                        "satisfaction": str(story.mark(87 + 6 * p, 6, 0, 100)),
                        "channel": story.pick(CHANNEL_WEIGHTS),
                        "channel_score": "" if story.rng.random() < 0.15 else str(channel_score),
                    }
                )
    return _numbered(rows, "survey_id", "WJ", "surveyed_on")


def _complaints(story: _Story, customers: dict[str, list[str]]) -> list[dict[str, str]]:
    rows = []
    for index, month in enumerate(months()):
        for team in TEAMS:
            p = story.level(team, index)
            for _ in range(sum(story.rng.random() < 0.35 - 0.2 * p for _ in range(2))):
                rows.append(_complaint(story, customers, team, story.day(month), t.ORDINARY))
    for team, day in MAJOR_COMPLAINTS:
        rows.append(_complaint(story, customers, team, day, t.MAJOR))
    return _numbered(rows, "complaint_id", "TS", "complaint_date")


def _complaint(
    story: _Story, customers: dict[str, list[str]], team: str, day: dt.date, severity: str
) -> dict[str, str]:
    what = {"重大": "地暖漏水导致地板损坏，处理拖延", "一般": "上门时间一再推迟"}[severity]
    return {
        "customer_id": story.rng.choice(customers[team]),
        "team": team,
        "complaint_date": _date(day),
        "severity": severity,
        "description": what,
    }


def _customers(story: _Story) -> list[dict[str, str]]:
    """Customers on the books from before the records, some lost earlier, new ones each
    month; each month a customer may become at risk, get a retention attempt, and stay or go.
    """
    rows = []
    for team in TEAMS:
        for _ in range(story.rng.randint(230, 260)):
            rows.append(_customer(team, _random_day(story, dt.date(2018, 3, 1), FIRST_MONTH)))
        for _ in range(story.rng.randint(25, 40)):
            row = _customer(team, _random_day(story, dt.date(2018, 3, 1), dt.date(2024, 6, 1)))
            lost = _random_day(story, dt.date(2024, 7, 1), FIRST_MONTH)
            row.update(lost_on=_date(lost), lost_reason=story.pick(REASON_WEIGHTS))
            rows.append(row)
    for index, month in enumerate(months()):
        for team in TEAMS:
            for _ in range(story.rng.randint(3, 7)):
                rows.append(_customer(team, story.day(month)))
        for row in rows:
            if not row["lost_on"] and not row["retention_outcome"]:
                _month_at_risk(story, row, index, month)
    rows = sorted(rows, key=lambda r: (r["since"], r["team"]))
    return _numbered(rows, "customer_id", "KH", "since")


def _customer(team: str, since: dt.date) -> dict[str, str]:
    blank = dict.fromkeys(("lost_on", "lost_reason", "retention_attempt_on", "retention_outcome"))
    return {"team": team, "since": _date(since), **{k: "" for k in blank}}


def _random_day(story: _Story, first: dt.date, before: dt.date) -> dt.date:
    return first + dt.timedelta(days=story.rng.randrange((before - first).days))


def _month_at_risk(story: _Story, row: dict[str, str], index: int, month: dt.date) -> None:
    """Whether a customer on the books leaves in ``month``, after a retention attempt or not."""
    if row["since"] >= _date(month):
        return  # won this month: not at risk yet
    p = story.level(row["team"], index)
    if story.rng.random() >= 0.016 * math.exp(-0.5 * p):
        return
    day = story.day(month)
    if story.rng.random() < 0.75:
        row["retention_attempt_on"] = _date(day)
        if day >= dt.date(2026, 6, 24):
            return  # still being talked to when the records end: outcome pending
        if story.rng.random() < 0.45 + 0.12 * p:
            row["retention_outcome"] = t.RETAINED
            return
        row["retention_outcome"] = t.NOT_RETAINED
        day = min(day + dt.timedelta(days=story.rng.randint(1, 6)), dt.date(2026, 6, 30))
    row["lost_on"] = _date(day)
    row["lost_reason"] = "" if story.rng.random() < 0.1 else story.pick(REASON_WEIGHTS)


def _reports(story: _Story) -> list[dict[str, str]]:
    rows = []
    for index, month in enumerate(months()):
        for team, (people, _) in TEAMS.items():
            p = story.level(team, index)
            research = story.mark(2 + 0.8 * p, 0.7, 0, 4)
            competitor = story.mark(1 + 0.5 * p, 0.5, 0, 2)
            for kind, how_many in ((t.RESEARCH, research), (t.COMPETITOR, competitor)):
                for _ in range(how_many):
                    day = story.day(month)
                    rows.append(
                        {
                            "team": team,
                            "author": story.rng.choice(people[3:]),
                            "submitted_on": _date(day),
                            "kind": kind,
                            "title": f"{day.year}年{day.month}月{team}{kind}报告",
                        }
                    )
    return _numbered(rows, "report_id", "BG", "submitted_on")


def _needs(story: _Story, customers: dict[str, list[str]]) -> list[dict[str, str]]:
    rows = []
    what = ("希望增加智能温控", "改为夜间分时供暖", "增加卫生间地暖回路", "要求上门保养提前")
    for index, month in enumerate(months()):
        for team in TEAMS:
            p = story.level(team, index)
            for _ in range(story.rng.randint(3, 6)):
                noticed = story.day(month)
                days = round(story.rng.expovariate(1 / max(4.0 - 2.2 * p, 0.8)))
                responded = noticed + dt.timedelta(days=days)
                rows.append(
                    {
                        "customer_id": story.rng.choice(customers[team]),
                        "team": team,
                        "noticed_on": _date(noticed),
                        "responded_on": _date(responded) if responded < END.date() else "",
                        "description": story.rng.choice(what),
                    }
                )
    return _numbered(rows, "change_id", "XQ", "noticed_on")


def _calls(story: _Story) -> list[dict[str, str]]:
    rows = []
    for index, month in enumerate(months()):
        for team in TEAMS:
            p = story.level(team, index)
            chance = min(0.99, max(0.6, 0.9 + 0.06 * p))
            for _ in range(story.rng.randint(55, 75)):
                rows.append(
                    {
                        "team": team,
                        "called_at": _stamp(story.moment(month, 7, 22)),
                        "answered": t.YES if story.rng.random() < chance else t.NO,
                    }
                )
    return _numbered(rows, "call_id", "LD", "called_at")


def _emails(story: _Story) -> list[dict[str, str]]:
    rows = []
    for index, month in enumerate(months()):
        for team in TEAMS:
            p = story.level(team, index)
            for _ in range(story.rng.randint(15, 25)):
                received = story.moment(month, 0, 24)
                replied = None if story.rng.random() < 0.02 else story.later(received, 10 - 5 * p)
                rows.append(
                    {"team": team, "received_at": _stamp(received), "replied_at": _stamp(replied)}
                )
    return _numbered(rows, "email_id", "YJ", "received_at")


def _internal(story: _Story) -> list[dict[str, str]]:
    rows = []
    for index, month in enumerate(months()):
        for team in TEAMS:
            p = story.level(team, index)
            for _ in range(story.rng.randint(6, 10)):
                raised = story.moment(month)
                rows.append(
                    {
                        "team": team,
                        "department": story.rng.choice(DEPARTMENTS),
                        "raised_at": _stamp(raised),
                        "answered_at": _stamp(story.later(raised, 30 - 12 * p)),
                    }
                )
    return _numbered(rows, "request_id", "XZ", "raised_at")


def _training(story: _Story) -> list[dict[str, str]]:
    """Each month a technical session with a skills exam for the technicians, and a service
    session for the whole team.
    """
    rows = []
    for index, month in enumerate(months()):
        tech = TECH_SESSIONS[index % len(TECH_SESSIONS)]
        service = SERVICE_SESSIONS[index % len(SERVICE_SESSIONS)]
        for team, (people, _) in TEAMS.items():
            p = story.level(team, index)
            chance = min(1.0, 0.93 + 0.06 * p)
            tech_day, service_day = story.day(month), story.day(month)
            invited = [(name, tech_day, tech) for name in people[:3]]
            invited += [(name, service_day, service) for name in people]
            for name, day, session in invited:
                attended = story.rng.random() < chance
                exam = ""
                if attended and session == tech:
                    exam = str(story.mark(82 + 7 * p, 7, 0, 100))
                rows.append(
                    {
                        "employee": name,
                        "team": team,
                        "session_date": _date(day),
                        "session": session,
                        "attended": t.YES if attended else t.NO,
                        "exam_score": exam,
                    }
                )
    return sorted(rows, key=lambda r: (r["session_date"], r["team"], r["session"], r["employee"]))


def _projects(story: _Story) -> list[dict[str, str]]:
    rows = []
    names = ("老客户回访计划", "冬季保养专项", "售后流程梳理", "社区推广活动", "安装质量抽检")
    for index, month in enumerate(months()):
        for team in TEAMS:
            p = story.level(team, index)
            for _ in range(story.rng.randint(1, 3)):
                due = story.day(month)
                started = due - dt.timedelta(days=story.rng.randint(20, 60))
                done: dt.date | None = due - dt.timedelta(days=story.rng.randint(0, 10))
                if story.rng.random() >= 0.8 + 0.15 * p:
                    late = due + dt.timedelta(days=story.rng.randint(3, 25))
                    done = late if late < END.date() else None
                rows.append(
                    {
                        "team": team,
                        "project": story.rng.choice(names),
                        "started_on": _date(started),
                        "due_on": _date(due),
                        "completed_on": _date(done),
                    }
                )
    return _numbered(rows, "project_id", "XM", "due_on")


def _cohesion(story: _Story) -> list[dict[str, str]]:
    rows = []
    for index, month in enumerate(months()):
        for team, (people, _) in TEAMS.items():
            p = story.level(team, index)
            day = month + dt.timedelta(days=24)  # the survey closes on the 25th
            for name in people:
                rows.append(
                    {
                        "employee": name,
                        "team": team,
                        "surveyed_on": _date(day),
                        "score": str(story.mark(4.0 + 0.5 * p, 0.7, 1, 5)),
                    }
                )
    return rows


def _numbered(
    rows: list[dict[str, str]], id_column: str, prefix: str, order: str
) -> list[dict[str, str]]:
    """The rows in time order (stable), each given an id such as GD00001 first."""
    ordered = sorted(rows, key=lambda r: r[order])
    return [{id_column: f"{prefix}{n:05d}", **row} for n, row in enumerate(ordered, 1)]


def _team_customers(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """Per team, the ids of its customers (any of them may call, be surveyed, complain)."""
    by_team: dict[str, list[str]] = {team: [] for team in TEAMS}
    for row in rows:
        if not row["lost_on"] or row["lost_on"] >= _date(FIRST_MONTH):
            by_team[row["team"]].append(row["customer_id"])
    return by_team


def generate(seed: int = SEED) -> dict[str, list[dict[str, str]]]:
    """Every table's rows, as text, for the given seed."""
    story = _Story(seed)
    customers = _customers(story)
    ids = _team_customers(customers)
    makers: list[tuple[str, Callable[[], list[dict[str, str]]]]] = [
        (t.TICKETS, lambda: _tickets(story, ids)),
        (t.SURVEYS, lambda: _surveys(story, ids)),
        (t.COMPLAINTS, lambda: _complaints(story, ids)),
        (t.REPORTS, lambda: _reports(story)),
        (t.NEEDS, lambda: _needs(story, ids)),
        (t.CALLS, lambda: _calls(story)),
        (t.EMAILS, lambda: _emails(story)),
        (t.INTERNAL, lambda: _internal(story)),
        (t.TRAINING, lambda: _training(story)),
        (t.PROJECTS, lambda: _projects(story)),
        (t.COHESION, lambda: _cohesion(story)),
    ]
    generated = {t.CUSTOMERS: customers}
    for name, make in makers:
        generated[name] = make()
    return generated


def write_sample(out: Path, seed: int = SEED) -> list[Path]:
    """Write one CSV per table (UTF-8, header row, Unix line ends) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in sorted(generate(seed).items()):
        path = out / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS[name], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m assessor_floor_heating.sample --out FOLDER [--seed N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write the CSVs to")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    arguments = parser.parse_args(argv)
    for path in write_sample(arguments.out, arguments.seed):
        print(path)


if __name__ == "__main__":
    main()
