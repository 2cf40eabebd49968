"""Input tables already in Spark are checked and read where they are (``--data spark:NAME``).

The Spark session of the test run is in process, so each test makes a database of its own
with managed tables (written by Spark's own CSV reader, not by assessor), runs the command line
in process on ``--engine local[2]`` (the session already running is used), and looks at the
tables and the catalog afterwards. The expected outcomes are the acceptance set's (two
independent implementations agree on it) or worked by hand.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import ACCEPTANCE, TEMPLATE, invoke
from test_churn_engine import as_expected_rows, read_expected

from assessor.model.registry import ColumnSpec, TableSpec

EXPECTED = read_expected(ACCEPTANCE / "expected-lapse8.csv")
WINDOW = ("--from", "2015-08", "--to", "2015-12")
ENGINE = ("--engine", "local[2]")
# the acceptance visits as a company's system would type them...
TYPED_VISITS = "visit_id INT, customer_id STRING, visit_date DATE, advisor_group STRING"
# ...and as a system that keeps everything as text would
TEXT_VISITS = "visit_id STRING, customer_id STRING, visit_date STRING, advisor_group STRING"
FOLLOWUPS = "specialist STRING, advisor_group STRING"

# A scheme on after-sales tickets alone: a team earns 100 when at least half of its month's
# tickets were resolved at the first contact.
TICKETS_SCHEME = """
scheme "一次解决" uses auto_aftersales period month window 2026-01 .. 2026-01
role team "客服组" from aftersales_tickets.team
metric 一次解决率 for team = first_contact_resolution()
rule 一次解决 for team
  when 一次解决率 >= 50% reward 100 元
  otherwise 0
"""
TICKET_COLUMNS = (
    "ticket_id STRING, customer_id STRING, team STRING, agent STRING, opened_at TIMESTAMP, "
    "first_response_at TIMESTAMP, resolved_at TIMESTAMP, first_contact_resolved STRING, "
    "satisfaction DECIMAL(3,1)"
)
HEADER = (
    "ticket_id,customer_id,team,agent,opened_at,first_response_at,resolved_at,"
    "first_contact_resolved,satisfaction"
)
# 一组: 1 of 2 resolved at the first contact (50%: 100); 二组: 1 of 3 (33%: 0)
GOOD_TICKETS = (
    "T1,K1,一组,甲,2026-01-05 09:00:00,2026-01-05 10:00:00,2026-01-05 12:00:00,是,5",
    "T2,K2,一组,甲,2026-01-06 09:00:00,2026-01-06 10:00:00,2026-01-07 12:00:00,否,4",
    "T3,K3,二组,乙,2026-01-07 09:00:00,2026-01-07 10:00:00,2026-01-07 11:00:00,是,3",
    "T4,K4,二组,乙,2026-01-08 09:00:00,,,否,",
    "T5,K5,二组,乙,2026-01-09 09:00:00,2026-01-09 10:00:00,2026-01-10 10:00:00,否,4",
)
# each breaks one check; T6 kept would make 二组 2 of 4 (50%: 100)
BAD_TICKETS = (
    "T6,K6,二组,乙,2026-01-10 09:00:00,2026-01-10 10:00:00,2026-01-10 11:00:00,是,7",
    "T7,K7,一组,甲,2026-01-11 09:00:00,2026-01-11 10:00:00,2026-01-11 11:00:00,可能,4",
    "T8,K8,一组,甲,2026-01-12 09:00:00,2026-01-12 10:00:00,2026-01-11 11:00:00,否,4",
)


@pytest.fixture(scope="module")
def spark(spark_engine):
    """The in-process Spark session the runs use."""
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


def database(spark, name: str, tables: dict[str, tuple[Path, str]]) -> str:
    """Database ``name`` (made anew) with a managed table per entry (its CSV file and its
    columns, read by Spark); the ``--data`` value naming it.
    """
    spark.sql(f"DROP DATABASE IF EXISTS {name} CASCADE")
    spark.sql(f"CREATE DATABASE {name}")
    for table, (path, columns) in tables.items():
        frame = spark.read.csv(str(path), header=True, schema=columns, mode="FAILFAST")
        frame.write.saveAsTable(f"{name}.{table}")
    return f"spark:{name}"


def dealer(spark, name: str, visits: str = TYPED_VISITS) -> str:
    """The acceptance data as the tables ``visits`` and ``followups`` of database ``name``."""
    data = ACCEPTANCE / "data"
    tables = {
        "visits": (data / "visits.csv", visits),
        "followups": (data / "followups.csv", FOLLOWUPS),
    }
    return database(spark, name, tables)


def desk(spark, name: str, tmp_path: Path, *lines: str) -> str:
    """Database ``name`` holding ``aftersales_tickets`` of these CSV lines."""
    path = tmp_path / f"{name}.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", "utf-8")
    return database(spark, name, {"aftersales_tickets": (path, TICKET_COLUMNS)})


def results(out: Path) -> list[dict[str, str]]:
    with (out / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def snapshot(spark, table: str) -> list[tuple]:
    """A table's rows in a fixed order, to see that a run left it as it was."""
    return sorted(tuple(str(v) for v in row) for row in spark.table(table).collect())


