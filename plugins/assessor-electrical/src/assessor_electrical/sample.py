"""Seeded generator of the electrical-equipment sample data (电气设备客户关系维护样例数据).

The story shared by every domain: the equity transfer happened on 2026-01-01, the records cover
2025-07-01 .. 2026-06-30 (six months before, six after), and the company does a little worse
just after the transfer and then improves month by month. Four regional customer-relationship
teams look after the customers; their quality differs and holds from month to month.

The output must be the same for a given seed on any machine: only ``random.Random(seed)`` is
used, every draw happens in a fixed order, and no set or hash ordering reaches the files.

Run it as ``python -m assessor_electrical.sample --out schemes/electrical-equipment/sample-data``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import pathlib
import random
from dataclasses import dataclass

__all__ = ["RUBRICS", "generate", "write_sample"]

SEED = 2026
FIRST_MONTH = dt.date(2025, 7, 1)
MONTHS = 12
# records are exported at the end of the last day: later responses and closings are blank
EXPORT_END = dt.datetime(2026, 6, 30, 23, 59, 59)

# A team's quality (0 = poor, 1 = excellent) drives every record it produces.
TEAMS = {"华东大区组": 0.85, "华南大区组": 0.7, "华北大区组": 0.55, "西部大区组": 0.4}
# How the whole company does each month against its usual level: a dip after the transfer
# (2026-01), then a recovery that ends a little above the level before it.
FORM = {
    "2026-01": -0.15,
    "2026-02": -0.1,
    "2026-03": -0.05,
    "2026-04": 0.0,
    "2026-05": 0.05,
    "2026-06": 0.1,
}
# customers on the books at the start of the records, and new ones per month (per team)
BOOK = {"华东大区组": 150, "华南大区组": 130, "华北大区组": 115, "西部大区组": 95}
NEW_PER_MONTH = (1, 4)
# customers lost before the records begin still stand in the register
LOST_EARLIER_SHARE = 0.1

# regional market per month (万元) and the company's usual share of it
MARKET = {
    "华东大区组": (6800, 0.24),
    "华南大区组": (5500, 0.21),
    "华北大区组": (4700, 0.18),
    "西部大区组": (3000, 0.15),
}

# The four evaluators: the sales vice-president, the customer-service director, the quality
# manager and an outside consultant.
EVALUATORS = ("王建国", "李秀英", "张志强", "陈静")
# How each evaluator leans: one lenient, one harsh, so the trimmed mean has work to do.
LEANING = {"王建国": 0.5, "李秀英": 0.0, "张志强": -0.2, "陈静": -0.6}
# Evaluators rate once a quarter, in its last month; December is the last rating under the
# previous owner, which the scheme carries into January and February.
RATING_MONTHS = ("2025-12", "2026-03", "2026-06")
# Two gaps on purpose: one evaluator skipped one criterion (a trimmed mean of three), and
# nobody rated one criterion of one team in June (its rubric keeps March's points).
SKIPPED = {("华南大区组", "2026-03", "陈静", "数据安全")}
UNRATED = {("华北大区组", "2026-06", "应急预案")}

LETTERS = ("E", "D", "C", "B", "A")  # 1 .. 5
# The rated criteria of the template, rubric by rubric (True: rated with letters A-E). The
# plugin's tests check this list against crm-team.assess.
RUBRICS: tuple[tuple[bool, tuple[str, ...]], ...] = (
    (False, ("团队规模与结构", "领导力与团队协作", "职能分工", "培训与发展", "激励机制")),
    (False, ("信息准确性", "数据安全", "信息共享机制", "客户反馈收集")),
    (False, ("沟通渠道", "沟通质量", "客户反馈处理", "客户关系活动")),
    (False, ("服务态度", "问题解决能力", "售后服务记录")),
    (False, ("客户细分", "客户需求分析", "服务创新", "市场调研", "竞争对手分析")),
    (False, ("目标达成情况", "工作效率", "成本控制", "团队协作", "创新能力")),
    (False, ("培训内容", "培训效果", "职业发展规划", "团队氛围", "团队凝聚力")),
    (False, ("风险评估", "风险应对措施", "应急预案", "风险监控", "风险沟通")),
    (False, ("创新意识", "改进措施", "创新成果", "改进效果", "创新激励机制")),
    (True, ("环保意识", "公益事业", "企业文化建设", "合规经营", "客户满意度")),
    (False, ("产品竞争力", "服务竞争力", "品牌形象", "市场竞争力·竞争对手分析")),
    (False, ("战略目标", "战略实施", "战略调整", "战略监控", "战略反馈")),
    (False, ("协作意识", "跨部门协作·沟通渠道", "协作流程", "协作效果", "协作激励机制")),
    (False, ("满意度分析", "满意度提升措施")),
    (False, ("危机预警", "危机应对措施", "危机处理效果", "危机沟通", "危机恢复")),
    (False, ("改进意识", "持续改进·改进措施", "持续改进·改进效果", "改进反馈", "改进激励机制")),
    (
        False,
        ("团队价值观", "团队精神", "团队文化·团队氛围", "团队荣誉", "团队文化·团队凝聚力"),
    ),
    (False, ("领导风格", "决策能力", "沟通能力", "激励能力", "团队发展")),
    (
        False,
        (
            "创新能力·创新意识",
            "创新机制",
            "创新能力·创新成果",
            "创新应用",
            "创新能力·创新激励机制",
        ),
    ),
    (True, ("资源利用", "环境保护", "社会责任", "可持续发展战略", "可持续发展效果")),
)

COLUMNS = {
    "electrical_customers": ("customer_id", "team", "since", "lost_on"),
    "electrical_service_requests": (
        "request_id",
        "customer_id",
        "team",
        "opened_at",
        "responded_at",
    ),
    "electrical_complaints": (
        "complaint_id",
        "customer_id",
        "team",
        "received_at",
        "closed_at",
        "resolved",
    ),
    "electrical_surveys": ("customer_id", "team", "survey_date", "score"),
    "electrical_info_updates": ("customer_id", "team", "updated_on"),
    "electrical_market": ("team", "month", "own_sales", "market_total"),
    "ratings": ("subject", "period", "evaluator", "criterion", "score"),
}


@dataclass
class _Customer:
    team: str
    since: dt.date
    lost_on: dt.date | None = None
    customer_id: str = ""


def _month(index: int) -> dt.date:
    """The first day of the ``index``-th month of the records (0 = 2025-07)."""
    total = FIRST_MONTH.year * 12 + FIRST_MONTH.month - 1 + index
    return dt.date(total // 12, total % 12 + 1, 1)


def _label(first_day: dt.date) -> str:
    return f"{first_day:%Y-%m}"


def _days_in(first_day: dt.date) -> int:
    return (_month_after(first_day) - first_day).days


def _month_after(first_day: dt.date) -> dt.date:
    return (first_day + dt.timedelta(days=32)).replace(day=1)


def _quality(team: str, first_day: dt.date) -> float:
    """The team's quality in a month: its level plus the company's form, kept in 0..1."""
    return min(1.0, max(0.0, TEAMS[team] + FORM.get(_label(first_day), 0.0)))


def _working_time(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment of a working day, mostly office hours, sometimes the evening."""
    if rng.random() < 0.12:
        minute = rng.randrange(18 * 60, 23 * 60)
    else:
        minute = rng.randrange(8 * 60, 18 * 60)
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60, rng.randrange(60)))


