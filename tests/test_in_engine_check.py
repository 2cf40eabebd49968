"""The checker of input tables read in place (``data.in_engine_check``), shared by PostgreSQL
and Spark, run on DuckDB as a third engine: the shared SQL alone, without a server.

DuckDB spells standard SQL as it is and has a row id of its own (``rowid``, from 0), so the
three ways a row is named (its key, the engine's row id, its values) are each tried on the
same five rows. Every expected problem, row name and rejected line is read off the rows below
by hand, with the messages of ``data.rows``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import attrs
import duckdb
import pytest

from assessor.data import rows
from assessor.data.in_engine import TableInEngine
from assessor.data.in_engine_check import EngineSql, Stage, check_in_place
from assessor.data.rows import Reading, quoted
from assessor.errors import AssessorError
from assessor.model.registry import ColumnSpec, RowRule, TableSpec

VISITS = TableSpec(
    "visits",
    "进站",
    "visits",
    columns=(
        ColumnSpec("visit_id", "integer", "编号", "visit id"),
        ColumnSpec("customer", "text", "客户", "customer", choices=("A", "B")),
        ColumnSpec("score", "decimal", "分数", "score", minimum=Decimal(0), maximum=Decimal(10)),
    ),
    rules=(
        RowRule(
            "score_not_below_id",
            "分数不低于编号",
            "score not below id",
            ("visit_id", "score"),
            lambda t: t.score >= t.visit_id,
        ),
    ),
)
# the company's table: its customer column is called cust, scores are kept as text
SOURCE = [
    (1, "A", "5"),  # good
    (2, "C", "7"),  # customer not a choice (E310)
    (3, "B", "x"),  # score unreadable (E303); the rule reads a null score as kept
    (4, None, "11"),  # customer blank (E305), score above 10 (E310)
    (5, "B", "3"),  # breaks the rule: 3 < 5 (E311)
]
RULE = "breaks the rule: score not below id (分数不低于编号): visit_id=5, score=3.000000000"
# (visit_id, code, column, problem) of every problem, in the order of code and column
PROBLEMS = [
    (2, "E310", "customer", "'C' in column 'customer' is not one of A, B"),
    (3, "E303", "score", "cannot read 'x' in column 'score' as a number"),
    (4, "E305", "customer", "no value in column 'customer'"),
    (4, "E310", "score", "11 in column 'score' is outside 0..10"),
    (5, "E311", "score", RULE),
]

DUCKDB = EngineSql(
    text="VARCHAR",
    record="CAST(json_object({pairs}) AS VARCHAR)",
    ibis_dialect="duckdb",
    distinct="string_agg(DISTINCT {0}, '; ' ORDER BY {0})",
    problems="string_agg(problem, '; ' ORDER BY code, column_name)",
)


@attrs.frozen
class TableInDuckDB(TableInEngine):
    """A table of a DuckDB schema; ``numbered``: rows without a key are named by rowid."""

    numbered: bool = False

    @property
    def row_id(self) -> str | None:
        """DuckDB's own row number, when the test asks for it."""
        return "rowid" if self.numbered else None


@attrs.frozen
class DuckDBPlace:
    """A DuckDB connection as the shared checker uses an engine; rejects are kept in a list."""

    connection: Any
    rejected: list[tuple] = attrs.Factory(list)
    sql: EngineSql = DUCKDB
    container: str = "schema"

    def readings(self, spec: TableSpec, types: Mapping[str, str]) -> tuple[Reading, ...]:
        """DuckDB's own readings of its types."""
        return rows.readings(spec, types)

    def query(self, sql: str) -> list[tuple]:
        """Run one statement; its rows."""
        return self.connection.execute(sql).fetchall()

    @contextmanager
    def set_aside(self, stage: Stage, record: bool) -> Iterator[str]:
        """The bad rows in a temporary table."""
        name = f"{stage.check.spec.name}__flagged"
        self.query(f"CREATE TEMP TABLE {quoted(name)} AS {stage.rows_sql(True, record)}")
        try:
            yield name
        finally:
            self.query(f"DROP TABLE {quoted(name)}")

    def add_rejects(self, stage: Stage) -> None:
        """The rejected lines, kept in Python."""
        with self.set_aside(stage, record=True) as flagged:
            self.rejected.extend(self.query(stage.rejects_sql(flagged)))

    def keep(self, name: str, view: str) -> None:
        """The input as a view of the connection."""
        self.query(f"CREATE VIEW {quoted(name)} AS {view}")

    def fingerprint(self, spec: TableSpec) -> str:
        """Not under test here."""
        return ""


