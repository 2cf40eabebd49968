"""Generate a seeded, realistic dealer group's service visits for the churn benchmark.

Writes ``visits.parquet`` (visit_id, customer_id, visit_date, advisor_group: the churn-control
plugin's declared table, and store) and ``followups.csv`` (store, specialist, advisor_group).

The group has 200 stores of uneven size ("S017 合肥城东店"), each with 3-6 advisor groups
whose names are unique across stores ("S017-接待2组"), so that the data can be assessed as one
store (the template ignores the ``store`` column) or per store (``stores by store``) alike.
Each customer belongs to one store, mostly sees one preferred group, and returns at an
irregular rhythm of their own (most within a few months); after every visit a share of
customers lapses for good. Dates run from 2013-01-01 to 2015-12-31, so the template's window
2015-08 .. 2015-12 with its 8-month lapse has history.
On one day, the larger visit_id is the later visit.

Everything is vectorised with numpy and pyarrow: 10M rows take seconds, not minutes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

FIRST_DAY = dt.date(2013, 1, 1)
DAYS = (dt.date(2015, 12, 31) - FIRST_DAY).days + 1
STORES = 200
GROUPS_PER_STORE = (3, 6)
# After each visit, the chance that the customer never comes back.
LAPSE_CHANCE = 0.22
# A customer's own median gap between visits, in days (a maintenance rhythm).
MEDIAN_RHYTHM_DAYS = 95.0
# Share of visits that go to a group other than the customer's usual one.
OTHER_GROUP_SHARE = 0.25
# Share of returns on the same day (a come-back for the same job): exercises visit_id order.
SAME_DAY_SHARE = 0.01
# Store names are "S017 合肥城东店": the number keeps them unique, the city and the district
# only make them look like a dealer group's. Two characters for each city and district.
CITIES = "上海北京广州深圳杭州南京苏州成都武汉西安重庆天津长沙郑州青岛宁波合肥福州厦门济南"
DISTRICTS = "城东城西城南城北新区高新江北滨江中心湖滨"


def _store_layout(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each store's share of customers, number of groups and first group's global index."""
    weights = rng.lognormal(0.0, 0.6, STORES)
    groups = rng.integers(GROUPS_PER_STORE[0], GROUPS_PER_STORE[1] + 1, STORES)
    first_group = np.concatenate(([0], np.cumsum(groups)[:-1]))
    return weights / weights.sum(), groups, first_group


def _store_names() -> list[str]:
    """Names like "S001 上海城东店": a city per store, a district per 20 stores."""
    cities = [CITIES[i : i + 2] for i in range(0, len(CITIES), 2)]
    districts = [DISTRICTS[i : i + 2] for i in range(0, len(DISTRICTS), 2)]
    return [
        f"S{s + 1:03d} {cities[s % len(cities)]}{districts[s // len(cities) % len(districts)]}店"
        for s in range(STORES)
    ]


def _group_names(groups: np.ndarray) -> list[str]:
    """Names unique across stores: store number, then the group's number in its store."""
    return [f"S{s + 1:03d}-接待{g + 1}组" for s, count in enumerate(groups) for g in range(count)]


def _visit_days(rng: np.random.Generator, customers: int) -> tuple[np.ndarray, np.ndarray]:
    """Visits of ``customers`` new customers: (customer index, day) per visit, in the window.

    A customer's first visit may fall up to a year before the window, so that the window
    opens on customers in mid-rhythm rather than on everyone's first visit.
    """
    visits = rng.geometric(LAPSE_CHANCE, customers)
    owner = np.repeat(np.arange(customers), visits)
    starts = np.concatenate(([0], np.cumsum(visits)[:-1]))
    rhythm = rng.lognormal(np.log(MEDIAN_RHYTHM_DAYS), 0.45, customers)
    gaps = np.maximum(1.0, rng.lognormal(0.0, 0.55, owner.size) * rhythm[owner])
    gaps[rng.random(owner.size) < SAME_DAY_SHARE] = 0.0
    gaps[starts] = rng.uniform(-365.0, DAYS, customers)
    # Days per customer: a running sum that restarts at each customer's first visit.
    total = np.cumsum(gaps)
    day = np.floor(total - (total[starts] - gaps[starts])[owner]).astype(np.int64)
    inside = (day >= 0) & (day < DAYS)
    return owner[inside], day[inside]