def _customers(rng: random.Random) -> list[_Customer]:
    """The register: the book at the start, earlier losses, newcomers and losses by month."""
    register: list[_Customer] = []
    start = FIRST_MONTH
    for team, size in BOOK.items():
        for _ in range(size):
            since = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(4930))
            register.append(_Customer(team, since))
        for _ in range(round(size * LOST_EARLIER_SHARE)):
            since = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(3600))
            lost = since + dt.timedelta(days=rng.randrange(200, max(201, (start - since).days)))
            register.append(_Customer(team, since, min(lost, start - dt.timedelta(days=1))))
    for index in range(MONTHS):
        first_day = _month(index)
        for team in TEAMS:
            quality = _quality(team, first_day)
            # losses: a little more likely for weaker teams and just after the transfer
            chance = 0.004 + 0.012 * (1 - quality)
            for customer in register:
                if customer.team != team or customer.lost_on is not None:
                    continue
                if customer.since < first_day and rng.random() < chance:
                    customer.lost_on = first_day + dt.timedelta(days=rng.randrange(28))
            for _ in range(rng.randint(*NEW_PER_MONTH)):
                since = first_day + dt.timedelta(days=rng.randrange(_days_in(first_day)))
                register.append(_Customer(team, since))
    register.sort(key=lambda c: (c.since, list(TEAMS).index(c.team)))
    for number, customer in enumerate(register, start=1):
        customer.customer_id = f"KH{number:05d}"
    return register


