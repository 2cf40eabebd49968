"""An independent reference implementation of the churn-control scheme.

It is written straight from the semantics, in plain Python with exact fractions, so that
the engine's results can be checked against a second, unrelated reading of the rules.
Readability matters more than speed here: it only has to handle a few thousand visits.

The rules, in short (L is ``lapse_months``):

- A customer is *lost in month M* when they have a visit in month M - L and no visit
  after the last of those visits, up to and including the last day of M. The last visit
  is the latest by date; on the same day the larger ``visit_id`` is the later one.
- The store churn rate of M is the number of customers lost in M over the number of
  visits (rows) in month M - L. A group's rate counts only the lost customers whose last
  visit was handled by the group, over the group's visits in M - L.
- An advisor group earns +200 below the store rate, -200 above it, 0 when equal.
- A follow-up specialist compares the unweighted mean of their groups' defined rates with
  the store rate: +100 below, 0 equal, -100 above.
- The store-level roles earn +200 when the store rate is at most the mean of the three
  previous months' store rates, else -200.
- Anything undefined gives 0 with status ``n/a``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

Rate = Fraction | None
"""A churn rate as an exact fraction, or ``None`` when it is n/a."""

COLUMNS = ("period", "role", "subject", "rate", "amount", "status")
"""The columns of an expected-outcome file, in order."""


@dataclass(frozen=True)
class Visit:
    """One row of ``visits.csv``."""

    visit_id: int
    customer_id: str
    visit_date: date
    advisor_group: str

    @property
    def month(self) -> int:
        """The visit's calendar month as a month number (see `month_number`)."""
        return month_number(self.visit_date.year, self.visit_date.month)

    @property
    def order(self) -> tuple[date, int]:
        """The key that puts visits in time order: date first, then visit id."""
        return (self.visit_date, self.visit_id)


# --- months ---------------------------------------------------------------------------


def month_number(year: int, month: int) -> int:
    """Number a calendar month so that consecutive months differ by one."""
    return year * 12 + (month - 1)


def parse_period(text: str) -> int:
    """Turn ``YYYY-MM`` into a month number."""
    year, month = text.split("-")
    return month_number(int(year), int(month))


def format_period(number: int) -> str:
    """Turn a month number back into ``YYYY-MM``."""
    year, month_zero_based = divmod(number, 12)
    return f"{year:04d}-{month_zero_based + 1:02d}"


# --- loading --------------------------------------------------------------------------


def read_rows(path: Path) -> list[dict[str, str]]:
    """Read a CSV file with a header row into a list of dicts (a UTF-8 BOM is fine)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def load_visits(path: Path) -> list[Visit]:
    """Load ``visits.csv``; ``visit_id`` is an integer, ``visit_date`` is ISO."""
    return [
        Visit(
            visit_id=int(row["visit_id"]),
            customer_id=row["customer_id"],
            visit_date=date.fromisoformat(row["visit_date"]),
            advisor_group=row["advisor_group"],
        )
        for row in read_rows(path)
    ]


def load_followups(path: Path) -> dict[str, set[str]]:
    """Load ``followups.csv`` as specialist -> the set of advisor groups they follow."""
    followed: dict[str, set[str]] = {}
    for row in read_rows(path):
        followed.setdefault(row["specialist"], set()).add(row["advisor_group"])
    return followed


# --- lost customers and rates ---------------------------------------------------------


def last_visits_in_month(visits: list[Visit], month: int) -> dict[str, Visit]:
    """Each customer's last visit within one calendar month."""
    last: dict[str, Visit] = {}
    for visit in visits:
        if visit.month != month:
            continue
        current = last.get(visit.customer_id)
        if current is None or visit.order > current.order:
            last[visit.customer_id] = visit
    return last


def visits_by_customer(visits: list[Visit]) -> dict[str, list[Visit]]:
    """Group the visits by customer."""
    by_customer: dict[str, list[Visit]] = {}
    for visit in visits:
        by_customer.setdefault(visit.customer_id, []).append(visit)
    return by_customer


def has_visit_between(own_visits: list[Visit], after: Visit, month: int) -> bool:
    """Whether any of a customer's visits is after ``after`` and by the end of ``month``."""
    return any(visit.order > after.order and visit.month <= month for visit in own_visits)


def lost_customers(visits: list[Visit], month: int, lapse: int) -> list[Visit]:
    """The last lapse-month visit of every customer lost in ``month``."""
    by_customer = visits_by_customer(visits)
    last = last_visits_in_month(visits, month - lapse)
    return [
        visit
        for customer_id, visit in last.items()
        if not has_visit_between(by_customer[customer_id], visit, month)
    ]


def ratio(numerator: int, denominator: int) -> Rate:
    """An exact ratio, or n/a when the denominator is zero."""
    return Fraction(numerator, denominator) if denominator else None


