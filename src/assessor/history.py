"""Every run, kept: its manifest, its results, who ran it and when, in a DuckDB file.

A project records each `assessor run` in ``history.duckdb``. Re-running a period records a
new run and says what changed against the last run of that period; ``assessor history``
lists the runs, and a subject's trend across periods comes from the latest run of each.
A run is recorded in one transaction: an interrupted or failed recording leaves the history
as it was.

A project whose engine is PostgreSQL keeps the same tables in that database instead
(``assessor_runs``, ``assessor_results``, ``assessor_totals`` in a schema of their own). The
logic is one; the two stores differ only in how they connect, name tables and insert rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import socket
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from assessor.errors import AssessorError, DataLocation, Diagnostic
from assessor.results import COLUMNS, TOTAL_COLUMNS, Total

HISTORY_FILE = "history.duckdb"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS {runs} (run_id INTEGER PRIMARY KEY, started_at TIMESTAMP, "
    "run_by VARCHAR, host VARCHAR, scheme VARCHAR, scheme_sha256 VARCHAR, "
    "period_from VARCHAR, period_to VARCHAR, outcomes INTEGER, net DECIMAL(18, 2), "
    "manifest VARCHAR)",
    # added after the first release: histories written before it gain the column
    "ALTER TABLE {runs} ADD COLUMN IF NOT EXISTS scheme_version VARCHAR",
    "CREATE TABLE IF NOT EXISTS {results} (run_id INTEGER, "
    + ", ".join(f"{c} VARCHAR" for c in COLUMNS if c != "amount")
    + ", amount DECIMAL(18, 2))",
    "CREATE TABLE IF NOT EXISTS {totals} (run_id INTEGER, "
    + ", ".join(f"{c} VARCHAR" for c in TOTAL_COLUMNS if c != "amount")
    + ", amount DECIMAL(18, 2))",
)


@attrs.frozen
class Change:
    """A subject's period whose grade or net amount differs from the last run of it."""

    period: str
    role: str
    subject: str
    before: tuple[str, Decimal]  # grade, amount
    after: tuple[str, Decimal]

    def describe(self) -> str:
        """``2026-03 team 城东组: grade 良好 → 合格, amount 800 → 300``."""
        parts = []
        if self.before[0] != self.after[0]:
            parts.append(f"grade {self.before[0] or '-'} → {self.after[0] or '-'}")
        if self.before[1] != self.after[1]:
            parts.append(f"amount {self.before[1]} → {self.after[1]}")
        return f"{self.period} {self.role} {self.subject}: " + ", ".join(parts)


@attrs.frozen
class PostgresHistory:
    """A results history kept in a PostgreSQL database (a project whose engine is
    PostgreSQL), in the tables ``assessor_runs``, ``assessor_results`` and
    ``assessor_totals`` of a schema of its own.
    """

    url: str
    schema: str = "assessor"

    def describe(self) -> str:
        """Where the runs are, for a person: ``PostgreSQL schema assessor``."""
        return f"PostgreSQL schema {self.schema}"


# Where a history is: the project's history.duckdb, or a schema of a PostgreSQL database.
Where = Path | PostgresHistory


def describe(where: Where) -> str:
    """Where the runs are, for a person."""
    return where.name if isinstance(where, Path) else where.describe()


