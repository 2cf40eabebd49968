"""The churn-control scheme in idiomatic, vectorised pandas: the benchmark's pandas peer.

Sort the visits the assessed months need by customer and time, shift to get each visit's
next visit, count lost customers and visits per lapse month and group, then merge for the
rules. No Python loop runs over visits; the only per-group Python work is a least common
multiple over each specialist's few groups. Rates are compared exactly by cross-multiplying
Python integers (object columns, on the small aggregated frames), never as floats.
The whole data set is one store, as in assessor's churn-control template.

Writes ``period, role, subject, amount`` as CSV, sorted.
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


def month_number(text: str) -> int:
    """``YYYY-MM`` as year * 12 + month - 1, so that consecutive months differ by one."""
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def read_visits(data: Path) -> pd.DataFrame:
    """The visits (Parquet, else CSV) with a month-number column ``m``."""
    parquet = data / "visits.parquet"
    if parquet.exists():
        visits = pd.read_parquet(parquet)
    else:
        visits = pd.read_csv(
            data / "visits.csv",
            dtype={"visit_id": "int64", "customer_id": "str", "advisor_group": "str"},
            parse_dates=["visit_date"],
        )
    dates = pd.to_datetime(visits["visit_date"])
    visits["m"] = (dates.dt.year * 12 + dates.dt.month - 1).astype("int64")
    return visits


def group_counts(visits: pd.DataFrame, first: int, last: int, lapse: int) -> pd.DataFrame:
    """Lost customers (``num``) and visits (``den``) per period and group."""
    start = first - PREVIOUS_MONTHS - lapse
    needed = visits.loc[(visits["m"] >= start) & (visits["m"] <= last)]
    needed = needed.sort_values(["customer_id", "visit_date", "visit_id"])
    next_m = needed.groupby("customer_id", sort=False)["m"].shift(-1)
    # Lost: no later visit up to the end of month m + lapse (a later month-m visit is earlier).
    lost = next_m.isna() | (next_m > needed["m"] + lapse)
    counts = (
        pd.DataFrame({"period": needed["m"] + lapse, "grp": needed["advisor_group"], "lost": lost})
        .groupby(["period", "grp"], as_index=False)
        .agg(num=("lost", "sum"), den=("lost", "size"))
    )
    return counts.astype({"num": "int64", "den": "int64"})


def group_rules(
    visits: pd.DataFrame, counts: pd.DataFrame, store: pd.DataFrame, periods: pd.Series
) -> pd.DataFrame:
    """Each group seen up to the period: +200 below the store rate, -200 above, else 0."""
    since = visits.groupby("advisor_group", as_index=False)["m"].min()
    frame = since.merge(periods.to_frame(), how="cross")
    frame = frame.loc[frame["m"] <= frame["period"]].rename(columns={"advisor_group": "grp"})
    frame = frame.merge(counts, on=["period", "grp"], how="left").merge(
        store, on="period", how="left", suffixes=("", "_store")
    )
    # int64 is enough: both sides are at most (number of visits) squared.
    left = frame["num"] * frame["den_store"]
    right = frame["num_store"] * frame["den"]
    amount = np.select([left < right, left > right], [GROUP_AMOUNT, -GROUP_AMOUNT], 0)
    return pd.DataFrame(
        {
            "period": frame["period"],
            "role": "advisor_group",
            "subject": frame["grp"],
            "amount": np.where(frame["den"].isna() | frame["den_store"].isna(), 0, amount),
        }
    )


def specialist_rules(
    followups: pd.DataFrame, counts: pd.DataFrame, store: pd.DataFrame, periods: pd.Series
) -> pd.DataFrame:
    """Unweighted mean of the followed groups' rates (n/a groups left out) against the
    store rate: +100 below, -100 above, 0 equal or n/a.
    """
    followed = followups.drop_duplicates().merge(counts, left_on="advisor_group", right_on="grp")
    followed = followed.astype({"num": object, "den": object})  # exact Python integers
    common = followed.groupby(["period", "specialist"], as_index=False).agg(
        k=("den", "size"), lcm=("den", lambda dens: math.lcm(*dens))
    )
    followed = followed.merge(common, on=["period", "specialist"])
    followed["scaled"] = followed["num"] * (followed["lcm"] // followed["den"])
    means = followed.groupby(["period", "specialist", "k", "lcm"], as_index=False)["scaled"].sum()
    frame = (
        periods.to_frame()
        .merge(followups[["specialist"]].drop_duplicates(), how="cross")
        .merge(means, on=["period", "specialist"], how="left")
        .merge(store, on="period", how="left")
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
    return pd.DataFrame(
        {
            "period": frame["period"],
            "role": "followup_specialist",
            "subject": frame["specialist"],
            "amount": amount,
        }
    )


def store_rules(store: pd.DataFrame, periods: pd.Series) -> pd.DataFrame:
    """Store rate at most the mean of the 3 previous months' rates: +200, else -200;
    0 (n/a) unless all four rates exist.
    """
    frame = periods.to_frame()
    exact = store.astype({"num": object, "den": object})
    for back in range(PREVIOUS_MONTHS + 1):
        shifted = exact.assign(period=exact["period"] + back)
        frame = frame.merge(
            shifted.add_suffix(str(back)).rename(columns={f"period{back}": "period"}),
            on="period",
            how="left",
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
            pd.DataFrame(
                {"period": frame["period"], "role": role, "subject": "store", "amount": amount}
            )
            for role in STORE_ROLES
        ]
    )


def run(data: Path, out: Path, first: str, last: str, lapse: int) -> None:
    """Compute the outcomes of the months ``first`` .. ``last`` and write them to ``out``."""
    first_month, last_month = month_number(first), month_number(last)
    visits = read_visits(data)
    followups = pd.read_csv(data / "followups.csv", dtype="str")
    counts = group_counts(visits, first_month, last_month, lapse)
    store = counts.groupby("period", as_index=False)[["num", "den"]].sum()
    periods = pd.Series(range(first_month, last_month + 1), name="period")
    outcomes = pd.concat(
        [
            group_rules(visits, counts, store, periods),
            specialist_rules(followups, counts, store, periods),
            store_rules(store, periods),
        ]
    )
    outcomes["period"] = (
        (outcomes["period"] // 12).astype(str)
        + "-"
        + (outcomes["period"] % 12 + 1).astype(str).str.zfill(2)
    )
    outcomes["amount"] = outcomes["amount"].astype("int64")
    outcomes.sort_values(["period", "role", "subject"]).to_csv(out, index=False)


def main() -> None:
    """Command line: ``pandas_churn.py --data DIR --out FILE [--from M --to M --lapse L]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--from", dest="first", default="2015-08")
    parser.add_argument("--to", dest="last", default="2015-12")
    parser.add_argument("--lapse", type=int, default=8)
    args = parser.parse_args()
    run(args.data, args.out, args.first, args.last, args.lapse)


if __name__ == "__main__":
    main()
