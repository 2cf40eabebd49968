"""The churn-control scheme as hand-written DuckDB SQL: the benchmark's SQL peer.

Written as a competent analyst would: one window pass (``lead``) over the visits the
assessed months need, counts per lapse month and group, then small joins for the rules.
Rates are compared exactly by cross-multiplying integers (HUGEINT), never as floats.

Every count is kept per store. By default the whole data set is one store, as in assessor's
churn-control template (a ``store`` column in the data is ignored). With ``--stores`` each
value of the ``store`` column is a store assessed alone, as ``stores by store`` does: its own
store rate, groups, specialists and store roles, and a customer's next visit is looked for
in the same store only.

Writes ``period, role, subject, amount`` as CSV (``period, store, role, subject, amount``
with ``--stores``), sorted.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

import duckdb

STORE_ROLES = ("workshop_supervisor", "service_manager", "golden_bowtie")
GROUP_AMOUNT, SPECIALIST_AMOUNT, STORE_AMOUNT = 200, 100, 200
# The store rules compare with the mean of the three months before.
PREVIOUS_MONTHS = 3

# {key} and {store} are the store key: ``store, `` and ``store`` per store; empty and '' for
# one store, whose visits then have no store column, so that the one-store passes over the
# visits (the window and the first-seen months) carry no constant column.
QUERY = """
WITH
periods AS (  -- assessed months, as month numbers (year * 12 + month - 1)
    SELECT range AS period FROM range($first, $last + 1)
),
seen AS (  -- a group is a subject of its store from the month of its first visit there
    SELECT {key}advisor_group AS grp, min(year(visit_date) * 12 + month(visit_date) - 1) AS since
    FROM visits GROUP BY ALL
),
marked AS (  -- a customer's next visit, in the same store
    SELECT {key}year(visit_date) * 12 + month(visit_date) - 1 AS m,
           advisor_group AS grp,
           lead(year(visit_date) * 12 + month(visit_date) - 1)
               OVER (PARTITION BY {key}customer_id ORDER BY visit_date, visit_id) AS next_m
    FROM visits
    -- the lapse months of every needed period, up to the end of the last assessed month
    WHERE visit_date >= $start AND visit_date < $stop
),
lapse_counts AS (  -- lost: no visit after this one up to the end of month m + lapse
    SELECT {key}m + $lapse AS period, grp,
           count(*) FILTER (WHERE next_m IS NULL OR next_m > m + $lapse)::HUGEINT AS num,
           count(*)::HUGEINT AS den
    FROM marked GROUP BY ALL
),
first_seen AS (SELECT {store} AS store, grp, since FROM seen),
group_counts AS (SELECT {store} AS store, period, grp, num, den FROM lapse_counts),
store_counts AS (
    SELECT store, period, sum(num)::HUGEINT AS num, sum(den)::HUGEINT AS den
    FROM group_counts GROUP BY ALL
),
group_rules AS (
    SELECT p.period, f.store, 'advisor_group' AS role, f.grp AS subject,
           CASE WHEN g.den IS NULL OR s.den IS NULL THEN 0
                WHEN g.num * s.den < s.num * g.den THEN $group_amount
                WHEN g.num * s.den > s.num * g.den THEN -$group_amount
                ELSE 0 END AS amount
    FROM periods p
    JOIN first_seen f ON f.since <= p.period
    LEFT JOIN group_counts g ON g.store = f.store AND g.period = p.period AND g.grp = f.grp
    LEFT JOIN store_counts s ON s.store = f.store AND s.period = p.period
),
followed AS (  -- each specialist's groups in the store that have a rate; n/a ones left out
    SELECT p.period, f.store, f.specialist, g.num, g.den
    FROM periods p
    CROSS JOIN (SELECT DISTINCT store, specialist, advisor_group FROM followups) f
    JOIN group_counts g
      ON g.store = f.store AND g.period = p.period AND g.grp = f.advisor_group
),
common AS (  -- a common denominator of the followed rates
    SELECT period, store, specialist, count(*) AS k,
           list_reduce(list(den), lambda x, y: lcm(x, y)) AS l
    FROM followed GROUP BY ALL
),
followed_mean AS (  -- mean = sum(num * l / den) / (k * l), exactly
    SELECT c.period, c.store, c.specialist, c.k, c.l, sum(f.num * (c.l // f.den)) AS total
    FROM common c JOIN followed f USING (period, store, specialist)
    GROUP BY ALL
),
specialist_rules AS (
    SELECT p.period, sp.store, 'followup_specialist' AS role, sp.specialist AS subject,
           CASE WHEN m.k IS NULL OR s.den IS NULL THEN 0
                WHEN m.total * s.den < s.num * m.k * m.l THEN $specialist_amount
                WHEN m.total * s.den > s.num * m.k * m.l THEN -$specialist_amount
                ELSE 0 END AS amount
    FROM periods p
    CROSS JOIN (SELECT DISTINCT store, specialist FROM followups) sp
    LEFT JOIN followed_mean m
      ON m.store = sp.store AND m.period = p.period AND m.specialist = sp.specialist
    LEFT JOIN store_counts s ON s.store = sp.store AND s.period = p.period
),
store_rules AS (  -- rate <= mean of the 3 previous rates, cross-multiplied
    SELECT p.period, st.store, r.role, 'store' AS subject,
           CASE WHEN s.den IS NULL OR s1.den IS NULL OR s2.den IS NULL OR s3.den IS NULL THEN 0
                WHEN 3 * s.num * s1.den * s2.den * s3.den
                     <= s.den * (s1.num * s2.den * s3.den + s2.num * s1.den * s3.den
                                 + s3.num * s1.den * s2.den) THEN $store_amount
                ELSE -$store_amount END AS amount
    FROM periods p
    CROSS JOIN (SELECT DISTINCT store FROM first_seen) st
    CROSS JOIN (SELECT unnest($store_roles) AS role) r
    LEFT JOIN store_counts s ON s.store = st.store AND s.period = p.period
    LEFT JOIN store_counts s1 ON s1.store = st.store AND s1.period = p.period - 1
    LEFT JOIN store_counts s2 ON s2.store = st.store AND s2.period = p.period - 2
    LEFT JOIN store_counts s3 ON s3.store = st.store AND s3.period = p.period - 3
)
SELECT printf('%04d-%02d', period // 12, period % 12 + 1) AS period, store, role, subject, amount
FROM (
    SELECT * FROM group_rules UNION ALL SELECT * FROM specialist_rules
    UNION ALL SELECT * FROM store_rules
)
ORDER BY period, store, role, subject
"""


def month_number(text: str) -> int:
    """``YYYY-MM`` as year * 12 + month - 1, so that consecutive months differ by one."""
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def month_start(number: int) -> dt.date:
    """The first day of a month number."""
    return dt.date(number // 12, number % 12 + 1, 1)


def quoted(path: Path) -> str:
    """A path as an SQL string literal (views cannot take prepared parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def store_column(stores: bool) -> str:
    """The store of a row: its ``store`` column per store, else the one store ''."""
    return "store" if stores else "''"


def csv_source(path: Path, types: dict[str, str]) -> str:
    """``read_csv`` of a file with a header, with ``types`` for the columns named there."""
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in types.items())
    return f"read_csv({quoted(path)}, header = true, types = {{{columns}}})"


def register_inputs(con: duckdb.DuckDBPyConnection, data: Path, stores: bool) -> None:
    """Views ``visits`` (Parquet, else CSV) and ``followups`` over the files in ``data``;
    with ``stores`` both have the data's ``store`` column, else followups' store is ''.
    """
    store = {"store": "VARCHAR"} if stores else {}
    key = "store, " if stores else ""
    parquet = data / "visits.parquet"
    if parquet.exists():
        source = f"read_parquet({quoted(parquet)})"
    else:
        types = {"visit_id": "BIGINT", "customer_id": "VARCHAR", "visit_date": "DATE"}
        source = csv_source(data / "visits.csv", {**types, "advisor_group": "VARCHAR", **store})
    con.execute(
        f"CREATE VIEW visits AS SELECT {key}visit_id, customer_id, visit_date, advisor_group "
        f"FROM {source}"
    )
    types = {"specialist": "VARCHAR", "advisor_group": "VARCHAR", **store}
    con.execute(
        f"CREATE VIEW followups AS SELECT {store_column(stores)} AS store, specialist, "
        "advisor_group "
        f"FROM {csv_source(data / 'followups.csv', types)}"
    )


def run(data: Path, out: Path, first: str, last: str, lapse: int, stores: bool) -> None:
    """Compute the outcomes of the months ``first`` .. ``last`` and write them to ``out``:
    per store with ``stores``, else for the whole data as one store.
    """
    first_month, last_month = month_number(first), month_number(last)
    con = duckdb.connect()
    register_inputs(con, data, stores)
    parameters = {
        "first": first_month,
        "last": last_month,
        "lapse": lapse,
        # the earliest lapse month is that of the first of the previous months
        "start": month_start(first_month - PREVIOUS_MONTHS - lapse),
        "stop": month_start(last_month + 1),
        "group_amount": GROUP_AMOUNT,
        "specialist_amount": SPECIALIST_AMOUNT,
        "store_amount": STORE_AMOUNT,
        "store_roles": list(STORE_ROLES),
    }
    query = QUERY.format(key="store, " if stores else "", store=store_column(stores))
    rows = con.execute(query, parameters).fetchall()
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if stores:
            writer.writerow(["period", "store", "role", "subject", "amount"])
            writer.writerows(rows)
        else:  # one store: its name is no column
            writer.writerow(["period", "role", "subject", "amount"])
            writer.writerows(
                (period, role, subject, amount) for period, _, role, subject, amount in rows
            )


def main() -> None:
    """Command line: ``duckdb_sql.py --data DIR --out FILE [--stores] [--from M --to M
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