class _Store:
    """An open history: its connection and what differs between DuckDB and PostgreSQL,
    which is little. Statements are written once, with ``{runs}``, ``{results}`` and
    ``{totals}`` for the tables and ``?`` for each value (values never enter SQL text).
    """

    def __init__(self, connection: Any, tables: Mapping[str, str], marker: str) -> None:
        self.connection = connection
        self.tables = tables
        self._marker = marker

    def sql(self, text: str) -> str:
        """A statement for this store: its table names and parameter markers."""
        return text.replace("?", self._marker).format(**self.tables)

    def execute(self, text: str, parameters: list | None = None) -> list[tuple]:
        """Run one statement; its rows (none for a statement without)."""
        cursor = self.connection.execute(self.sql(text), parameters)
        return cursor.fetchall() if cursor.description is not None else []

    def create(self) -> None:
        """The tables, if they do not exist yet."""
        for statement in _SCHEMA:
            self.execute(statement)

    def exists(self) -> bool:
        """Whether a run was ever recorded here."""
        return True

    def lock(self) -> None:
        """Keep other runs from recording until this one commits (one number per run)."""

    def insert(self, table: str, data: Mapping[str, Any]) -> None:
        """Insert columns of values (``data``: name -> Arrow array) into a table."""
        import pyarrow as pa

        self.connection.register("assessor_rows", pa.table(dict(data)))
        try:
            self.execute(f"INSERT INTO {{{table}}} BY NAME SELECT * FROM assessor_rows")
        finally:
            self.connection.unregister("assessor_rows")

    def columns(self, table: str) -> set[str]:
        """The columns a table has (a history from an older release may lack some)."""
        return {row[0] for row in self.execute(f"DESCRIBE {{{table}}}")}


class _PostgresStore(_Store):
    """A history in PostgreSQL: its own schema, rows sent by COPY."""

    def __init__(self, connection: Any, schema: str) -> None:
        names = {t: f"{_quoted(schema)}.{_quoted('assessor_' + t)}" for t in _TABLES}
        super().__init__(connection, names, "%s")
        self.schema = schema

    def create(self) -> None:
        """The schema and its tables, if they do not exist yet."""
        self.execute(f"CREATE SCHEMA IF NOT EXISTS {_quoted(self.schema)}")
        super().create()

    def exists(self) -> bool:
        """Whether the runs table is there."""
        found = self.connection.execute("SELECT to_regclass(%s)", [self.tables["runs"]])
        return found.fetchone()[0] is not None

    def lock(self) -> None:
        """Concurrent runs on other machines wait here until this one commits."""
        self.execute("LOCK TABLE {runs} IN SHARE ROW EXCLUSIVE MODE")

    def insert(self, table: str, data: Mapping[str, Any]) -> None:
        """Insert columns of values by COPY, typed by the driver (no values in SQL text)."""
        names = list(data)
        columns = [data[name].to_pylist() for name in names]
        statement = f"COPY {self.tables[table]} ({', '.join(names)}) FROM STDIN"
        with self.connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in zip(*columns, strict=True):
                copy.write_row(row)

    def columns(self, table: str) -> set[str]:
        """Always the current ones: ``create`` adds what an older history lacks."""
        return {"scheme_version"}


_TABLES = ("runs", "results", "totals")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextlib.contextmanager
def _open(where: Where, read_only: bool = False) -> Iterator[_Store]:
    """The history's store, open for the block."""
    if isinstance(where, PostgresHistory):
        with _postgres(where) as store:
            yield store
        return
    with _connect(where, read_only) as connection:
        yield _Store(connection, {t: t for t in _TABLES}, "?")


@contextlib.contextmanager
def _postgres(where: PostgresHistory) -> Iterator[_Store]:
    """A connection to the history's database; a refused statement (no right to create the
    schema, say) is a located error, E704.
    """
    import psycopg

    from assessor.engine.backends import connect_psycopg

    connection = connect_psycopg(where.url)
    try:
        yield _PostgresStore(connection, where.schema)
    except psycopg.Error as error:
        raise AssessorError(
            [
                Diagnostic(
                    "E704",
                    "cannot keep the results history in PostgreSQL schema "
                    f"{where.schema}: {str(error).strip().splitlines()[0]}",
                    None,
                    "the user needs the right to create the schema (or, once it exists, to "
                    "write its tables); or set history: schema: in assessor.yaml to one it may "
                    "write",
                )
            ]
        ) from None
    finally:
        connection.close()


def _connect(path: Path, read_only: bool = False) -> Any:
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=read_only)
    except Exception as error:  # locked by another process, or not a DuckDB file
        raise AssessorError(
            [
                Diagnostic(
                    "E603",
                    f"cannot open the results history: {str(error).splitlines()[0]}",
                    DataLocation(str(path)),
                    "another assessor may be running on this project (wait for it); if the file "
                    "is damaged, move it away and the next run starts a new history",
                )
            ]
        ) from None