def leftovers(spark) -> set[str]:
    """The session's temporary views and functions."""
    views = {t.name for t in spark.catalog.listTables() if t.isTemporary}
    functions = {f.name for f in spark.catalog.listFunctions() if f.isTemporary}
    return views | functions


def amounts(out: Path) -> dict[str, str]:
    return {row["subject"]: row["amount"] for row in results(out)}


# -- the acceptance set, read in place --------------------------------------------------------


@pytest.mark.parametrize("visits", [TYPED_VISITS, TEXT_VISITS], ids=["typed", "text"])
def test_acceptance_set_in_place(spark, visits: str, tmp_path: Path) -> None:
    """Typed columns are used as they are, text ones parsed in Spark (as a CSV file's):
    the acceptance outcomes; the tables are unchanged and the run leaves nothing behind.
    """
    data = dealer(spark, "dealer", visits)
    before, left = snapshot(spark, "dealer.visits"), leftovers(spark)
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path, *ENGINE, *WINDOW)
    assert outcome.exit_code == 0, outcome.stderr
    assert as_expected_rows(results(tmp_path)) == EXPECTED
    manifest = (tmp_path / "manifest.json").read_text("utf-8")
    assert '"engine": "spark"' in manifest and '"file": "dealer.visits"' in manifest
    assert '"rows_read": 4644' in manifest
    assert snapshot(spark, "dealer.visits") == before
    assert leftovers(spark) == left
    assert {t.name for t in spark.catalog.listTables("dealer")} == {"visits", "followups"}


# -- bad rows: named by their values or key, left out, the table untouched --------------------


