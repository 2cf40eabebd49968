"""Seeded generator of the sales customer file (销售客户档案) for the sales-churn template.

The story shared by every domain: the company changed owners on 2026-01-01 (股权转让). The
file covers customers won up to 2026-06 and losses from 2025-07 to 2026-06, six months
before the transfer and six after. Customers are lost a little more often just after the
transfer; then the salespeople win their trust back and losses fall month by month. Eight
salespeople keep their customers throughout; 宋佳 joins in 2026-03 with new customers only,
so she has no inherited customers and no baseline before the transfer.

Only ``random.Random(seed)`` is used and every draw happens in a fixed order, so the file is
byte-identical on every machine. Run from schemes/auto-aftersales/::

    python -m assessor_auto_aftersales.sample_sales --out sample-data-sales-churn
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import pathlib
import random

__all__ = ["generate_customers", "write_sales_sample"]

CUSTOMER_COLUMNS = ("customer_id", "salesperson", "since", "lost_on")

FIRST_MONTH = (2025, 7)
MONTHS = 12
TRANSFER_INDEX = 6  # 2026-01 is the seventh month of the records

# salesperson -> how prone their customers are to leave (1 = average)
SALESPEOPLE = (
    ("张伟", 0.7),
    ("王芳", 0.9),
    ("李强", 1.0),
    ("刘敏", 1.1),
    ("陈磊", 1.3),
    ("杨静", 0.8),
    ("赵鹏", 1.2),
    ("黄丽", 1.0),
)
NEWCOMER = ("宋佳", 1.0, 8)  # name, proneness, month index she starts in (2026-03)

BOOK_SIZE = (110, 150)  # customers each salesperson has when the records start
NEW_PER_MONTH = (1, 4)
MONTHLY_LOSS = 0.018  # share of customers lost in an ordinary month before the transfer
# Months after the transfer: how much more often customers leave (1 = as before).
LOSS_AFTER_TRANSFER = (1.5, 1.35, 1.15, 0.95, 0.8, 0.7)


def _month(index: int) -> dt.date:
    year, month = FIRST_MONTH
    total = year * 12 + month - 1 + index
    return dt.date(total // 12, total % 12 + 1, 1)


def _day_in(rng: random.Random, index: int) -> dt.date:
    first = _month(index)
    return first + dt.timedelta(days=rng.randrange((_month(index + 1) - first).days))


def _loss_factor(index: int) -> float:
    return 1.0 if index < TRANSFER_INDEX else LOSS_AFTER_TRANSFER[index - TRANSFER_INDEX]


def _lost_on(rng: random.Random, won: int, proneness: float) -> str:
    """The day a customer won in month ``won`` (negative: before the records) is lost, or
    blank. Losses are drawn month by month from the month after it was won.
    """
    for index in range(max(won + 1, 0), MONTHS):
        if rng.random() < MONTHLY_LOSS * proneness * _loss_factor(index):
            return _day_in(rng, index).isoformat()
    return ""


def generate_customers(seed: int = 2061) -> list[dict[str, str]]:
    """Rows of ``sales_customers``, as text ready for CSV, ordered by customer id."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for name, proneness in SALESPEOPLE:
        # the book they start with: won over the five years before the records
        for _ in range(rng.randint(*BOOK_SIZE)):
            since = _month(0) - dt.timedelta(days=rng.randrange(1, 5 * 365))
            rows.append(_row(name, since, _lost_on(rng, -1, proneness)))
        for index in range(MONTHS):
            for _ in range(rng.randint(*NEW_PER_MONTH)):
                rows.append(_row(name, _day_in(rng, index), _lost_on(rng, index, proneness)))
    name, proneness, start = NEWCOMER
    for index in range(start, MONTHS):
        for _ in range(rng.randint(4, 8)):
            rows.append(_row(name, _day_in(rng, index), _lost_on(rng, index, proneness)))
    # customer numbers in the order customers were won, as a CRM numbers them
    rows.sort(key=lambda row: (row["since"], row["salesperson"]))
    for number, row in enumerate(rows, 1):
        row["customer_id"] = f"XS{number:05d}"
    return rows


def _row(salesperson: str, since: dt.date, lost_on: str) -> dict[str, str]:
    return {
        "customer_id": "",
        "salesperson": salesperson,
        "since": since.isoformat(),
        "lost_on": lost_on,
    }


def write_sales_sample(out_dir: pathlib.Path, seed: int = 2061) -> None:
    """Write ``sales_customers.csv`` (UTF-8, header row, Unix line endings) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "sales_customers.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CUSTOMER_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(generate_customers(seed))


def main(argv: list[str] | None = None) -> None:
    """Write the sales sample data into the folder given with ``--out``."""
    parser = argparse.ArgumentParser(description="Write a seeded sales customer file.")
    parser.add_argument("--out", type=pathlib.Path, required=True, help="folder to write to")
    parser.add_argument("--seed", type=int, default=2061, help="random seed (default: 2061)")
    args = parser.parse_args(argv)
    write_sales_sample(args.out, seed=args.seed)


if __name__ == "__main__":
    main()
