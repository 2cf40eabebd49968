"""Input rows checked against their table's declaration: types, blanks, ranges, choices and
row rules; located reports without --rejects, and reconciling counts with it.

The table and file are made up for the test; every expected problem is read off the file by
hand (row numbers count data rows from 1; lines count the header as line 1).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import attrs
import duckdb
import pytest

from assessor.data.load import load_tables
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