def test_bad_rows_are_named_by_their_values(spark, tmp_path: Path) -> None:
    """Visits have no key, so a bad row is named by its values; with --rejects the two bad
    rows are the only difference from the acceptance data, so the outcomes are the
    acceptance set's.
    """
    data = dealer(spark, "dealer_bad", TEXT_VISITS)
    spark.sql(
        "INSERT INTO dealer_bad.visits VALUES ('99998', '  ', '2015-08-03', 'Alpha'), "
        "('99999', 'C99999', '2015-02-30', 'Alpha')"
    )
    before = snapshot(spark, "dealer_bad.visits")
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path, *ENGINE, *WINDOW)
    assert outcome.exit_code == 1
    assert (
        "error[E305] dealer_bad.visits: row visit_id=99998, customer_id=  , "
        "visit_date=2015-08-03, advisor_group=Alpha: no value in column 'customer_id'"
    ) in outcome.stderr
    assert (
        "error[E303] dealer_bad.visits: row visit_id=99999, customer_id=C99999, "
        "visit_date=2015-02-30, advisor_group=Alpha: cannot read '2015-02-30' in column "
        "'visit_date' as a date"
    ) in outcome.stderr
    assert "Traceback" not in outcome.stderr
    rejects, out = tmp_path / "rejects.csv", tmp_path / "out"
    outcome = invoke(
        "run", TEMPLATE, "--data", data, "--out", out, "--rejects", rejects, *ENGINE, *WINDOW
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert as_expected_rows(results(out)) == EXPECTED
    assert "visits: 4646 rows read = 4644 used + 2 rejected" in outcome.stdout
    with rejects.open(encoding="utf-8", newline="") as handle:
        rejected = list(csv.DictReader(handle))
    assert [(r["table"], r["file"], r["codes"], r["columns"]) for r in rejected] == [
        ("visits", "dealer_bad.visits", "E305", "customer_id"),
        ("visits", "dealer_bad.visits", "E303", "visit_date"),
    ]
    assert '"visit_date":"2015-02-30"' in rejected[1]["record"]
    assert snapshot(spark, "dealer_bad.visits") == before


def test_ranges_choices_and_rules_are_checked_in_spark(spark, tmp_path: Path) -> None:
    """A score outside 1..5, a text outside its choices and a ticket resolved before it was
    opened (a row rule, an Ibis predicate compiled for Spark) are named by the key; with
    --rejects they are left out, and the outcomes are those of a CSV file without them.
    """
    data = desk(spark, "desk", tmp_path, *GOOD_TICKETS, *BAD_TICKETS)
    outcome = invoke("run", "--data", data, "--out", tmp_path / "bad", *ENGINE, scheme(tmp_path))
    assert outcome.exit_code == 1
    assert (
        "error[E310] desk.aftersales_tickets: row ticket_id=T6: 7 in column 'satisfaction' is "
        "outside 1..5"
    ) in outcome.stderr
    assert (
        "error[E310] desk.aftersales_tickets: row ticket_id=T7: '可能' in column "
        "'first_contact_resolved' is not one of 是, 否"
    ) in outcome.stderr
    assert (
        "error[E311] desk.aftersales_tickets: row ticket_id=T8: breaks the rule: resolved before "
        "the ticket was opened (解决时间早于受理时间): opened_at=2026-01-12 09:00:00, "
        "resolved_at=2026-01-11 11:00:00"
    ) in outcome.stderr
    out = tmp_path / "out"
    rejects = tmp_path / "rejects.csv"
    outcome = invoke(
        "run", scheme(tmp_path), "--data", data, "--out", out, "--rejects", rejects, *ENGINE
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert "aftersales_tickets: 8 rows read = 5 used + 3 rejected" in outcome.stdout
    files = tmp_path / "files"
    files.mkdir()
    (files / "aftersales_tickets.csv").write_text("\n".join([HEADER, *GOOD_TICKETS]), "utf-8")
    expected = invoke("run", scheme(tmp_path), "--data", files, "--out", tmp_path / "csv")
    assert expected.exit_code == 0, expected.stderr
    assert results(out) == results(tmp_path / "csv")
    assert {k: float(v) for k, v in amounts(out).items()} == {"一组": 100.0, "二组": 0.0}
    with rejects.open(encoding="utf-8", newline="") as handle:
        rows = [(r["row"], r["codes"]) for r in csv.DictReader(handle)]
    assert rows == [("ticket_id=T6", "E310"), ("ticket_id=T7", "E310"), ("ticket_id=T8", "E311")]


def scheme(folder: Path) -> Path:
    path = folder / "tickets.assess"
    path.write_text(TICKETS_SCHEME, "utf-8")
    return path


def test_a_duplicate_key_stops_the_run(spark, tmp_path: Path) -> None:
    data = desk(spark, "desk_twice", tmp_path, *GOOD_TICKETS, GOOD_TICKETS[0])
    outcome = invoke("run", scheme(tmp_path), "--data", data, "--out", tmp_path / "o", *ENGINE)
    assert outcome.exit_code == 1
    assert "error[E309] desk_twice.aftersales_tickets: 2 rows for ticket_id T1" in outcome.stderr


# -- what is not there, and another engine ----------------------------------------------------


def test_a_missing_table_column_or_database_is_named(spark, tmp_path: Path) -> None:
    data = dealer(spark, "dealer_gaps", TEXT_VISITS)
    spark.sql("DROP TABLE dealer_gaps.followups")
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path, *ENGINE, *WINDOW)
    assert outcome.exit_code == 1
    assert "error[E301] no table or view dealer_gaps.followups for input table 'followups'" in (
        outcome.stderr
    )
    assert "(the database has: visits)" in outcome.stderr
    spark.sql(
        "CREATE VIEW dealer_gaps.followups AS SELECT specialist AS expert, advisor_group "
        "FROM VALUES ('Li Na', 'Alpha') AS t(specialist, advisor_group)"
    )
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path, *ENGINE, *WINDOW)
    assert outcome.exit_code == 1
    assert "error[E302] dealer_gaps.followups has no column 'specialist'" in outcome.stderr
    assert "its columns are: expert, advisor_group" in outcome.stderr
    outcome = invoke("run", TEMPLATE, "--data", "spark:dealer_gap", "--out", tmp_path, *ENGINE)
    assert outcome.exit_code == 1
    assert "error[E301] Spark's catalog has no database dealer_gap" in outcome.stderr
    assert "did you mean" in outcome.stderr.lower() and "dealer_gaps" in outcome.stderr


