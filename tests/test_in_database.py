"""Input tables already in PostgreSQL are checked and read where they are, and a project whose
engine is PostgreSQL keeps its results history there.

Every run here uses ``--data postgres://…?schema=shop`` on a database of its own (made from
the session's server), so the conformance suite's database stays empty. The expected outcomes
are the acceptance set's (two independent implementations agree on it) or worked by hand.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ACCEPTANCE, ROOT, TEMPLATE, invoke
from test_churn_engine import as_expected_rows, read_expected

EXPECTED = read_expected(ACCEPTANCE / "expected-lapse8.csv")
WINDOW = ("--from", "2015-08", "--to", "2015-12")
# the acceptance visits as a company's system would type them
TYPED_VISITS = (
    "visit_id integer PRIMARY KEY, customer_id text, visit_date date, advisor_group varchar(40)"
)
# ...and as a system that keeps everything as text would
TEXT_VISITS = "visit_id text, customer_id text, visit_date text, advisor_group text"
FOLLOWUPS = "specialist text, advisor_group text"
HEATING = ROOT / "schemes" / "floor-heating" / "customer-relations.assess"
HEATING_DATA = HEATING.with_name("sample-data")


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[str]:
    """A database of its own on the session's server, dropped afterwards; yields its URL."""
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS inplace")
        connection.execute("CREATE DATABASE inplace")
    url = postgres_url.rsplit("/", 1)[0] + "/inplace"
    yield url
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DROP DATABASE inplace WITH (FORCE)")


def sql(url: str, *statements: str) -> list[tuple]:
    """Run statements in the database; the rows of the last."""
    import psycopg

    rows: list[tuple] = []
    with psycopg.connect(url, autocommit=True) as connection:
        for statement in statements:
            cursor = connection.execute(statement)
            rows = cursor.fetchall() if cursor.description else []
    return rows


def shop(url: str, visits: str = TYPED_VISITS, followups: str = FOLLOWUPS) -> str:
    """Schema ``shop`` (made anew) holding the acceptance data in tables of these columns;
    the ``--data`` URL of it.
    """
    import psycopg

    sql(url, "DROP SCHEMA IF EXISTS shop CASCADE", "CREATE SCHEMA shop")
    with psycopg.connect(url, autocommit=True) as connection:
        for table, columns in (("visits", visits), ("followups", followups)):
            connection.execute(f"CREATE TABLE shop.{table} ({columns})")
            with connection.cursor().copy(
                f"COPY shop.{table} FROM STDIN (FORMAT csv, HEADER)"
            ) as copy:
                copy.write((ACCEPTANCE / "data" / f"{table}.csv").read_bytes())
    return f"{url}?schema=shop"


def results(out: Path) -> list[dict[str, str]]:
    with (out / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def snapshot(url: str, table: str) -> list[tuple]:
    """A table's rows in a fixed order, to see that a run left it as it was."""
    return sql(
        url,
        "SELECT count(*), md5(string_agg(CAST(t AS text), '|' ORDER BY CAST(t AS text))) "
        f"FROM {table} t",
    )


# -- the acceptance set, read in place --------------------------------------------------------


@pytest.mark.parametrize("visits", [TYPED_VISITS, TEXT_VISITS], ids=["typed", "text"])
def test_acceptance_set_in_place(database: str, visits: str, tmp_path: Path) -> None:
    """Typed columns are used as they are, text ones parsed in PostgreSQL: same outcomes."""
    data = shop(database, visits)
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path, *WINDOW)
    assert outcome.exit_code == 0, outcome.stderr
    assert as_expected_rows(results(tmp_path)) == EXPECTED
    manifest = (tmp_path / "manifest.json").read_text("utf-8")
    assert '"engine": "postgres"' in manifest and '"file": "shop.visits"' in manifest
    assert '"rows_read": 4644' in manifest


def test_a_view_with_its_own_column_names(database: str, tmp_path: Path, monkeypatch) -> None:
    """A view is an input like a table; assessor.yaml maps a column of another name."""
    data = shop(database)
    sql(
        database,
        "ALTER TABLE shop.followups RENAME TO followups_base",
        "ALTER TABLE shop.followups_base RENAME COLUMN specialist TO 专员",
        "CREATE VIEW shop.followups AS SELECT * FROM shop.followups_base",
    )
    (tmp_path / "churn.assess").write_text(TEMPLATE.read_text("utf-8"), "utf-8")
    (tmp_path / "assessor.yaml").write_text(
        f"scheme: churn.assess\ndata: {data}\ncolumns:\n  followups:\n    specialist: 专员\n",
        "utf-8",
    )
    monkeypatch.chdir(tmp_path)
    outcome = invoke("run", "--out", "out", *WINDOW)
    assert outcome.exit_code == 0, outcome.stderr
    assert as_expected_rows(results(tmp_path / "out")) == EXPECTED


# -- bad rows: reported, left out, the table untouched ----------------------------------------


