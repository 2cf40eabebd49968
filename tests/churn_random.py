"""A seeded generator of small random churn-control datasets, for property tests.

Each dataset is a small store over about fourteen months: three to six advisor groups (some
of them starting late, some with months off), 50 to 400 visits, customers who come back
often and some who never do, several visits of one customer on the same day with different
groups, visits on the first and last day of a month, and visit ids whose order within a day
differs from the file order. The follow-up specialists include one who follows a group that
never appears in the visits.
"""

from __future__ import annotations

import calendar
import csv
import random
from datetime import date
from pathlib import Path

GROUP_NAMES = ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot")
SPECIALIST_NAMES = ("Chen Jie", "Li Na", "Wang Fang", "Zhao Lei")
UNKNOWN_GROUP = "Zulu"
"""A group that specialists may follow but that never appears in the visits."""


def month_start(first_year: int, first_month: int, offset: int) -> tuple[int, int]:
    """The (year, month) ``offset`` months after the first month of the data."""
    year, month_zero_based = divmod(first_year * 12 + first_month - 1 + offset, 12)
    return year, month_zero_based + 1


def period_text(year: int, month: int) -> str:
    """``YYYY-MM``."""
    return f"{year:04d}-{month:02d}"


def random_day(rng: random.Random, year: int, month: int) -> date:
    """A day of the month, with the first and last day more likely than the others."""
    last = calendar.monthrange(year, month)[1]
    roll = rng.random()
    if roll < 0.08:
        return date(year, month, 1)
    if roll < 0.16:
        return date(year, month, last)
    return date(year, month, rng.randint(1, last))


def group_calendar(rng: random.Random, months: int) -> dict[str, set[int]]:
    """The months (offsets) in which each advisor group takes visits.

    The first two groups work every month. Each other group may start late, and the last
    one always does; they may also take a month off now and then, which leaves their rate
    n/a in the months that look back at it.
    """
    names = GROUP_NAMES[: rng.randint(3, 6)]
    active: dict[str, set[int]] = {}
    for index, name in enumerate(names):
        if index < 2:
            active[name] = set(range(months))
            continue
        late = index == len(names) - 1 or rng.random() < 0.5
        start = rng.randint(1, months - 2) if late else 0
        later = {month for month in range(start + 1, months) if rng.random() < 0.85}
        active[name] = {start} | later
    return active


def visit_plan(rng: random.Random, count: int, months: int, active: dict) -> list[tuple]:
    """The (month offset, group or None for any) of each visit to generate.

    Every group gets a visit in its first month, so it really appears when it starts, and
    every month gets two visits, so no month of the data is empty; the rest is random.
    """
    plan = [(min(taken), name) for name, taken in active.items()]
    plan += [(offset % months, None) for offset in range(2 * months)]
    plan += [(rng.randrange(months), None) for _ in range(count - len(plan))]
    return plan


