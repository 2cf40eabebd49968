"""Seeded generator of the balanced-scorecard sample data (平衡计分卡样例数据).

A company with four business units (业务部门) keeps its monthly numbers in Excel and reviews
each unit once a quarter. The story shared by every domain: the equity transfer happened on
2026-01-01, the numbers cover 2025-07 .. 2026-06 (six months before, six after), and the
company does a little worse just after the transfer, then improves month by month.

The output must be the same for a given seed on any machine: only ``random.Random(seed)`` is
used, every draw happens in a fixed order (also for a value that is then left out as a gap),
and no set or hash ordering reaches the files.

Run it as ``python -m assessor_kpi.sample --out schemes/balanced-scorecard/sample-data``.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import pathlib
import random
from dataclasses import dataclass

__all__ = ["CRITERIA", "INDICATORS", "MONTHS", "generate", "write_sample"]

SEED = 2026
MONTHS = (
    "2025-07",
    "2025-08",
    "2025-09",
    "2025-10",
    "2025-11",
    "2025-12",
    "2026-01",
    "2026-02",
    "2026-03",
    "2026-04",
    "2026-05",
    "2026-06",
)
TRANSFER_MONTH = "2026-01"

# Every indicator the template reads, in the order a unit's monthly report lists them.
# 客户忠诚度 comes from a survey held in the last month of each quarter only.
INDICATORS = (
    "营业收入",
    "收入目标",
    "成本费用",
    "客户满意度",
    "客户忠诚度",
    "客户保留率",
    "新增客户数",
    "订单准时交付率",
    "一次交验合格率",
    "投诉处理及时率",
    "平均响应时长",
    "人均培训时长",
    "核心员工保留率",
)
# The criteria of the quarterly review (季度评议), as the template's two rubrics list them.
CRITERIA = ("主动与客户互动", "多渠道沟通", "客户情感体验", "服务技能", "沟通能力", "团队协作")


@dataclass(frozen=True)
class _Unit:
    """A business unit: how well it is run (0 poor .. 1 excellent), its usual monthly revenue
    (万元), and how hard the change of owner hits it (1 = as hard as the company on average).
    """

    name: str
    quality: float
    revenue: float
    exposure: float


UNITS = (
    _Unit("华东事业部", 0.92, 460.0, 0.8),
    _Unit("华南事业部", 0.70, 385.0, 1.0),
    # the unit whose big customers were courted hardest by competitors during the sale
    _Unit("华北事业部", 0.50, 300.0, 1.3),
    _Unit("西南事业部", 0.35, 170.0, 1.0),
)

# How the whole company does each month against its usual level. A little unease while the
# sale is negotiated (2025-12), a dip after the transfer (2026-01), then a recovery that ends
# a little above the level before it.
FORM = {
    "2025-07": 0.0,
    "2025-08": 0.005,
    "2025-09": 0.01,
    "2025-10": 0.005,
    "2025-11": 0.0,
    "2025-12": -0.02,
    "2026-01": -0.12,
    "2026-02": -0.09,
    "2026-03": -0.05,
    "2026-04": -0.01,
    "2026-05": 0.04,
    "2026-06": 0.07,
}
# Revenue by month against an average month: the National Day holiday (10), the year-end and
# half-year pushes (12, 6), and the Spring Festival, which falls in February in 2026.
SEASON = {
    "2025-07": 1.0,
    "2025-08": 0.96,
    "2025-09": 1.05,
    "2025-10": 0.93,
    "2025-11": 1.02,
    "2025-12": 1.14,
    "2026-01": 1.0,
    "2026-02": 0.78,
    "2026-03": 1.03,
    "2026-04": 1.0,
    "2026-05": 1.01,
    "2026-06": 1.09,
}
# The old owner planned 2025 a little below the usual level; the new owner's plan for 2026
# asks for growth.
PLAN = {"2025": 0.97, "2026": 1.05}
# Fixed costs (rent, salaries) as a share of a usual month's revenue, and the variable share.
FIXED_COST = 0.24
VARIABLE_COST = 0.36
# Hand-over costs in the first months after the transfer (system migration, consultants),
# as a share of a usual month's revenue.
INTEGRATION_COST = {"2026-01": 0.05, "2026-02": 0.04, "2026-03": 0.02}
# The new owner's onboarding training (转让后融合培训) adds hours per head in the first half
# of 2026; almost nobody trains during the Spring Festival.
TRAINING_PUSH = {"2026-01": 3.0, "2026-02": 0.5, "2026-03": 3.5, "2026-04": 2.0}
SPRING_FESTIVAL = "2026-02"

# Evaluators of the quarterly review. The general manager changed with the owner.
GENERAL_MANAGER = {"2025": "周建华", "2026": "陈志远"}
EVALUATORS = ("刘海燕", "林晓梅", "郑国强")  # 营销副总, 人力资源总监, 客户服务中心主任
# how much more kindly than the others each evaluator rates (周建华, 陈志远, then the rest)
LENIENCY = {"周建华": 0.2, "陈志远": -0.25, "刘海燕": 0.3, "林晓梅": 0.0, "郑国强": -0.15}
# the criteria the units find easier or harder
CRITERION_OFFSET = {
    "主动与客户互动": 0.0,
    "多渠道沟通": 0.2,
    "客户情感体验": -0.2,
    "服务技能": 0.15,
    "沟通能力": 0.05,
    "团队协作": 0.1,
}

# Realistic gaps, each where a missing-data policy of the template decides:
# - 华北事业部's quality inspection moved to the new owner's system in April: no 一次交验合格率
#   in the whole of 2026-Q2, so the indicator is left out that quarter (`missing exclude`);
# - 西南事业部 ran no satisfaction survey over the Spring Festival: its 2026-Q1 satisfaction
#   is the mean of January and March (`rollup mean` over the months that have a value);
# - 华南事业部 postponed its loyalty survey during the hand-over: no 客户忠诚度 in 2026-Q1,
#   so the other customer indicators share its weight.
KPI_GAPS = {
    ("华北事业部", "2026-04", "一次交验合格率"),
    ("华北事业部", "2026-05", "一次交验合格率"),
    ("华北事业部", "2026-06", "一次交验合格率"),
    ("西南事业部", "2026-02", "客户满意度"),
    ("华南事业部", "2026-03", "客户忠诚度"),
}
# - the review form gained 客户情感体验 only from 2025-Q4: nobody rated it in 2025-Q3, and the
#   rubric's other criteria count alone (`missing exclude` per criterion);
# - 刘海燕 was travelling at the 2026-Q1 review and did not rate 西南事业部: three ratings
#   per criterion, of which the trimmed mean keeps the middle one.
FIRST_REVIEW_WITH = {"客户情感体验": "2025-12"}
RATING_GAPS = {("2026-03", "西南事业部", "刘海燕")}

KPI_COLUMNS = ("subject", "period", "indicator", "value")
RATING_COLUMNS = ("subject", "period", "evaluator", "criterion", "score")


def generate(seed: int = SEED) -> dict[str, list[dict[str, str]]]:
    """The rows of ``kpi_values`` and ``ratings``, every value already written as text.

    ``kpi_values`` is ordered by unit, month and indicator (as each unit reports), ``ratings``
    by review, unit, evaluator and criterion.
    """
    rng = random.Random(seed)
    kpi_rows: list[dict[str, str]] = []
    rating_rows: list[dict[str, str]] = []
    for unit in UNITS:
        kpi_rows += _unit_kpis(rng, unit)
    for month in MONTHS:
        if _is_quarter_end(month):
            for unit in UNITS:
                rating_rows += _unit_review(rng, unit, month)
    return {"kpi_values": kpi_rows, "ratings": rating_rows}


def _form(unit: _Unit, month: str) -> float:
    """The company's form that month, as strongly as it reaches this unit."""
    return FORM[month] * unit.exposure