def record_run(where: Where, assessment: Any) -> tuple[int, list[Change]]:
    """Store a run (in ``history.duckdb`` at a path, or in PostgreSQL); its number and what
    changed against the last run of each period. One transaction: all of it, or nothing.
    """
    manifest = assessment.manifest
    totals = list(assessment.totals)
    with _open(where) as store:
        store.create()
        previous = _latest_totals(store, {t.period for t in totals})
        store.execute("BEGIN TRANSACTION")
        try:
            store.lock()
            run_id = store.execute("SELECT coalesce(max(run_id), 0) + 1 FROM {runs}")[0][0]
            store.execute(
                "INSERT INTO {runs} (run_id, started_at, run_by, host, scheme, scheme_sha256, "
                "period_from, period_to, outcomes, net, manifest, scheme_version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    dt.datetime.now().replace(microsecond=0),
                    _user(),
                    socket.gethostname(),
                    manifest["scheme"]["title"],
                    manifest["scheme"]["sha256"],
                    manifest["periods"]["from"],
                    manifest["periods"]["to"],
                    len(assessment.outcomes),
                    sum((t.amount for t in totals), Decimal(0)),
                    json.dumps(manifest, ensure_ascii=False, sort_keys=True),
                    manifest["scheme"]["version"],
                ],
            )
            _insert(store, "results", run_id, COLUMNS, assessment.outcomes)
            _insert(store, "totals", run_id, TOTAL_COLUMNS, totals)
            store.execute("COMMIT")
        except BaseException:
            store.execute("ROLLBACK")
            raise
    return run_id, _changes(previous, totals)


def _insert(store: _Store, table: str, run_id: int, columns: tuple[str, ...], rows) -> None:
    import pyarrow as pa

    data = {"run_id": pa.array([run_id] * len(rows), pa.int32())}
    for column in columns:
        # a subject of one of many stores is recorded with its store: `S017 / 接待2组`
        values = [row.who if column == "subject" else getattr(row, column) for row in rows]
        data[column] = (
            pa.array(values, pa.decimal128(18, 2))
            if column == "amount"
            else pa.array([str(v) for v in values], pa.string())
        )
    store.insert(table, data)


def _latest_totals(store: _Store, periods: Iterable[str]) -> dict[tuple, tuple[str, Decimal]]:
    """Per (period, role, subject): grade and amount in the last run of that period."""
    found = store.execute(
        "SELECT period, role, subject, grade, amount FROM {totals} t WHERE run_id = "
        "(SELECT max(run_id) FROM {totals} u WHERE u.period = t.period) "
        "AND period IN (SELECT unnest(CAST(? AS VARCHAR[])))",
        [sorted(periods)],
    )
    return {(p, r, s): (g, a) for p, r, s, g, a in found}


def _changes(previous: Mapping[tuple, tuple[str, Decimal]], totals: list[Total]) -> list[Change]:
    changes = []
    for total in totals:
        key = (total.period, total.role, total.who)
        before = previous.get(key)
        after = (total.grade, total.amount)
        if before is not None and before != after:
            changes.append(Change(*key, before, after))
    return changes


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "unknown"


def list_runs(where: Where) -> list[tuple]:
    """Every run: number, when, who, scheme and its version, periods, outcomes and net."""
    with _open(where, read_only=True) as store:
        if not store.exists():
            return []
        version = "scheme_version" if "scheme_version" in store.columns("runs") else "NULL"
        return store.execute(
            f"SELECT run_id, started_at, run_by, scheme, {version}, period_from, period_to, "
            "outcomes, net FROM {runs} ORDER BY run_id"
        )


def subject_trend(where: Where, subject: str) -> list[tuple]:
    """A subject's points, grade and amount per period, from the latest run of each."""
    with _open(where, read_only=True) as store:
        if not store.exists():
            return []
        return store.execute(
            "SELECT period, role, points, grade, amount, run_id FROM {totals} t "
            "WHERE subject = ? AND run_id = "
            "(SELECT max(run_id) FROM {totals} u WHERE u.period = t.period) "
            "ORDER BY period, role",
            [subject],
        )