def base_visits(
    rng: random.Random, count: int, months: int, first: tuple[int, int], active: dict
) -> list[tuple[str, date, str]]:
    """``count`` visits (customer, date, group); a few customers visit far more than others."""
    customers = [f"C{number:04d}" for number in range(1, max(10, count // rng.randint(2, 5)))]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(customers))]
    rng.shuffle(customers)
    visits = []
    for offset, group in visit_plan(rng, count, months, active):
        groups = sorted(name for name, taken in active.items() if offset in taken)
        year, month = month_start(*first, offset)
        customer = rng.choices(customers, weights)[0]
        visits.append((customer, random_day(rng, year, month), group or rng.choice(groups)))
    return visits


def same_day_repeats(
    rng: random.Random,
    visits: list[tuple[str, date, str]],
    count: int,
    first: tuple[int, int],
    active: dict,
) -> list[tuple[str, date, str]]:
    """Second visits of a customer on the day of an existing visit, with another group if any.

    The other group is one that takes visits that month, so late starters stay late.
    """
    repeats = []
    for customer, day, group in rng.sample(visits, count):
        offset = (day.year - first[0]) * 12 + day.month - first[1]
        others = sorted(name for name, taken in active.items() if offset in taken)
        others = [name for name in others if name != group] or [group]
        repeats.append((customer, day, rng.choice(others)))
    return repeats


def numbered(rng: random.Random, visits: list[tuple[str, date, str]]) -> list[tuple]:
    """Give the visits ids and put them in date order; returns the visits.csv rows.

    Usually ids grow with the date but skip numbers, and within one day they are handed out
    in a random order, so neither the file order nor a text comparison of ids tells which
    same-day visit is the later one. In about one dataset in four the ids are shuffled
    across all days, so a larger id on an earlier date must not count as the later visit.
    """
    by_date = sorted(visits, key=lambda visit: visit[1])
    ids = []
    next_id = rng.randint(1, 90)
    for _ in by_date:
        ids.append(next_id)
        next_id += rng.randint(1, 3)
    if rng.random() < 0.25:
        rng.shuffle(ids)
    else:
        shuffle_within_days(rng, ids, [day for _, day, _ in by_date])
    return [
        (visit_id, customer, day.isoformat(), group)
        for visit_id, (customer, day, group) in zip(ids, by_date, strict=True)
    ]


def shuffle_within_days(rng: random.Random, ids: list[int], days: list[date]) -> None:
    """Shuffle ``ids`` in place within each run of equal ``days``."""
    start = 0
    while start < len(ids):
        end = start
        while end < len(ids) and days[end] == days[start]:
            end += 1
        day_ids = ids[start:end]
        rng.shuffle(day_ids)
        ids[start:end] = day_ids
        start = end


def followups(rng: random.Random, groups: list[str]) -> list[tuple[str, str]]:
    """Specialist -> group rows; the first specialist also follows a group never seen."""
    names = SPECIALIST_NAMES[: rng.randint(2, 4)]
    rows = []
    for index, name in enumerate(names):
        followed = rng.sample(groups, rng.randint(0 if index == 0 else 1, min(3, len(groups))))
        if index == 0:
            followed.append(UNKNOWN_GROUP)
        rows.extend((name, group) for group in sorted(followed))
    return rows


def write_csv(path: Path, header: tuple[str, ...], rows: list[tuple]) -> None:
    """Write a CSV file with a header row."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def random_dataset(seed: int, out_dir: Path) -> dict:
    """Write ``visits.csv`` and ``followups.csv`` for a random small store into ``out_dir``.

    Returns the assessment window and lapse to run it with: ``{"from": "YYYY-MM",
    "to": "YYYY-MM", "lapse_months": L}``, with L from 1 to 4 and two to four assessment
    months whose lapse months (and the assessment months themselves) lie inside the data.
    The same seed always gives the same files.
    """
    rng = random.Random(seed)
    first = (rng.randint(2014, 2024), rng.randint(1, 12))
    months = rng.randint(13, 15)
    active = group_calendar(rng, months)
    total = rng.randint(50, 400)
    repeats = max(3, total // 12)
    visits = base_visits(rng, total - repeats, months, first, active)
    visits += same_day_repeats(rng, visits, repeats, first, active)

    out_dir.mkdir(parents=True, exist_ok=True)
    header = ("visit_id", "customer_id", "visit_date", "advisor_group")
    write_csv(out_dir / "visits.csv", header, numbered(rng, visits))
    specialists = followups(rng, sorted(active))
    write_csv(out_dir / "followups.csv", ("specialist", "advisor_group"), specialists)

    lapse = rng.randint(1, 4)
    window = rng.randint(2, 4)
    start = rng.randint(lapse, months - window)
    return {
        "from": period_text(*month_start(*first, start)),
        "to": period_text(*month_start(*first, start + window - 1)),
        "lapse_months": lapse,
    }
