"""Input rows checked against their table's declaration: types, blanks, ranges, choices and
row rules; located reports without --rejects, and reconciling counts with it.

The table and file are made up for the test; every expected problem is read off the file by
hand (row numbers count data rows from 1; lines count the header as line 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import attrs
import duckdb
import pytest

from assessor.data.load import load_tables
from assessor.data.rows import readings
from assessor.data.sources import Source
from assessor.errors import AssessorError
from assessor.model.registry import ColumnSpec, RowRule, TableSpec

TICKETS = TableSpec(
    "tickets",
    "工单",
    "Tickets",
    columns=(
        ColumnSpec("ticket_id", "integer", "工单号", "ticket id"),
        ColumnSpec("kind", "text", "类型", "kind", choices=("install", "repair")),
        ColumnSpec("opened_at", "timestamp", "报修时间", "opened"),
        ColumnSpec("resolved_at", "timestamp", "解决时间", "resolved", required=False),
        ColumnSpec("score", "decimal", "评分", "score", minimum=Decimal(0), maximum=Decimal(10)),
    ),
    time_column="opened_at",
    rules=(
        RowRule(
            "resolved_after_opened",
            "解决时间不早于报修时间",
            "resolved not before opened",
            ("opened_at", "resolved_at"),
            lambda t: t.resolved_at >= t.opened_at,
        ),
    ),
)

ROWS = [
    "ticket_id,kind,opened_at,resolved_at,score",
    "1,install,2026-01-05 09:00:00,2026-01-05 12:00:00,9",  # row 1: good
    "2,repair,2026-01-06 10:00:00,,8.5",  # row 2: good, still open
    "3,repairs,2026-01-06 11:00:00,,7",  # row 3: kind not a choice (E310)
    "4,repair,2026-01-07 10:00:00,2026-01-07 09:00:00,6",  # row 4: resolved before opened
    "5,install,2026-01-08,2026-01-09 08:00:00,11",  # row 5: score above 10 (E310)
    "6.5,install,2026-01-08 08:00:00,,5",  # row 6: id not whole (E303)
    "7,install,,,5",  # row 7: opened blank (E305)
    "8,repair,2026-01-32 08:00:00,,5",  # row 8: not a time (E303)
]
# (row, code, column) of every problem, by hand from the comments above
PROBLEMS = {
    (3, "E310", "kind"),
    (4, "E311", "resolved_at"),
    (5, "E310", "score"),
    (6, "E303", "ticket_id"),
    (7, "E305", "opened_at"),
    (8, "E303", "opened_at"),
}


def _load(tmp_path: Path, rejects: Path | None = None):
    path = tmp_path / "tickets.csv"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    connection = duckdb.connect()
    loaded = load_tables(connection, [TICKETS], {"tickets": Source(path, "csv")}, rejects=rejects)
    return connection, loaded


def test_bad_rows_stop_the_run_located_by_row_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(AssessorError) as raised:
        _load(tmp_path)
    found = set()
    for diagnostic in raised.value.diagnostics:
        row = int(diagnostic.message.split("row ")[1].split(":")[0])
        assert diagnostic.location.row == row + 1  # the line, counting the header
        found.add((row, diagnostic.code, diagnostic.location.column))
    assert found == PROBLEMS


def test_the_rule_message_shows_the_values_compared(tmp_path: Path) -> None:
    with pytest.raises(AssessorError) as raised:
        _load(tmp_path)
    message = next(d.message for d in raised.value.diagnostics if d.code == "E311")
    assert message == (
        "tickets.csv: row 4: breaks the rule: resolved not before opened (解决时间不早于报修时间): "
        "opened_at=2026-01-07 10:00:00, resolved_at=2026-01-07 09:00:00"
    )


def test_with_rejects_bad_rows_are_set_aside_and_counts_reconcile(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    connection, [loaded] = _load(tmp_path, rejects)
    assert (loaded.read, loaded.rows, loaded.rejected) == (8, 2, 6)
    assert loaded.read == loaded.rows + loaded.rejected
    kept = connection.execute("SELECT ticket_id FROM tickets ORDER BY ticket_id").fetchall()
    assert kept == [(1,), (2,)]
    with rejects.open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert [int(x["row"]) for x in lines] == [3, 4, 5, 6, 7, 8]
    assert {(int(x["row"]), x["codes"], x["columns"]) for x in lines} == PROBLEMS
    assert json.loads(lines[0]["record"])["kind"] == "repairs"


def test_an_open_ticket_keeps_a_blank_resolution_time(tmp_path: Path) -> None:
    connection, _ = _load(tmp_path, tmp_path / "rejects.csv")
    resolved = connection.execute("SELECT resolved_at FROM tickets WHERE ticket_id = 2").fetchall()
    assert resolved == [(None,)]


def test_a_choice_message_quotes_the_value(tmp_path: Path) -> None:
    with pytest.raises(AssessorError) as raised:
        _load(tmp_path)
    messages = [d.message for d in raised.value.diagnostics if d.code == "E310"]
    assert "tickets.csv: row 3: 'repairs' in column 'kind' is not one of install, repair" in (
        messages
    )


def test_bad_rows_of_every_table_are_reported_together(tmp_path: Path) -> None:
    other = attrs.evolve(TICKETS, name="more_tickets")
    for name in ("tickets", "more_tickets"):
        (tmp_path / f"{name}.csv").write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    files = {name: Source(tmp_path / f"{name}.csv", "csv") for name in ("tickets", "more_tickets")}
    with pytest.raises(AssessorError) as raised:
        load_tables(duckdb.connect(), [TICKETS, other], files)
    assert {d.location.file for d in raised.value.diagnostics} == {
        str(s.path) for s in files.values()
    }


def test_an_event_table_may_be_empty_where_declared(tmp_path: Path) -> None:
    """No complaints at all is a fact; an empty export of tickets is a wrong filter (E304)."""
    path = tmp_path / "tickets.csv"
    path.write_text(ROWS[0] + "\n", encoding="utf-8")
    with pytest.raises(AssessorError) as raised:
        load_tables(duckdb.connect(), [TICKETS], {"tickets": Source(path, "csv")})
    assert [d.code for d in raised.value.diagnostics] == ["E304"]
    events = attrs.evolve(TICKETS, may_be_empty=True)
    [loaded] = load_tables(duckdb.connect(), [events], {"tickets": Source(path, "csv")})
    assert (loaded.read, loaded.rows) == (0, 0)


NO_REVIEWS_SCHEME = """
scheme "测试" period month window 2026-01 .. 2026-01
role 小组 from kpi_values.subject
scorecard 总分 for 小组 missing exclude
  indicator 接听 weight 50% value kpi_percent("接听率") bands >= 90% -> 100 | else 0
  rubric 协作 weight 50% scale 1..5 criteria 培训参与