@pytest.fixture
def connection() -> Iterator[Any]:
    """A DuckDB database with the company's table ``src.visits``."""
    with duckdb.connect() as connection:
        connection.execute("CREATE SCHEMA src")
        connection.execute("CREATE TABLE src.visits (visit_id BIGINT, cust VARCHAR, score VARCHAR)")
        connection.executemany("INSERT INTO src.visits VALUES (?, ?, ?)", SOURCE)
        yield connection


def values(visit_id: int) -> str:
    """A row named by its values, under the source's names, as given."""
    _, customer, score = SOURCE[visit_id - 1]
    return f"visit_id={visit_id}, cust={customer or ''}, score={score}"


# how a row is named: by its key, by the engine's row id (rowid counts from 0), by its values
NAMINGS = {
    "key": ({"key": ("visit_id",)}, lambda visit_id: f"visit_id={visit_id}"),
    "row id": ({"numbered": True}, lambda visit_id: f"rowid {visit_id - 1}"),
    "values": ({}, values),
}


def source(naming: str) -> TableInDuckDB:
    """The company's table, its rows named as ``naming`` says."""
    options = NAMINGS[naming][0]
    return TableInDuckDB("src", "visits", "table", renames=(("customer", "cust"),), **options)


def found(table: TableInDuckDB, connection: Any) -> dict[str, tuple[TableInDuckDB, dict]]:
    """The table with DuckDB's type of each of its columns."""
    types = dict(
        connection.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'visits'"
        ).fetchall()
    )
    return {"visits": (table, types)}


@pytest.mark.parametrize("naming", NAMINGS)
def test_bad_rows_are_named_and_stop_the_run(connection: Any, naming: str) -> None:
    place = DuckDBPlace(connection)
    with pytest.raises(AssessorError) as raised:
        check_in_place(place, [VISITS], found(source(naming), connection))
    name = NAMINGS[naming][1]
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        (code, f"src.visits: row {name(visit_id)}: {problem}")
        for visit_id, code, _, problem in PROBLEMS
    ]
    # nothing is left behind: no view, no set-aside rows
    left = "SELECT table_name FROM information_schema.tables WHERE table_schema <> 'src'"
    assert connection.execute(left).fetchall() == []


@pytest.mark.parametrize("naming", NAMINGS)
def test_bad_rows_are_rejected_and_left_out(connection: Any, naming: str) -> None:
    place = DuckDBPlace(connection)
    loaded = check_in_place(place, [VISITS], found(source(naming), connection), rejecting=True)
    assert [(t.name, t.read, t.rows, t.rejected) for t in loaded] == [("visits", 5, 1, 4)]
    assert connection.execute("SELECT * FROM visits").fetchall() == [(1, "A", Decimal(5))]
    name = NAMINGS[naming][1]
    expected = []
    for visit_id in (2, 3, 4, 5):
        own = [p for p in PROBLEMS if p[0] == visit_id]
        columns = "; ".join(sorted({column for _, _, column, _ in own}))
        codes = "; ".join(sorted({code for _, code, _, _ in own}))
        problems = "; ".join(problem for *_, problem in own)
        _, customer, score = SOURCE[visit_id - 1]
        record = {"visit_id": str(visit_id), "customer": customer, "score": score}
        line = ("visits", "src.visits", name(visit_id), None, columns, codes, problems)
        expected.append((*line, record))
    assert [(*r[:7], json.loads(r[7])) for r in place.rejected] == expected


def test_a_table_without_bad_rows_is_read_as_it_is(connection: Any) -> None:
    connection.execute("DELETE FROM src.visits WHERE visit_id > 1")
    loaded = check_in_place(DuckDBPlace(connection), [VISITS], found(source("key"), connection))
    assert [(t.read, t.rows, t.rejected) for t in loaded] == [(1, 1, 0)]
    assert connection.execute("SELECT * FROM visits").fetchall() == [(1, "A", Decimal(5))]