def store_rate(visits: list[Visit], month: int, lapse: int) -> Rate:
    """Customers lost in ``month`` over all visits in the lapse month."""
    denominator = sum(1 for visit in visits if visit.month == month - lapse)
    return ratio(len(lost_customers(visits, month, lapse)), denominator)


def group_rate(visits: list[Visit], month: int, lapse: int, group: str) -> Rate:
    """Lost customers whose last visit was the group's, over the group's lapse-month visits."""
    denominator = sum(
        1 for visit in visits if visit.month == month - lapse and visit.advisor_group == group
    )
    numerator = sum(
        1 for visit in lost_customers(visits, month, lapse) if visit.advisor_group == group
    )
    return ratio(numerator, denominator)


def mean(rates: list[Rate]) -> Rate:
    """The unweighted mean of the defined rates; n/a when none is defined."""
    defined = [rate for rate in rates if rate is not None]
    return sum(defined, Fraction(0)) / len(defined) if defined else None


# --- outcomes -------------------------------------------------------------------------


def format_rate(rate: Rate) -> str:
    """A rate in percent, rounded half-up to 4 decimals; empty when n/a."""
    if rate is None:
        return ""
    scaled = abs(rate) * 100 * 10_000
    units = int(scaled + Fraction(1, 2))  # floor(x + 1/2) rounds half up for x >= 0
    sign = "-" if rate < 0 and units else ""
    whole, fraction = divmod(units, 10_000)
    return f"{sign}{whole}.{fraction:04d}"


def compare(value: Rate, reference: Rate) -> int | None:
    """-1, 0 or 1 as ``value`` is below, equal to or above ``reference``; None if n/a."""
    if value is None or reference is None:
        return None
    return (value > reference) - (value < reference)


def outcome(period: int, role: str, subject: str, rate: Rate, amount: int | None) -> dict:
    """One result row; ``amount`` None means the outcome is n/a (0, status n/a)."""
    return {
        "period": format_period(period),
        "role": role,
        "subject": subject,
        "rate": format_rate(rate),
        "amount": str(amount if amount is not None else 0),
        "status": "ok" if amount is not None else "n/a",
    }


def amount_by_comparison(comparison: int | None, reward: int) -> int | None:
    """Reward below the reference, penalty above it, 0 when equal, None when n/a."""
    if comparison is None:
        return None
    return {-1: reward, 0: 0, 1: -reward}[comparison]


def groups_seen_by(visits: list[Visit], month: int) -> set[str]:
    """Advisor groups with at least one visit up to the end of ``month``."""
    return {visit.advisor_group for visit in visits if visit.month <= month}


def month_outcomes(
    visits: list[Visit], followed: dict[str, set[str]], month: int, lapse: int
) -> list[dict]:
    """Every result row of one assessment month."""
    store = store_rate(visits, month, lapse)
    rows = []
    for group in groups_seen_by(visits, month):
        rate = group_rate(visits, month, lapse, group)
        amount = amount_by_comparison(compare(rate, store), 200)
        rows.append(outcome(month, "advisor_group", group, rate, amount))
    for specialist, groups in followed.items():
        rate = mean([group_rate(visits, month, lapse, group) for group in groups])
        amount = amount_by_comparison(compare(rate, store), 100)
        rows.append(outcome(month, "followup_specialist", specialist, rate, amount))
    rows.append(outcome(month, "store_manager", "store", store, store_amount(visits, month, lapse)))
    return rows


def store_amount(visits: list[Visit], month: int, lapse: int) -> int | None:
    """+200 when the store rate is at most its three-month mean, else -200; None if n/a."""
    store = store_rate(visits, month, lapse)
    previous = mean_of_previous_store_rates(visits, month, lapse)
    if store is None or previous is None:
        return None
    return 200 if store <= previous else -200


def mean_of_previous_store_rates(visits: list[Visit], month: int, lapse: int) -> Rate:
    """The mean store rate of the three months before ``month``; n/a if any is n/a."""
    rates = [store_rate(visits, month - back, lapse) for back in (1, 2, 3)]
    if any(rate is None for rate in rates):
        return None
    return mean(rates)


def sort_key(row: dict) -> tuple[str, str, str]:
    """Rows are sorted by period, role, subject."""
    return (row["period"], row["role"], row["subject"])


def reference_outcomes(
    visits_csv: Path, followups_csv: Path, first: str, last: str, lapse_months: int
) -> list[dict]:
    """The churn-control outcomes for the months ``first`` .. ``last`` (both ``YYYY-MM``).

    Returns one dict per row with the keys of `COLUMNS`, all values strings, sorted by
    period, role and subject, in the format of the acceptance files.
    """
    visits = load_visits(visits_csv)
    followed = load_followups(followups_csv)
    rows = []
    for month in range(parse_period(first), parse_period(last) + 1):
        rows.extend(month_outcomes(visits, followed, month, lapse_months))
    return sorted(rows, key=sort_key)