"""


def test_no_reviews_held_yet_is_an_empty_ratings_file(tmp_path: Path) -> None:
    """95% -> 100 points; the rubric has no rating and is left out, so the total is 100."""
    from conftest import run_scheme

    scheme = tmp_path / "s.assess"
    scheme.write_text(NO_REVIEWS_SCHEME, "utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "kpi_values.csv").write_text(
        "subject,period,indicator,value\n一组,2026-01,接听率,95\n", "utf-8"
    )
    (data / "ratings.csv").write_text("subject,period,evaluator,criterion,score\n", "utf-8")
    rows = run_scheme(scheme, data, tmp_path / "out")
    points = {r["item"]: (r["points"], r["status"]) for r in rows}
    assert points == {"接听": ("100", "ok"), "协作": ("", "n/a"), "总分": ("100", "ok")}


# -- typed sources: Parquet files whose columns are numbers and times, checked in place ---

# The same tickets as TYPED_ROWS below, as a CSV file would hold them.
TYPED_CSV = [
    "ticket_id,kind,opened_at,resolved_at,score",
    "1,install,2026-01-05 09:00:00,2026-01-05 12:00:00,9",  # row 1: good
    "2,repair,2026-01-06 10:00:00,,8.5",  # row 2: good, still open
    "3,repair,2026-01-07 10:00:00,2026-01-07 09:00:00,6",  # row 3: resolved before opened
    "4,install,2026-01-08 00:00:00,2026-01-09 08:00:00,11",  # row 4: score above 10
    "5,install,,,5",  # row 5: opened blank
    "6,,2026-01-09 08:00:00,,5",  # row 6: kind blank
]
# Typed values: BIGINT, VARCHAR, TIMESTAMP, TIMESTAMP, DECIMAL(4,1); null where CSV is empty
TYPED_ROWS = """
    (1::BIGINT, 'install', TIMESTAMP '2026-01-05 09:00:00', TIMESTAMP '2026-01-05 12:00:00',
     9.0::DECIMAL(4,1)),
    (2, 'repair', TIMESTAMP '2026-01-06 10:00:00', NULL, 8.5),
    (3, 'repair', TIMESTAMP '2026-01-07 10:00:00', TIMESTAMP '2026-01-07 09:00:00', 6.0),
    (4, 'install', TIMESTAMP '2026-01-08 00:00:00', TIMESTAMP '2026-01-09 08:00:00', 11.0),
    (5, 'install', NULL, NULL, 5.0),
    (6, '', TIMESTAMP '2026-01-09 08:00:00', NULL, 5.0)