def _rows(rng: np.random.Generator, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Exactly ``rows`` visits as (customer number, day), customers in order."""
    owners: list[np.ndarray] = []
    days: list[np.ndarray] = []
    have, next_customer = 0, 0
    while have < rows:
        # About 2.5 visits per customer fall inside the window; ask for a little more.
        batch = max(1000, int((rows - have) / 2.2))
        owner, day = _visit_days(rng, batch)
        owners.append(owner + next_customer)
        days.append(day)
        have += owner.size
        next_customer += batch
    # Cutting inside the last customer only shortens one customer's history.
    return np.concatenate(owners)[:rows], np.concatenate(days)[:rows]


def generate(rows: int, seed: int) -> tuple[pa.Table, list[tuple[str, str, str]]]:
    """The visits table and the (store, specialist, advisor_group) follow-up rows."""
    rng = np.random.default_rng(seed)
    share, groups, first_group = _store_layout(rng)
    names = _group_names(groups)
    customer, day = _rows(rng, rows)
    customers = int(customer.max()) + 1
    store = rng.choice(STORES, customers, p=share)
    usual = rng.integers(0, groups[store])
    visit_store = store[customer]
    other = rng.integers(0, groups[visit_store])
    in_store = np.where(rng.random(rows) < OTHER_GROUP_SHARE, other, usual[customer])
    group = first_group[visit_store] + in_store
    # visit_id follows time: by day, and within a day in a random order.
    order = np.lexsort((rng.random(rows), day))
    visit_id = np.empty(rows, dtype=np.int64)
    visit_id[order] = np.arange(1, rows + 1) + 1_000_000
    stores = _store_names()
    table = _table(visit_id, customer, day, group, names)
    # The store column is derived, not drawn: the one-store data stay as they were.
    table = table.append_column("store", pa.array(stores, type=pa.string()).take(visit_store))
    return table.take(pa.array(order)), _followups(rng, groups, first_group, names, stores)


def _table(
    visit_id: np.ndarray, customer: np.ndarray, day: np.ndarray, group: np.ndarray, names: list
) -> pa.Table:
    """The visits as plain (not dictionary) string, date and integer columns."""
    number = pc.cast(pa.array(customer + 1), pa.string())
    customer_id = pc.binary_join_element_wise("C", pc.utf8_lpad(number, 8, "0"), "")
    epoch = (FIRST_DAY - dt.date(1970, 1, 1)).days
    visit_date = pa.array((day + epoch).astype(np.int32), type=pa.date32())
    advisor_group = pa.array(names, type=pa.string()).take(pa.array(group))
    return pa.table(
        {
            "visit_id": pa.array(visit_id),
            "customer_id": customer_id,
            "visit_date": visit_date,
            "advisor_group": advisor_group,
        }
    )


def _followups(
    rng: np.random.Generator,
    groups: np.ndarray,
    first_group: np.ndarray,
    names: list[str],
    stores: list[str],
) -> list[tuple[str, str, str]]:
    """(store, specialist, advisor_group): per store, one or two follow-up specialists share
    its groups (2-4 groups each); in every tenth store one specialist also follows a group of
    the next store. That row is the next store's, so per store the specialist is assessed in
    both stores, on each store's own groups.
    """
    rows: list[tuple[str, str, str]] = []
    for store, count in enumerate(groups):
        specialists = 1 if count <= 4 else 2
        for index in range(count):
            name = f"S{store + 1:03d}-回访{index % specialists + 1}"
            rows.append((stores[store], name, names[first_group[store] + index]))
        if store % 10 == 0 and store + 1 < len(groups):
            neighbour = first_group[store + 1] + int(rng.integers(0, groups[store + 1]))
            rows.append((stores[store + 1], f"S{store + 1:03d}-回访1", names[neighbour]))
    return rows


def write(out: Path, rows: int, seed: int) -> None:
    """Generate and write ``visits.parquet`` and ``followups.csv`` into ``out``."""
    table, followups = generate(rows, seed)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out / "visits.parquet", row_group_size=1_000_000)
    with (out / "followups.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["store", "specialist", "advisor_group"])
        writer.writerows(followups)


def main() -> None:
    """Command line: ``generate.py --rows N --out DIR [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True, help="number of visits")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--seed", type=int, default=20151231, help="random seed")
    args = parser.parse_args()
    write(args.out, args.rows, args.seed)


if __name__ == "__main__":
    main()
