"""The churn-control scheme in idiomatic, vectorised pandas: the benchmark's pandas peer.

Sort the visits the assessed months need by customer and time, shift to get each visit's
next visit, count lost customers and visits per lapse month and group, then merge for the
rules. No Python loop runs over visits; the only per-group Python work is a least common
multiple over each specialist's few groups. Rates are compared exactly by cross-multiplying
Python integers (object columns, on the small aggregated frames), never as floats.

By default the whole data set is one store, as in assessor's churn-control template (a
``store`` column in the data is not read). With ``--stores`` each value of the ``store``
column is a store assessed alone, as ``stores by store`` does: ``store`` leads every key, so
each store has its own store rate, groups, specialists and store roles, and a customer's next
visit is looked for in the same store only.

Writes ``period, role, subject, amount`` as CSV (``period, store, role, subject, amount``
with ``--stores``), sorted.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd

STORE_ROLES = ("workshop_supervisor", "service_manager", "golden_bowtie")
GROUP_AMOUNT, SPECIALIST_AMOUNT, STORE_AMOUNT = 200, 100, 200
PREVIOUS_MONTHS = 3
VISIT_COLUMNS = ["visit_id", "customer_id", "visit_date", "advisor_group"]
Keys = list[str]
"""The store key that leads every grouping: ``["store"]`` per store, ``[]`` for one store."""


def month_number(text: str) -> int:
    """``YYYY-MM`` as year * 12 + month - 1, so that consecutive months differ by one."""
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def read_visits(data: Path, keys: Keys) -> pd.DataFrame:
    """The visits (Parquet, else CSV) with a month-number column ``m``; their store too when
    ``keys`` has it.
    """
    parquet = data / "visits.parquet"
    columns = [*keys, *VISIT_COLUMNS]
    if parquet.exists():
        visits = pd.read_parquet(parquet, columns=columns)
    else:
        visits = pd.read_csv(
            data / "visits.csv",
            usecols=columns,
            dtype={
                "visit_id": "int64",
                "customer_id": "str",
                "advisor_group": "str",
                "store": "str",
            },
            parse_dates=["visit_date"],
        )
    dates = pd.to_datetime(visits["visit_date"])
    visits["m"] = (dates.dt.year * 12 + dates.dt.month - 1).astype("int64")
    return visits


def group_counts(
    visits: pd.DataFrame, first: int, last: int, lapse: int, keys: Keys
) -> pd.DataFrame:
    """Lost customers (``num``) and visits (``den``) per (store,) period and group."""
    start = first - PREVIOUS_MONTHS - lapse
    needed = visits.loc[(visits["m"] >= start) & (visits["m"] <= last)]
    needed = needed.sort_values([*keys, "customer_id", "visit_date", "visit_id"])
    # A customer's next visit in the same store.
    next_m = needed.groupby([*keys, "customer_id"], sort=False)["m"].shift(-1)
    # Lost: no later visit up to the end of month m + lapse (a later month-m visit is earlier).
    lost = next_m.isna() | (next_m > needed["m"] + lapse)
    counts = (
        needed[keys]
        .assign(period=needed["m"] + lapse, grp=needed["advisor_group"], lost=lost)
        .groupby([*keys, "period", "grp"], as_index=False)
        .agg(num=("lost", "sum"), den=("lost", "size"))
    )
    return counts.astype({"num": "int64", "den": "int64"})


def group_rules(
    since: pd.DataFrame, counts: pd.DataFrame, store: pd.DataFrame, periods: pd.Series, keys: Keys
) -> pd.DataFrame:
    """Each group seen in its store up to the period: +200 below the store rate, -200 above,
    else 0.
    """
    frame = since.merge(periods.to_frame(), how="cross")
    frame = frame.loc[frame["m"] <= frame["period"]].rename(columns={"advisor_group": "grp"})
    frame = frame.merge(counts, on=[*keys, "period", "grp"], how="left").merge(
        store, on=[*keys, "period"], how="left", suffixes=("", "_store")
    )
    # int64 is enough: both sides are at most (number of visits) squared.
    left = frame["num"] * frame["den_store"]
    right = frame["num_store"] * frame["den"]
    amount = np.select([left < right, left > right], [GROUP_AMOUNT, -GROUP_AMOUNT], 0)
    return frame[keys].assign(
        period=frame["period"],
        role="advisor_group",
        subject=frame["grp"],
        amount=np.where(frame["den"].isna() | frame["den_store"].isna(), 0, amount),
    )


def specialist_rules(
    followups: pd.DataFrame,
    counts: pd.DataFrame,
    store: pd.DataFrame,
    periods: pd.Series,
    keys: Keys,
) -> pd.DataFrame:
    """Unweighted mean of the followed groups' rates in the store (n/a groups left out)
    against the store rate: +100 below, -100 above, 0 equal or n/a.
    """
    followed = followups.drop_duplicates().merge(
        counts, left_on=[*keys, "advisor_group"], right_on=[*keys, "grp"]
    )
    followed = followed.astype({"num": object, "den": object})  # exact Python integers
    specialist = [*keys, "period", "specialist"]
    common = followed.groupby(specialist, as_index=False).agg(
        k=("den", "size"), lcm=("den", lambda dens: math.lcm(*dens))
    )
    followed = followed.merge(common, on=specialist)
    followed["scaled"] = followed["num"] * (followed["lcm"] // followed["den"])
    means = followed.groupby([*specialist, "k", "lcm"], as_index=False)["scaled"].sum()
    frame = (
        periods.to_frame()
        .merge(followups[[*keys, "specialist"]].drop_duplicates(), how="cross")
        .merge(means, on=specialist, how="left")
        .merge(store, on=[*keys, "period"], how="left")
    )
    defined = frame["k"].notna() & frame["den"].notna()
    amount = pd.Series(0, index=frame.index)
    exact = frame.loc[defined]
    left = exact["scaled"] * exact["den"]
    right = exact["num"] * exact["k"] * exact["lcm"]
    amount[defined] = np.select(
        [(left < right).to_numpy(bool), (left > right).to_numpy(bool)],
        [SPECIALIST_AMOUNT, -SPECIALIST_AMOUNT],
        0,
    )
    return frame[keys].assign(
        period=frame["period"],
        role="followup_specialist",
        subject=frame["specialist"],
        amount=amount,
    )


def store_rules(
    store: pd.DataFrame, stores: pd.DataFrame, periods: pd.Series, keys: Keys
) -> pd.DataFrame:
    """Each store's rate at most the mean of its 3 previous months' rates: +200, else -200;
    0 (n/a) unless all four rates exist.
    """
    frame = periods.to_frame().merge(stores, how="cross") if keys else periods.to_frame()
    exact = store.astype({"num": object, "den": object})
    for back in range(PREVIOUS_MONTHS + 1):
        shifted = exact.rename(columns={"num": f"num{back}", "den": f"den{back}"})
        frame = frame.merge(
            shifted.assign(period=shifted["period"] + back), on=[*keys, "period"], how="left"
        )
    defined = frame.notna().all(axis=1)
    exact = frame.loc[defined]
    n = [exact[f"num{back}"] for back in range(PREVIOUS_MONTHS + 1)]
    d = [exact[f"den{back}"] for back in range(PREVIOUS_MONTHS + 1)]
    # rate0 <= (rate1 + rate2 + rate3) / 3, cross-multiplied
    left = 3 * n[0] * d[1] * d[2] * d[3]
    right = d[0] * (n[1] * d[2] * d[3] + n[2] * d[1] * d[3] + n[3] * d[1] * d[2])
    amount = pd.Series(0, index=frame.index)
    amount[defined] = np.where((left <= right).to_numpy(bool), STORE_AMOUNT, -STORE_AMOUNT)
    return pd.concat(
        [
            frame[keys].assign(period=frame["period"], role=role, subject="store", amount=amount)
            for role in STORE_ROLES
        ]
    )


def run(data: Path, out: Path, first: str, last: str, lapse: int, stores: bool) -> None:
    """Compute the outcomes of the months ``first`` .. ``last`` and write them to ``out``:
    per store with ``stores``, else for the whole data as one store.
    """
    keys = ["store"] if stores else []
    first_month, last_month = month_number(first), month_number(last)
    visits = read_visits(data, keys)
    followups = pd.read_csv(
        data / "followups.csv", dtype="str", usecols=[*keys, "specialist", "advisor_group"]
    )
    counts = group_counts(visits, first_month, last_month, lapse, keys)
    store = counts.groupby([*keys, "period"], as_index=False)[["num", "den"]].sum()
    # A group is a subject of its store from the month of its first visit there.
    since = visits.groupby([*keys, "advisor_group"], as_index=False)["m"].min()
    periods = pd.Series(range(first_month, last_month + 1), name="period")
    outcomes = pd.concat(
        [
            group_rules(since, counts, store, periods, keys),
            specialist_rules(followups, counts, store, periods, keys),
            store_rules(store, since[keys].drop_duplicates(), periods, keys),
        ]
    )
    outcomes["period"] = (
        (outcomes["period"] // 12).astype(str)
        + "-"
        + (outcomes["period"] % 12 + 1).astype(str).str.zfill(2)
    )
    outcomes["amount"] = outcomes["amount"].astype("int64")
    columns = ["period", *keys, "role", "subject"]
    outcomes[[*columns, "amount"]].sort_values(columns).to_csv(out, index=False)


def main() -> None:
    """Command line: ``pandas_churn.py --data DIR --out FILE [--stores] [--from M --to M
    --lapse L]``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--from", dest="first", default="2015-08")
    parser.add_argument("--to", dest="last", default="2015-12")
    parser.add_argument("--lapse", type=int, default=8)
    parser.add_argument(
        "--stores", action="store_true", help="assess each value of the store column alone"
    )
    args = parser.parse_args()
    run(args.data, args.out, args.first, args.last, args.lapse, args.stores)


if __name__ == "__main__":
    main()