def test_another_engine_is_a_usage_error(tmp_path: Path) -> None:
    for engine in ("duckdb", "postgres://u@localhost/db"):
        outcome = invoke(
            "run", TEMPLATE, "--data", "spark:dealer", "--out", tmp_path, "--engine", engine
        )
        assert outcome.exit_code == 2, outcome.stderr
        assert "the input tables are in Spark (spark:dealer)" in outcome.stderr


def test_a_library_caller_with_another_engine_gets_e703() -> None:
    from assessor.data.spark_tables import SparkData
    from assessor.engine.backends import EngineChoice, check_engine_for_data
    from assessor.errors import AssessorError

    with pytest.raises(AssessorError) as raised:
        check_engine_for_data(SparkData("dealer"), EngineChoice())
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "E703"
    assert "the input tables are in Spark (spark:dealer), but the engine is duckdb" in (
        diagnostic.message
    )


@pytest.mark.parametrize(
    ("text", "database"),
    [("spark:dealer", "dealer"), ("SPARK:lake.dealer", "lake.dealer"), ("spark://h:7077", None)],
)
def test_data_names_a_spark_database(text: str, database: str | None) -> None:
    from assessor.data.spark_tables import parse_spark_data

    found = parse_spark_data(text)
    assert (found.database if found else None) == database


@pytest.mark.parametrize("text", ["spark:", "spark:a.b.c", "spark:my db"])
def test_data_without_a_database_is_a_usage_error(text: str, tmp_path: Path) -> None:
    outcome = invoke("run", TEMPLATE, "--data", text, "--out", tmp_path)
    assert outcome.exit_code == 2
    assert "names no database of Spark" in outcome.stderr


# -- a project on Spark Connect, with its own column names ------------------------------------