def _lagged_form(unit: _Unit, month: str) -> float:
    """The mean form of this and the two months before: rolling 12-month rates (customers and
    key staff kept) follow the company's form with a delay.
    """
    index = MONTHS.index(month)
    window = MONTHS[max(0, index - 2) : index + 1]
    return sum(_form(unit, m) for m in window) / len(window)


def _unit_kpis(rng: random.Random, unit: _Unit) -> list[dict[str, str]]:
    """One unit's monthly report over the twelve months."""
    rows = []
    q = unit.quality
    for month in MONTHS:
        form = _form(unit, month)
        lagged = _lagged_form(unit, month)
        usual = unit.revenue * SEASON[month]
        revenue = usual * (1 + 0.9 * form) * rng.gauss(1.0, 0.025)
        target = _round_to(usual * PLAN[month[:4]], 5)
        cost = unit.revenue * (FIXED_COST + INTEGRATION_COST.get(month, 0.0))
        cost += revenue * (VARIABLE_COST + 0.1 * (1 - q)) * rng.gauss(1.0, 0.02)
        training = 4.5 + 4.0 * q + TRAINING_PUSH.get(month, 0.0) + rng.gauss(0.0, 0.5)
        if month == SPRING_FESTIVAL:
            training *= 0.5
        values = {
            "营业收入": _one_decimal(revenue),
            "收入目标": str(target),
            "成本费用": _one_decimal(cost),
            "客户满意度": _survey(rng, 78 + 16 * q + 45 * form, 1.0, 99.5),
            "客户忠诚度": _survey(rng, 60 + 24 * q + 60 * lagged, 1.5, 99.0),
            "客户保留率": _survey(rng, 86 + 10 * q + 40 * lagged, 0.5, 99.5),
            "新增客户数": str(_count(rng, (7 + 9 * q) * SEASON[month] * (1 + 2.5 * form))),
            "订单准时交付率": _survey(rng, 90 + 8.5 * q + 25 * form, 0.6, 99.8),
            "一次交验合格率": _survey(rng, 93 + 6 * q + 12 * form, 0.5, 99.9),
            "投诉处理及时率": _survey(rng, 84 + 14 * q + 40 * form, 1.0, 100),
            "平均响应时长": _hours(rng, 2 + 7 * (1 - q) - 30 * form),
            "人均培训时长": _one_decimal(max(0.5, training)),
            "核心员工保留率": _survey(rng, 89 + 8 * q + 35 * lagged, 0.4, 100),
        }
        for indicator in INDICATORS:
            if indicator == "客户忠诚度" and not _is_quarter_end(month):
                continue
            if (unit.name, month, indicator) in KPI_GAPS:
                continue
            rows.append(
                {
                    "subject": unit.name,
                    "period": month,
                    "indicator": indicator,
                    "value": values[indicator],
                }
            )
    return rows