def test_a_bad_row_is_reported_by_its_key(database: str, tmp_path: Path) -> None:
    data = shop(database)
    sql(database, "INSERT INTO shop.visits VALUES (99999, 'C99999', NULL, 'Alpha')")
    before = snapshot(database, "shop.visits")
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path, *WINDOW)
    assert outcome.exit_code == 1
    assert (
        "shop.visits (column 'visit_date'): error[E305] shop.visits: row visit_id=99999: "
        "no value in column 'visit_date'"
    ) in outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert snapshot(database, "shop.visits") == before


def test_a_bad_row_is_left_out_with_rejects(database: str, tmp_path: Path) -> None:
    """The extra row is the only difference from the acceptance data, so leaving it out
    must give exactly the acceptance outcomes; the table keeps it.
    """
    data = shop(database)
    sql(database, "INSERT INTO shop.visits VALUES (99999, 'C99999', NULL, 'Alpha')")
    before = snapshot(database, "shop.visits")
    rejects = tmp_path / "rejects.csv"
    out = tmp_path / "out"
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", out, "--rejects", rejects, *WINDOW)
    assert outcome.exit_code == 0, outcome.stderr
    assert as_expected_rows(results(out)) == EXPECTED
    assert "visits: 4645 rows read = 4644 used + 1 rejected" in outcome.stdout
    with rejects.open(encoding="utf-8", newline="") as handle:
        (rejected,) = list(csv.DictReader(handle))
    assert (rejected["table"], rejected["file"], rejected["row"]) == (
        "visits",
        "shop.visits",
        "visit_id=99999",
    )
    assert rejected["codes"] == "E305" and '"C99999"' in rejected["record"]
    assert snapshot(database, "shop.visits") == before


def test_text_that_is_not_a_date_in_a_table_without_a_key(database: str, tmp_path: Path) -> None:
    """Without a primary key a row is named by its place in the table (ctid)."""
    data = shop(database, TEXT_VISITS)
    sql(database, "UPDATE shop.visits SET visit_date = '2015-02-30' WHERE visit_id = '17'")
    (ctid,) = sql(database, "SELECT CAST(ctid AS text) FROM shop.visits WHERE visit_id = '17'")[0]
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path, *WINDOW)
    assert outcome.exit_code == 1
    assert (
        f"error[E303] shop.visits: row ctid {ctid}: cannot read '2015-02-30' in column "
        "'visit_date' as a date"
    ) in outcome.stderr


def heating(url: str) -> str:
    """Schema ``heating`` holding the floor-heating sample, every column as text (as a system
    that keeps text would); the ``--data`` URL of it.
    """
    import psycopg

    sql(url, "DROP SCHEMA IF EXISTS heating CASCADE", "CREATE SCHEMA heating")
    with psycopg.connect(url, autocommit=True) as connection:
        for path in sorted(HEATING_DATA.glob("*.csv")):
            header = path.read_text("utf-8").splitlines()[0].split(",")
            columns = ", ".join(f"{name} text" for name in header)
            connection.execute(f"CREATE TABLE heating.{path.stem} ({columns})")
            copy_sql = f"COPY heating.{path.stem} FROM STDIN (FORMAT csv, HEADER)"
            with connection.cursor().copy(copy_sql) as copy:
                copy.write(path.read_bytes())
    return f"{url}?schema=heating"


def test_every_kind_of_check_runs_in_the_database(database: str, tmp_path: Path) -> None:
    """The floor-heating sample, all text in PostgreSQL, gives the CSV folder's results
    (types, blanks, choices and row rules all pass); then a kind outside its choices (E310)
    and a ticket resolved before it was opened (E311, a row rule compiled by Ibis for
    PostgreSQL) are reported with the row's place.
    """
    data = heating(database)
    expected = invoke("run", HEATING, "--data", HEATING_DATA, "--out", tmp_path / "csv")
    assert expected.exit_code == 0, expected.stderr
    outcome = invoke("run", HEATING, "--data", data, "--out", tmp_path / "pg")
    assert outcome.exit_code == 0, outcome.stderr
    assert results(tmp_path / "pg") == results(tmp_path / "csv")
    sql(
        database,
        "UPDATE heating.heating_tickets SET kind = 'repairs' WHERE ticket_id = 'GD00002'",
        "UPDATE heating.heating_tickets SET resolved_at = '2025-06-30 09:00:00' "
        "WHERE ticket_id = 'GD00003'",
    )
    places = dict(
        sql(
            database,
            "SELECT ticket_id, CAST(ctid AS text) FROM heating.heating_tickets "
            "WHERE ticket_id IN ('GD00002', 'GD00003')",
        )
    )
    outcome = invoke("run", HEATING, "--data", data, "--out", tmp_path / "bad")
    assert outcome.exit_code == 1
    assert (
        f"error[E310] heating.heating_tickets: row ctid {places['GD00002']}: 'repairs' in "
        "column 'kind' is not one of 安装, 维修, 保养"
    ) in outcome.stderr
    assert (
        f"error[E311] heating.heating_tickets: row ctid {places['GD00003']}: breaks the rule:"
    ) in outcome.stderr
    assert "resolved_at=2025-06-30 09:00:00" in outcome.stderr


