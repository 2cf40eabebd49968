"""Seeded generator of realistic after-sales service records (售后服务记录).

The rows feed ``make demo`` and the plugin's tests, so they must be identical for a given seed on
any machine: only ``random.Random(seed)`` from the standard library is used, no set or hash
ordering leaks into the output, and every draw happens in a fixed order.

The simulated store has a customer base that returns for maintenance every few months, a share of
customers who come back only about once a year, and customers who stop coming. Whether a customer
returns depends on the advisor group (业务接待组) that handled the visit, which is what a
churn-control scheme assesses.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import heapq
import pathlib
import random
from dataclasses import dataclass

__all__ = ["generate_visits", "write_sample"]

VISIT_COLUMNS = ("visit_id", "customer_id", "visit_date", "advisor_group")
FOLLOWUP_COLUMNS = ("specialist", "advisor_group")

GROUP_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八")

# Specialists are named people; the pool is large enough for a few stores without repeats.
SPECIALIST_NAMES = (
    "李娜",
    "王芳",
    "陈杰",
    "刘洋",
    "张伟",
    "赵敏",
    "孙丽",
    "周强",
    "吴静",
    "郑磊",
    "黄婷",
    "徐斌",
    "马超",
    "朱琳",
    "胡军",
    "郭燕",
)

# Relative churn tendency of the best and the worst group, the others spread evenly between:
# wide enough that group rankings hold over a year, yet every group keeps most customers.
GROUP_QUALITY_RANGE = (0.4, 2.0)

# Churn is only recognised a lapse after the visit that turned out to be the last one. The demo
# scheme uses an 8-month lapse, so an improvement must reach the visits of about a year before
# the end of the data to show up in the last five assessed months.
DEMO_LAPSE_MONTHS = 8
IMPROVING_MONTHS = 5
IMPROVEMENT_PER_MONTH = 0.07

BASE_CHURN = 0.065
# A first-time customer has no habit of coming back yet.
FIRST_VISIT_CHURN_FACTOR = 1.4
# Customers mostly stay with the advisors they know.
STAY_WITH_GROUP = 0.8
# Share of customers who only come for the yearly inspection or insurance-covered repairs.
YEARLY_CUSTOMER_SHARE = 0.12
REWORK_WITHIN_WEEKS = 0.05
REWORK_SAME_DAY = 0.015

DAYS_PER_MONTH = 30.44
BASE_CUSTOMERS = 1050
NEW_CUSTOMERS_PER_MONTH = (14, 24)


@dataclass
class _Customer:
    customer_id: str
    interval_months: float
    group: int | None = None
    visits: int = 0


@dataclass
class _Visit:
    day: dt.date
    minute: int
    seq: int
    customer_id: str
    group: str


def _parse_month(text: str) -> tuple[int, int]:
    """Return (year, month) of a ``YYYY-MM`` string."""
    try:
        year, month = (int(part) for part in text.split("-"))
    except ValueError as exc:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}") from exc
    if not 1 <= month <= 12:
        raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
    return year, month


def _month_start(year: int, month: int, offset: int) -> dt.date:
    """Return the first day of the month ``offset`` months after (year, month)."""
    index = year * 12 + month - 1 + offset
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_index(first: dt.date, day: dt.date) -> int:
    """Return how many calendar months ``day`` lies after the month of ``first``."""
    return (day.year - first.year) * 12 + day.month - first.month


def generate_visits(
    seed: int = 2015,
    first_month: str = "2014-01",
    last_month: str = "2015-12",
    stores: int = 1,
) -> tuple[list[dict], list[dict]]:
    """Generate after-sales visits and the specialists' follow-up assignments.

    ``seed`` feeds the only random source, so equal seeds give equal rows everywhere. Visits fall
    between ``first_month`` and ``last_month`` (both ``YYYY-MM``, inclusive). With more than one
    of ``stores``, customer ids and group names carry a store code such as ``S01-``.

    Returns ``(visits, followups)``. Visits have the keys ``visit_id``, ``customer_id``,
    ``visit_date`` (a ``datetime.date``) and ``advisor_group``, ordered by date and then by
    arrival within the day. Followups have the keys ``specialist`` and ``advisor_group``; one of
    the groups there never appears in the visits.
    """
    if stores < 1:
        raise ValueError("stores must be at least 1")
    start = _month_start(*_parse_month(first_month), 0)
    end_exclusive = _month_start(*_parse_month(last_month), 1)
    n_months = _month_index(start, end_exclusive)
    if n_months < 1:
        raise ValueError(f"last_month {last_month} is before first_month {first_month}")

    rng = random.Random(seed)
    raw: list[_Visit] = []
    store_groups: list[tuple[str, list[str]]] = []
    for store in range(stores):
        prefix = f"S{store + 1:02d}-" if stores > 1 else ""
        # A single store keeps the documented volume; several stores differ in size.
        scale = 1.0 if stores == 1 else rng.uniform(0.6, 1.4)
        # Five groups is the common set-up; four and six keep tests honest about the count.
        n_groups = rng.choice((4, 5, 5, 6))
        groups = [f"{prefix}业务接待{GROUP_NUMERALS[i]}组" for i in range(n_groups)]
        raw.extend(_simulate_store(rng, prefix, groups, start, n_months, scale))
        # The extra group was planned or disbanded: a follow-up mapping that matches no visit.
        ghost = f"{prefix}业务接待{GROUP_NUMERALS[n_groups]}组"
        store_groups.append((prefix, [*groups, ghost]))

    followups: list[dict] = []
    names = list(SPECIALIST_NAMES)
    rng.shuffle(names)
    for store, (prefix, groups) in enumerate(store_groups):
        followups.extend(_assign_specialists(rng, groups, names, store, prefix))

    raw.sort(key=lambda v: (v.day, v.minute, v.seq))
    visits: list[dict] = []
    counter = 0
    previous_day: dt.date | None = None
    for visit in raw:
        counter = counter + 1 if visit.day == previous_day else 1
        previous_day = visit.day
        # Work-order numbers as dealer systems print them: the date, then the day's counter.
        visit_id = int(f"{visit.day:%Y%m%d}{counter:04d}")
        visits.append(
            {
                "visit_id": visit_id,
                "customer_id": visit.customer_id,
                "visit_date": visit.day,
                "advisor_group": visit.group,
            }
        )
    return visits, followups


def _simulate_store(
    rng: random.Random,
    prefix: str,
    groups: list[str],
    start: dt.date,
    n_months: int,
    scale: float,
) -> list[_Visit]:
    """Simulate one store's visits from its customers' maintenance rhythm."""
    end_exclusive = _month_start(start.year, start.month, n_months)
    n_groups = len(groups)
    best, worst = GROUP_QUALITY_RANGE
    quality = [best + (worst - best) * g / (n_groups - 1) for g in range(n_groups)]
    rng.shuffle(quality)
    # The newest group opens in the second year so its history is visibly shorter.
    late_group = n_groups - 1
    late_start = _month_start(start.year, start.month, max(1, n_months * 13 // 24))
    improve_from = n_months - DEMO_LAPSE_MONTHS - IMPROVING_MONTHS

    customers: list[_Customer] = []
    events: list[tuple[dt.date, int, int]] = []
    seq = 0

    def new_customer() -> int:
        if rng.random() < YEARLY_CUSTOMER_SHARE:
            interval = rng.uniform(10.0, 14.0)
        else:
            interval = rng.uniform(3.0, 7.0)
        customers.append(_Customer(f"{prefix}C{len(customers) + 1:06d}", interval))
        return len(customers) - 1

    def schedule(day: dt.date, index: int) -> None:
        nonlocal seq
        if start <= day < end_exclusive:
            heapq.heappush(events, (day, seq, index))
            seq += 1

    # Existing customers are spread over one interval each, so the first months already look
    # like a running store instead of a grand opening.
    for _ in range(round(BASE_CUSTOMERS * scale)):
        index = new_customer()
        # They have been here before, so they are no first-time customers.
        customers[index].visits = 1
        offset = rng.uniform(0.0, customers[index].interval_months * DAYS_PER_MONTH)
        schedule(start + dt.timedelta(days=int(offset)), index)
    for month in range(n_months):
        first_day = _month_start(start.year, start.month, month)
        days = (_month_start(first_day.year, first_day.month, 1) - first_day).days
        low, high = NEW_CUSTOMERS_PER_MONTH
        for _ in range(round(rng.randint(low, high) * scale)):
            schedule(first_day + dt.timedelta(days=rng.randrange(days)), new_customer())

    def active_groups(day: dt.date) -> list[int]:
        return [g for g in range(n_groups) if g != late_group or day >= late_start]

    def pick_group(day: dt.date) -> int:
        candidates = active_groups(day)
        # The new group is staffed to take over customers, so it grows faster than the others.
        weights = [2.5 if g == late_group else 1.0 for g in candidates]
        return rng.choices(candidates, weights)[0]

    visits: list[_Visit] = []
    serial = 0

    def record(day: dt.date, minute: int, customer: _Customer, group: int) -> None:
        nonlocal serial
        visits.append(_Visit(day, minute, serial, customer.customer_id, groups[group]))
        serial += 1

    while events:
        day, _, index = heapq.heappop(events)
        customer = customers[index]
        if customer.group is None or rng.random() >= STAY_WITH_GROUP:
            customer.group = pick_group(day)
        group = customer.group
        minute = rng.randrange(8 * 60, 17 * 60)
        record(day, minute, customer, group)

        # Rework and second work orders: the same customer again that day or within weeks.
        draw = rng.random()
        if draw < REWORK_SAME_DAY and minute < 16 * 60:
            record(day, rng.randrange(minute + 30, 17 * 60 + 30), customer, group)
        elif draw < REWORK_SAME_DAY + REWORK_WITHIN_WEEKS:
            again = day + dt.timedelta(days=rng.randint(1, 20))
            if again < end_exclusive:
                record(again, rng.randrange(8 * 60, 17 * 60), customer, group)

        month = _month_index(start, day)
        improvement = min(max(month - improve_from + 1, 0), IMPROVING_MONTHS)
        churn = BASE_CHURN * quality[group] * (1.0 - IMPROVEMENT_PER_MONTH * improvement)
        if customer.visits == 0:
            churn *= FIRST_VISIT_CHURN_FACTOR
        customer.visits += 1
        if rng.random() < churn:
            continue
        gap = customer.interval_months * DAYS_PER_MONTH + rng.uniform(-12.0, 12.0)
        schedule(day + dt.timedelta(days=round(max(gap, 20.0))), index)
    return visits


def _assign_specialists(
    rng: random.Random,
    groups: list[str],
    names: list[str],
    store: int,
    prefix: str,
) -> list[dict]:
    """Spread the groups over three or four specialists, one to three groups each.

    The last of ``groups`` is the one without visits; it goes to a specialist who also follows a
    real group, so every specialist has something to be assessed on.
    """
    n_specialists = rng.randint(3, 4)
    order = groups[:-1]
    rng.shuffle(order)
    shares = [order[k::n_specialists] for k in range(n_specialists)]
    smallest = min(len(share) for share in shares)
    rng.choice([share for share in shares if len(share) == smallest]).append(groups[-1])
    rows: list[dict] = []
    for k, share in enumerate(shares):
        position = store * 4 + k
        # Beyond the pool the names repeat, so the store code keeps them apart.
        name = names[position % len(names)]
        if position >= len(names):
            name = f"{prefix}{name}"
        for group in sorted(share, key=groups.index):
            rows.append({"specialist": name, "advisor_group": group})
    return rows


def write_sample(out_dir: pathlib.Path, seed: int = 2015) -> None:
    """Write ``visits.csv`` and ``followups.csv`` for the default period into ``out_dir``.

    Files are UTF-8 with a header row and Unix line endings; dates are ``YYYY-MM-DD``.
    """
    visits, followups = generate_visits(seed=seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, columns, rows in (
        ("visits.csv", VISIT_COLUMNS, visits),
        ("followups.csv", FOLLOWUP_COLUMNS, followups),
    ):
        with (out_dir / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow(
                    {
                        key: value.isoformat() if isinstance(value, dt.date) else value
                        for key, value in row.items()
                    }
                )


def main(argv: list[str] | None = None) -> None:
    """Write the sample data into the directory given on the command line."""
    parser = argparse.ArgumentParser(description="Write seeded after-sales sample data.")
    parser.add_argument("out_dir", type=pathlib.Path, help="directory to write the CSV files to")
    parser.add_argument("--seed", type=int, default=2015, help="random seed (default: 2015)")
    args = parser.parse_args(argv)
    write_sample(args.out_dir, seed=args.seed)


if __name__ == "__main__":
    main()