def _unit_review(rng: random.Random, unit: _Unit, month: str) -> list[dict[str, str]]:
    """The quarterly review of one unit in the quarter's last month: every evaluator rates
    every criterion from 1 to 5, on the unit's quality and the quarter's form.
    """
    quarter = MONTHS[MONTHS.index(month) - 2 : MONTHS.index(month) + 1]
    form = sum(_form(unit, m) for m in quarter) / 3
    day = _last_friday(month).isoformat()
    evaluators = (GENERAL_MANAGER[month[:4]], *EVALUATORS)
    rows = []
    for evaluator in evaluators:
        for criterion in CRITERIA:
            mean = 2.6 + 2.0 * unit.quality + 8 * form
            mean += LENIENCY[evaluator] + CRITERION_OFFSET[criterion]
            score = min(5, max(1, round(rng.gauss(mean, 0.45))))
            if (month, unit.name, evaluator) in RATING_GAPS:
                continue
            if month < FIRST_REVIEW_WITH.get(criterion, MONTHS[0]):
                continue
            rows.append(
                {
                    "subject": unit.name,
                    "period": day,
                    "evaluator": evaluator,
                    "criterion": criterion,
                    "score": str(score),
                }
            )
    return rows


def _is_quarter_end(month: str) -> bool:
    return int(month[5:]) % 3 == 0


def _last_friday(month: str) -> dt.date:
    """The review meeting: the last Friday of the month."""
    year, number = int(month[:4]), int(month[5:])
    day = dt.date(year, number, calendar.monthrange(year, number)[1])
    return day - dt.timedelta(days=(day.weekday() - calendar.FRIDAY) % 7)


def _survey(rng: random.Random, usual: float, spread: float, high: float) -> str:
    """A rate or survey score around ``usual``, to one decimal; it cannot pass ``high``."""
    return _one_decimal(min(usual + rng.gauss(0, spread), high))


def _hours(rng: random.Random, usual: float) -> str:
    """A mean response time around ``usual`` hours, to one decimal; never quite instant."""
    return _one_decimal(max(0.8, usual * rng.gauss(1, 0.06)))


def _round_to(value: float, step: int) -> int:
    """Targets are planned in round figures."""
    return round(value / step) * step


def _count(rng: random.Random, mean: float) -> int:
    """A whole number of new customers around ``mean``; a sales team's pipeline evens the
    months out a little, so the spread is below a Poisson count's √mean.
    """
    return max(0, round(rng.gauss(mean, 0.7 * mean**0.5)))


def _one_decimal(value: float) -> str:
    """One decimal, as the units' Excel sheets show them."""
    return f"{value:.1f}"


def write_sample(out_dir: pathlib.Path, seed: int = SEED) -> list[pathlib.Path]:
    """Write ``kpi_values.csv`` and ``ratings.csv`` into ``out_dir``; return their paths.

    Files are UTF-8 with a header row and Unix line endings.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = generate(seed)
    written = []
    for name, columns in (("kpi_values", KPI_COLUMNS), ("ratings", RATING_COLUMNS)):
        path = out_dir / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(tables[name])
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    """Write the sample data into the folder given with ``--out``."""
    parser = argparse.ArgumentParser(description="Write seeded balanced-scorecard sample data.")
    parser.add_argument(
        "--out", type=pathlib.Path, required=True, help="folder to write the CSV files to"
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default: {SEED})")
    args = parser.parse_args(argv)
    write_sample(args.out, seed=args.seed)


if __name__ == "__main__":
    main()