# -- what is not there ------------------------------------------------------------------------


def test_a_missing_table_is_named_with_its_schema(database: str, tmp_path: Path) -> None:
    data = shop(database)
    sql(database, "DROP TABLE shop.followups")
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path, *WINDOW)
    assert outcome.exit_code == 1
    assert "error[E301] no table or view shop.followups for input table 'followups'" in (
        outcome.stderr
    )


def test_a_missing_column_is_named(database: str, tmp_path: Path) -> None:
    data = shop(database)
    sql(database, "ALTER TABLE shop.visits RENAME COLUMN advisor_group TO grp")
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path, *WINDOW)
    assert outcome.exit_code == 1
    assert "error[E302] shop.visits has no column 'advisor_group'" in outcome.stderr
    assert "its columns are: visit_id, customer_id, visit_date, grp" in outcome.stderr


def test_another_engine_is_a_usage_error(database: str, tmp_path: Path) -> None:
    data = f"{database}?schema=shop"
    for engine in ("duckdb", database.rsplit("/", 1)[0] + "/postgres"):
        outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path, "--engine", engine)
        assert outcome.exit_code == 2, outcome.stderr
        assert "the input tables are in PostgreSQL" in outcome.stderr


# -- the results history in PostgreSQL --------------------------------------------------------

KPI_SCHEME = """
scheme "接听" period month window 2026-01 .. 2026-01
role team from kpi_values.subject
rule 接听 for team when kpi("接听率") >= 90 reward 100 元
"""


def _answer_rates(url: str, first: int, second: int) -> None:
    sql(
        url,
        "DROP TABLE IF EXISTS calls.kpi_values",
        "CREATE TABLE calls.kpi_values (subject text, period date, indicator text, value integer)",
        "INSERT INTO calls.kpi_values VALUES "
        f"('一组', '2026-01-01', '接听率', {first}), ('二组', '2026-01-01', '接听率', {second})",
    )


def test_history_in_postgres_records_two_runs(database: str, tmp_path: Path, monkeypatch) -> None:
    """一组 answers 95% then 85% (reward 100, then nothing), 二组 80% then 92% (the reverse):
    worked by hand from the rule `>= 90 reward 100`.
    """
    sql(database, "DROP SCHEMA IF EXISTS calls CASCADE", "CREATE SCHEMA calls")
    _answer_rates(database, 95, 80)
    (tmp_path / "接听.assess").write_text(KPI_SCHEME, "utf-8")
    (tmp_path / "assessor.yaml").write_text(
        f"scheme: 接听.assess\ndata: {database}?schema=calls\nengine: {database}\nlang: en\n"
        "history:\n  schema: 考核历史\n",
        "utf-8",
    )
    monkeypatch.chdir(tmp_path)
    first = invoke("run", "--period", "2026-01")
    assert first.exit_code == 0, first.stderr
    assert "recorded as run 1 in PostgreSQL schema 考核历史" in first.stdout
    _answer_rates(database, 85, 92)
    second = invoke("run", "--period", "2026-01")
    assert "recorded as run 2 in PostgreSQL schema 考核历史" in second.stdout
    assert "2026-01 team 一组: amount 100.00 → 0.00" in second.stdout
    assert "2026-01 team 二组: amount 0.00 → 100.00" in second.stdout
    assert not (tmp_path / "history.duckdb").exists()
    runs = sql(database, 'SELECT run_id, net FROM "考核历史".assessor_runs ORDER BY run_id')
    assert [(r, str(n)) for r, n in runs] == [(1, "100.00"), (2, "100.00")]
    listed = invoke("history")
    assert listed.exit_code == 0, listed.stderr
    assert "接听" in listed.stdout and " 2 " in listed.stdout
    trend = invoke("history", "--subject", "一组")
    assert "0.00" in trend.stdout and "100.00" not in trend.stdout


def test_nothing_is_left_but_the_history(database: str, tmp_path: Path) -> None:
    """After the runs above (in any order, this one runs one more): the database holds the
    company's schemas and the history's, and no view, table or function of a run.
    """
    data = shop(database)
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path, *WINDOW)
    assert outcome.exit_code == 0, outcome.stderr
    left = sql(
        database,
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
        "c.relnamespace WHERE c.relkind IN ('r', 'v', 'm', 'p') AND n.nspname NOT IN "
        "('pg_catalog', 'information_schema', 'shop', 'calls', 'heating') "
        "AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2",
    )
    # the project runs above keep their histories: the default schema and one named
    assert {schema for schema, _ in left} <= {"assessor", "考核历史"}, left
    assert sql(database, "SELECT proname FROM pg_proc WHERE proname LIKE 'assessor%'") == []