def test_a_project_on_spark_connect(
    spark, spark_connect_url: str, tmp_path: Path, monkeypatch
) -> None:
    """The session's managed tables are visible to a Spark Connect session of the same
    server; assessor.yaml names the database and maps a column of another name (a view).
    """
    dealer(spark, "dealer_own")
    spark.sql("ALTER TABLE dealer_own.followups RENAME TO dealer_own.followups_base")
    spark.sql(
        "CREATE VIEW dealer_own.followups AS SELECT specialist AS `专员`, advisor_group "
        "FROM dealer_own.followups_base"
    )
    (tmp_path / "churn.assess").write_text(TEMPLATE.read_text("utf-8"), "utf-8")
    (tmp_path / "assessor.yaml").write_text(
        f"scheme: churn.assess\ndata: spark:dealer_own\nengine: {spark_connect_url}\n"
        "columns:\n  followups:\n    specialist: 专员\n",
        "utf-8",
    )
    monkeypatch.chdir(tmp_path)
    left = leftovers(spark)
    outcome = invoke("run", "--out", "out", *WINDOW)
    assert outcome.exit_code == 0, outcome.stderr
    assert as_expected_rows(results(tmp_path / "out")) == EXPECTED
    assert leftovers(spark) == left


def test_a_project_with_spark_data_takes_its_spark_settings(tmp_path: Path) -> None:
    """``data: spark:NAME`` runs on ``spark`` with the project's master and settings; another
    engine in ``engine:`` is refused, as on the command line.
    """
    from assessor.data.spark_tables import SparkData
    from assessor.engine.backends import SPARK, EngineChoice
    from assessor.project import load_project

    (tmp_path / "churn.assess").write_text(TEMPLATE.read_text("utf-8"), "utf-8")
    settings = "spark:\n  master: local[3]\n  conf:\n    spark.driver.memory: 2g\n"
    (tmp_path / "assessor.yaml").write_text(
        f"scheme: churn.assess\ndata: spark:lake.dealer\n{settings}", "utf-8"
    )
    project = load_project(tmp_path / "assessor.yaml")
    assert project.data == SparkData("lake.dealer")
    assert project.engine_choice() == EngineChoice(
        SPARK, "local[3]", (("spark.driver.memory", "2g"),)
    )
    with pytest.raises(ValueError, match="the input tables are in Spark"):
        project.engine_choice("duckdb")


# -- text values read as a file's are ---------------------------------------------------------

FORMS = TableSpec(
    "forms",
    "写法",
    "forms",
    columns=(
        ColumnSpec("n", "integer", "数", "n", required=False),
        ColumnSpec("d", "date", "日期", "d", required=False),
        ColumnSpec("t", "timestamp", "时间", "t", required=False),
    ),
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (("12", "2015-08-01", "2015-08-01 09:30:00"), (12, (2015, 8, 1), (2015, 8, 1, 9, 30))),
        # every kind of space around a value goes, as in a file (Spark's trim takes the
        # ASCII space only)
        (
            ("\u300012\u3000", "\u00a02015/8/1", " 2015.8.1 9:30 "),
            (12, (2015, 8, 1), (2015, 8, 1, 9, 30)),
        ),
        # the point of a fraction of a second is no date separator
        (
            ("1,234", "2015年8月1日", "2015-08-01 09:30:00.25"),
            (1234, (2015, 8, 1), (2015, 8, 1, 9, 30, 0, 250000)),
        ),
        (("", "2015年8月1日", "2015年8月1日9:30"), (None, (2015, 8, 1), (2015, 8, 1, 9, 30))),
    ],
)
def test_text_values_are_read_as_in_a_file(spark, given: tuple, expected: tuple) -> None:
    import datetime as dt

    from assessor.data.spark_tables import readings, spark_sql

    spark.createDataFrame([given], "n STRING, d STRING, t STRING").createOrReplaceTempView(
        "assessor_test_forms"
    )
    typed = readings(FORMS, {"n": "string", "d": "string", "t": "string"})
    select = ", ".join(f"{r.typed} AS {r.name}" for r in typed)
    try:
        (row,) = spark.sql(spark_sql(f"SELECT {select} FROM assessor_test_forms AS s")).collect()
    finally:
        spark.catalog.dropTempView("assessor_test_forms")
    number, day, time = expected
    assert (row[0], row[1], row[2]) == (number, dt.date(*day), dt.datetime(*time))