"""
# (row, code, column, message after "<file>: ") of every problem, by hand from the rows above
TYPED_PROBLEMS = {
    (
        3,
        "E311",
        "resolved_at",
        "row 3: breaks the rule: resolved not before opened (解决时间不早于报修时间): "
        "opened_at=2026-01-07 10:00:00, resolved_at=2026-01-07 09:00:00",
    ),
    (4, "E310", "score", "row 4: 11 in column 'score' is outside 0..10"),
    (5, "E305", "opened_at", "row 5: no value in column 'opened_at'"),
    (6, "E305", "kind", "row 6: no value in column 'kind'"),
}


def _parquet(path: Path, rows: str, columns: str) -> Path:
    """Write ``rows`` (an SQL VALUES list) with these column names as a Parquet file."""
    with duckdb.connect() as connection:
        connection.execute(
            f"COPY (SELECT * FROM (VALUES {rows}) AS t({columns})) TO '{path}' (FORMAT parquet)"
        )
    return path


def _problems(source: Source, spec: TableSpec = TICKETS) -> set[tuple[int, str, str, str]]:
    """(row, code, column, message without the file name) of every diagnostic."""
    with pytest.raises(AssessorError) as raised:
        load_tables(duckdb.connect(), [spec], {spec.name: source})
    found = set()
    for d in raised.value.diagnostics:
        name, message = d.message.split(": ", 1)
        assert name == source.path.name
        row = int(message.split("row ")[1].split(":")[0])
        # a CSV file has lines (the header is line 1); a Parquet file only rows
        assert d.location.row == (row + 1 if source.kind == "csv" else None)
        found.add((row, d.code, d.location.column, message))
    return found


def test_a_typed_parquet_file_reports_bad_rows_as_the_csv_file_does(tmp_path: Path) -> None:
    columns = "ticket_id, kind, opened_at, resolved_at, score"
    parquet = _parquet(tmp_path / "tickets.parquet", TYPED_ROWS, columns)
    csv_path = tmp_path / "tickets.csv"
    csv_path.write_text("\n".join(TYPED_CSV) + "\n", encoding="utf-8")
    assert _problems(Source(parquet, "parquet")) == TYPED_PROBLEMS
    assert _problems(Source(csv_path, "csv")) == TYPED_PROBLEMS


def test_rejects_of_a_typed_parquet_file_hold_the_values_as_text(tmp_path: Path) -> None:
    columns = "ticket_id, kind, opened_at, resolved_at, score"
    parquet = _parquet(tmp_path / "tickets.parquet", TYPED_ROWS, columns)
    rejects = tmp_path / "rejects.csv"
    connection = duckdb.connect()
    [loaded] = load_tables(
        connection, [TICKETS], {"tickets": Source(parquet, "parquet")}, rejects=rejects
    )
    assert (loaded.read, loaded.rows, loaded.rejected) == (6, 2, 4)
    kept = connection.execute("SELECT ticket_id, score FROM tickets").fetchall()
    assert kept == [(1, Decimal("9")), (2, Decimal("8.5"))]
    with rejects.open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert [(x["row"], x["line"], x["codes"]) for x in lines] == [
        ("3", "", "E311"),
        ("4", "", "E310"),
        ("5", "", "E305"),
        ("6", "", "E305"),
    ]
    assert json.loads(lines[1]["record"]) == {
        "ticket_id": "4",
        "kind": "install",
        "opened_at": "2026-01-08 00:00:00",
        "resolved_at": "2026-01-09 08:00:00",
        "score": "11.0",
    }


GROUPS = TableSpec(
    "groups",
    "接待组",
    "Groups",
    columns=(
        ColumnSpec("group_id", "integer", "编号", "id"),
        ColumnSpec("name", "text", "组名", "name"),
        ColumnSpec("note", "text", "备注", "note", required=False),
    ),
)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # written by a program: nothing to trim, the texts are read as they are
        (
            "(1::BIGINT, '接待1组', 'a b'), (2, 'S017-接待2组', NULL)",
            [(1, "接待1组", "a b"), (2, "S017-接待2组", None)],
        ),
        # one value with spaces (ASCII, ideographic, no-break) trims it; a blank is null
        (
            "(1::BIGINT, '接待1组', 'a b'), (2, '\u3000接待2组 ', ' '), (3, 'x', '\u00a0y')",
            [(1, "接待1组", "a b"), (2, "接待2组", None), (3, "x", "y")],
        ),
    ],
)
def test_a_parquet_file_s_texts_are_trimmed_only_where_they_need_it(
    tmp_path: Path, rows: str, expected: list[tuple]
) -> None:
    # a Parquet file's texts are checked for spaces once, then read as they are if none has
    # them; either way the values are those of a CSV file with the same rows
    parquet = _parquet(tmp_path / "groups.parquet", rows, "group_id, name, note")
    connection = duckdb.connect()
    load_tables(connection, [GROUPS], {"groups": Source(parquet, "parquet")})
    loaded = connection.execute("SELECT * FROM groups ORDER BY group_id").fetchall()
    assert loaded == expected


def test_a_blank_text_in_a_parquet_file_is_still_a_blank(tmp_path: Path) -> None:
    parquet = _parquet(
        tmp_path / "groups.parquet", "(1::BIGINT, ''), (2, '\u3000')", "group_id, name"
    )
    spec = attrs.evolve(GROUPS, columns=GROUPS.columns[:2])
    with pytest.raises(AssessorError) as raised:
        load_tables(duckdb.connect(), [spec], {"groups": Source(parquet, "parquet")})
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        ("E305", "groups.parquet: row 1: no value in column 'name'"),
        ("E305", "groups.parquet: row 2: no value in column 'name'"),
    ]


VISITS = TableSpec(
    "visits",
    "进站记录",
    "Visits",
    columns=(
        ColumnSpec("visit_id", "integer", "进站编号", "visit id"),
        ColumnSpec("visit_date", "date", "进站日期", "visit date"),
    ),
    time_column="visit_date",
)


def test_a_parquet_file_of_text_dates_still_loads(tmp_path: Path) -> None:
    rows = "('1', '2015-08-03'), ('2', ' 2015-12-31 ')"
    parquet = _parquet(tmp_path / "visits.parquet", rows, "visit_id, visit_date")
    connection = duckdb.connect()
    load_tables(connection, [VISITS], {"visits": Source(parquet, "parquet")})
    loaded = connection.execute("SELECT visit_id, visit_date FROM visits").fetchall()
    assert loaded == [(1, dt.date(2015, 8, 3)), (2, dt.date(2015, 12, 31))]


def test_a_text_date_in_a_parquet_file_that_is_no_date_is_located(tmp_path: Path) -> None:
    rows = "('1', '2015-08-03'), ('2', '2015-02-30'), ('x', '2015-08-04')"
    parquet = _parquet(tmp_path / "visits.parquet", rows, "visit_id, visit_date")
    assert _problems(Source(parquet, "parquet"), VISITS) == {
        (
            2,
            "E303",
            "visit_date",
            "row 2: cannot read '2015-02-30' in column 'visit_date' as a date",
        ),
        (3, "E303", "visit_id", "row 3: cannot read 'x' in column 'visit_id' as a whole number"),
    }


KPI = TableSpec(
    "kpi",
    "指标",
    "KPI values",
    columns=(
        ColumnSpec("subject", "text", "对象", "subject"),
        ColumnSpec("period", "month", "月份", "month"),
        ColumnSpec("value", "decimal", "数值", "value"),
    ),
)


def test_timestamps_in_a_month_column_are_their_month(tmp_path: Path) -> None:
    rows = (
        "('一组', TIMESTAMP '2026-03-15 10:30:00', 95::INTEGER), "
        "('二组', TIMESTAMP '2026-04-01 00:00:00', 80), "
        "('三组', TIMESTAMP '2025-12-31 23:59:59', 70)"
    )
    parquet = _parquet(tmp_path / "kpi.parquet", rows, "subject, period, value")
    connection = duckdb.connect()
    load_tables(connection, [KPI], {"kpi": Source(parquet, "parquet")})
    loaded = connection.execute("SELECT subject, period, value FROM kpi").fetchall()
    assert loaded == [
        ("一组", dt.date(2026, 3, 1), Decimal(95)),
        ("二组", dt.date(2026, 4, 1), Decimal(80)),
        ("三组", dt.date(2025, 12, 1), Decimal(70)),
    ]


def test_a_date_beyond_the_years_of_a_timestamp_cannot_be_a_time(tmp_path: Path) -> None:
    """Dates convert to times at midnight, except beyond year 294247, where times end."""
    opened = ColumnSpec("opened_at", "timestamp", "报修时间", "opened")
    spec = attrs.evolve(VISITS, name="opened", columns=(VISITS.columns[0], opened))
    rows = "(1::BIGINT, DATE '2026-01-05'), (2, DATE '300000-01-01')"
    parquet = _parquet(tmp_path / "opened.parquet", rows, "visit_id, opened_at")
    assert _problems(Source(parquet, "parquet"), spec) == {
        (
            2,
            "E303",
            "opened_at",
            "row 2: cannot read '300000-01-01' in column 'opened_at' as a date and time",
        )
    }
    connection = duckdb.connect()
    [loaded] = load_tables(
        connection, [spec], {"opened": Source(parquet, "parquet")}, rejects=tmp_path / "r.csv"
    )
    assert loaded.rows == 1
    times = connection.execute("SELECT opened_at FROM opened").fetchall()
    assert times == [(dt.datetime(2026, 1, 5, 0, 0),)]


# -- what loading leaves behind, and in which order ------------------------------------------

MANY = 20_000  # rows, in row groups of 500, read by several threads


def _numbered_parquet(path: Path) -> Path:
    """Visits 0 .. MANY-1 in this order; every 1000th (0, 1000, …) has no date."""
    with duckdb.connect() as connection:
        connection.execute(
            "COPY (SELECT range AS visit_id, CASE WHEN range % 1000 <> 0 THEN DATE '2015-08-01' "
            f"END AS visit_date FROM range({MANY})) TO '{path}' "
            "(FORMAT parquet, ROW_GROUP_SIZE 500)"
        )
    return path


def test_rows_keep_the_order_of_the_file_and_bad_ones_leave_no_gap(tmp_path: Path) -> None:
    parquet = _numbered_parquet(tmp_path / "visits.parquet")
    connection = duckdb.connect()
    connection.execute("SET threads = 4")
    [loaded] = load_tables(
        connection, [VISITS], {"visits": Source(parquet, "parquet")}, rejects=tmp_path / "r.csv"
    )
    assert (loaded.read, loaded.rows) == (MANY, MANY - MANY // 1000)
    ids = [row[0] for row in connection.execute("SELECT visit_id FROM visits").fetchall()]
    assert ids == [i for i in range(MANY) if i % 1000 != 0]


def test_loading_leaves_only_the_input_tables(tmp_path: Path) -> None:
    csv_path = tmp_path / "tickets.csv"
    csv_path.write_text("\n".join(TYPED_CSV[:3]) + "\n", encoding="utf-8")
    parquet = _numbered_parquet(tmp_path / "visits.parquet")
    sources = {"tickets": Source(csv_path, "csv"), "visits": Source(parquet, "parquet")}
    connection = duckdb.connect()
    load_tables(connection, [TICKETS, VISITS], sources, rejects=tmp_path / "r.csv")
    tables = connection.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name"
    ).fetchall()
    assert tables == [("tickets",), ("visits",)]


def test_a_column_stored_in_its_type_is_used_as_it_is() -> None:
    """Only the text column, and the date stored as text, are read as text."""
    spec = attrs.evolve(
        VISITS,
        columns=(
            *VISITS.columns,
            ColumnSpec("customer_id", "text", "客户编号", "customer id"),
            ColumnSpec("month", "month", "月份", "month"),
            ColumnSpec("paid", "decimal", "金额", "paid"),
            ColumnSpec("other_date", "date", "日期", "date"),
        ),
    )
    types = {
        "visit_id": "INTEGER",
        "visit_date": "TIMESTAMP",
        "customer_id": "VARCHAR",
        "month": "DATE",
        "paid": "DECIMAL(18,2)",
        "other_date": "VARCHAR",
    }
    found = {r.column.name: r for r in readings(spec, types)}
    assert found["visit_id"].typed == 'CAST(s."visit_id" AS BIGINT)'
    assert found["visit_date"].typed == 'CAST(s."visit_date" AS DATE)'
    assert (
        found["month"].typed
        == 'coalesce(s."month" - CAST(day(s."month") - 1 AS INTEGER), s."month")'
    )
    assert found["paid"].typed == 'CAST(s."paid" AS DECIMAL(38,9))'
    assert found["customer_id"].typed == (
        'CASE WHEN (unicode(s."customer_id") NOT BETWEEN 33 AND 127 '
        'AND trim(s."customer_id") = \'\') THEN NULL ELSE trim(s."customer_id") END'
    )
    # ISO dates first, then the other styles (see test_exports.py)
    iso = 'coalesce(TRY_CAST(trim(s."other_date") AS DATE)'
    assert found["other_date"].typed.startswith(iso)
    # only the date read from text is checked against what was given
    assert [name for name, r in found.items() if r.given is not None] == ["other_date"]


NAMES = TableSpec(
    "names",
    "名单",
    "Names",
    columns=(
        ColumnSpec("name", "text", "姓名", "name"),
        ColumnSpec("note", "text", "备注", "note", required=False),
    ),
)


def test_a_text_of_spaces_is_blank_and_other_text_loses_surrounding_spaces(
    tmp_path: Path,
) -> None:
    """Spaces, ideographic spaces (U+3000) and no-break spaces are blank; a tab is not.
    A text keeps what stands between its first and last character other than a space.
    """
    rows = "('张三', ' 甲 '), ('李四', '\u3000\u3000'), ('S1-接待组', ' \u00a0 '), ('王五', '\t')"
    parquet = _parquet(tmp_path / "names.parquet", rows, "name, note")
    connection = duckdb.connect()
    load_tables(connection, [NAMES], {"names": Source(parquet, "parquet")})
    assert connection.execute("SELECT name, note FROM names").fetchall() == [
        ("张三", "甲"),
        ("李四", None),
        ("S1-接待组", None),
        ("王五", "\t"),
    ]
    blank = tmp_path / "blank.csv"
    blank.write_text("name,note\n\u3000,x\n", encoding="utf-8")
    assert _problems(Source(blank, "csv"), NAMES) == {
        (1, "E305", "name", "row 1: no value in column 'name'")
    }