def _active_days(customer: _Customer, first_day: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a month on which the customer was on the books."""
    last_day = _month_after(first_day) - dt.timedelta(days=1)
    begin = max(first_day, customer.since)
    end = last_day if customer.lost_on is None else min(last_day, customer.lost_on)
    return (begin, end) if begin <= end else None


def _day_between(rng: random.Random, span: tuple[dt.date, dt.date]) -> dt.date:
    return span[0] + dt.timedelta(days=rng.randrange((span[1] - span[0]).days + 1))


def _stamp(moment: dt.datetime | None) -> str:
    if moment is None or moment > EXPORT_END:
        return ""
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def _request(
    rng: random.Random, customer: _Customer, span: tuple[dt.date, dt.date], quality: float
) -> tuple:
    """One service request: most are answered within a day, better teams more often."""
    opened = _working_time(rng, _day_between(rng, span))
    draw = rng.random()
    if draw < 0.01:
        answered = None  # lost in the system: never answered
    elif draw < 0.8 + 0.18 * quality:
        answered = opened + dt.timedelta(seconds=rng.randrange(1200, 20 * 3600))
    else:
        answered = opened + dt.timedelta(seconds=rng.randrange(24 * 3600 + 600, 96 * 3600))
    return (customer.customer_id, customer.team, opened, answered)


def _complaint(
    rng: random.Random, customer: _Customer, span: tuple[dt.date, dt.date], quality: float
) -> tuple:
    """One complaint: closed within a week or later, resolved or not."""
    received = _working_time(rng, _day_between(rng, span))
    draw = rng.random()
    if draw < 0.02:
        closed = None  # still open when the records were exported
    elif draw < 0.6 + 0.35 * quality:
        closed = received + dt.timedelta(seconds=rng.randrange(3 * 3600, 7 * 86400 - 3600))
    else:
        closed = received + dt.timedelta(seconds=rng.randrange(7 * 86400 + 3600, 30 * 86400))
    resolved = "是" if rng.random() < 0.75 + 0.22 * quality else "否"
    if closed is None or closed > EXPORT_END:
        closed, resolved = None, "否"
    return (customer.customer_id, customer.team, received, closed, resolved)


def _activity(rng: random.Random, register: list[_Customer]) -> dict[str, list[tuple]]:
    """Requests, complaints, surveys and record updates, month by month, customer by customer."""
    requests: list[tuple] = []
    complaints: list[tuple] = []
    surveys: list[tuple] = []
    updates: list[tuple] = []
    for index in range(MONTHS):
        first_day = _month(index)
        for customer in register:
            span = _active_days(customer, first_day)
            if span is None:
                continue
            quality = _quality(customer.team, first_day)
            for _ in range(rng.choices((0, 1, 2), (0.64, 0.31, 0.05))[0]):
                requests.append(_request(rng, customer, span, quality))
            if rng.random() < 0.03 + 0.04 * (1 - quality):
                complaints.append(_complaint(rng, customer, span, quality))
            # at most one survey per customer and month
            if rng.random() < 0.2 + 0.12 * quality:
                score = min(10, max(1, round(rng.gauss(6.2 + 3.2 * quality, 1.1))))
                day = _day_between(rng, span)
                surveys.append((customer.customer_id, customer.team, day, score))
            weights = (0.8 - 0.3 * quality, 0.18 + 0.25 * quality, 0.02 + 0.05 * quality)
            for _ in range(rng.choices((0, 1, 2), weights)[0]):
                updates.append((customer.customer_id, customer.team, _day_between(rng, span)))
    requests.sort(key=lambda row: (row[2], row[0]))
    complaints.sort(key=lambda row: (row[2], row[0]))
    surveys.sort(key=lambda row: (row[2], row[0]))
    updates.sort(key=lambda row: (row[2], row[0]))
    return {
        "electrical_service_requests": [
            (f"FW{n:06d}", customer, team, _stamp(opened), _stamp(answered))
            for n, (customer, team, opened, answered) in enumerate(requests, start=1)
        ],
        "electrical_complaints": [
            (f"TS{n:05d}", customer, team, _stamp(received), _stamp(closed), resolved)
            for n, (customer, team, received, closed, resolved) in enumerate(complaints, start=1)
        ],
        "electrical_surveys": [
            (customer, team, day.isoformat(), score) for customer, team, day, score in surveys
        ],
        "electrical_info_updates": [
            (customer, team, day.isoformat()) for customer, team, day in updates
        ],
    }


def _market(rng: random.Random) -> list[tuple]:
    """Own sales and the region's market per team and month (万元), with a yearly season."""
    rows = []
    for index in range(MONTHS):
        first_day = _month(index)
        season = 1 + 0.06 * math.sin(2 * math.pi * (first_day.month - 3) / 12)
        for team, (size, usual) in MARKET.items():
            total = round(size * season * rng.uniform(0.97, 1.03))
            # the share follows the company's form and the team's quality, a little noisy
            share = usual + 0.05 * FORM.get(_label(first_day), 0.0) * (0.5 + TEAMS[team])
            own = round(total * (share + rng.uniform(-0.003, 0.003)))
            rows.append((team, _label(first_day), own, total))
    return rows


def _ratings(rng: random.Random) -> list[tuple]:
    """Every evaluator rates every rated criterion of every team once a quarter."""
    rows = []
    for month in RATING_MONTHS:
        first_day = dt.date(int(month[:4]), int(month[5:]), 1)
        for team in TEAMS:
            # level on the 1-5 scale, following quality and the company's form
            level = 1.6 + 3.2 * _quality(team, first_day) + rng.uniform(-0.2, 0.2)
            for evaluator in EVALUATORS:
                for letters, criteria in RUBRICS:
                    for criterion in criteria:
                        if (team, month, evaluator, criterion) in SKIPPED:
                            continue
                        if (team, month, criterion) in UNRATED:
                            continue
                        value = level + LEANING[evaluator] + rng.gauss(0, 0.7)
                        value = min(5, max(1, round(value)))
                        score = LETTERS[value - 1] if letters else str(value)
                        rows.append((team, month, evaluator, criterion, score))
    return rows


def generate(seed: int = SEED) -> dict[str, list[tuple]]:
    """Every sample table as rows of text and numbers, in the column order of ``COLUMNS``."""
    rng = random.Random(seed)
    register = _customers(rng)
    tables = {
        "electrical_customers": [
            (c.customer_id, c.team, c.since.isoformat(), c.lost_on.isoformat() if c.lost_on else "")
            for c in register
        ],
    }
    tables.update(_activity(rng, register))
    tables["electrical_market"] = _market(rng)
    tables["ratings"] = _ratings(rng)
    return tables


def write_sample(out_dir: pathlib.Path, seed: int = SEED) -> list[pathlib.Path]:
    """Write one CSV file per table into ``out_dir`` (UTF-8, header row, Unix line ends)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in generate(seed).items():
        path = out_dir / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS[name])
            writer.writerows(rows)
        written.append(path)
    return written


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Write the seeded electrical-equipment sample.")
    parser.add_argument("--out", type=pathlib.Path, required=True, help="folder to write to")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Write the sample data into the folder given with ``--out``."""
    args = _arguments(argv)
    write_sample(args.out, seed=args.seed)


if __name__ == "__main__":
    main()
