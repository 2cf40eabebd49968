"""Every run, kept: its manifest, its results, who ran it and when, in a DuckDB file.

A project records each `assessor run` in ``history.duckdb``. Re-running a period records a
new run and says what changed against the last run of that period; ``assessor history``
lists the runs, and a subject's trend across periods comes from the latest run of each.
A run is recorded in one transaction: an interrupted or failed recording leaves the history
as it was.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import socket
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from assessor.errors import AssessorError, DataLocation, Diagnostic
from assessor.results import COLUMNS, TOTAL_COLUMNS, Total

HISTORY_FILE = "history.duckdb"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS runs (run_id INTEGER PRIMARY KEY, started_at TIMESTAMP, "
    "run_by VARCHAR, host VARCHAR, scheme VARCHAR, scheme_sha256 VARCHAR, "
    "period_from VARCHAR, period_to VARCHAR, outcomes INTEGER, net DECIMAL(18, 2), "
    "manifest VARCHAR)",
    # added after the first release: histories written before it gain the column
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS scheme_version VARCHAR",
    "CREATE TABLE IF NOT EXISTS results (run_id INTEGER, "
    + ", ".join(f"{c} VARCHAR" for c in COLUMNS if c != "amount")
    + ", amount DECIMAL(18, 2))",
    "CREATE TABLE IF NOT EXISTS totals (run_id INTEGER, "
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


def record_run(path: Path, assessment: Any) -> tuple[int, list[Change]]:
    """Store a run; its number and what changed against the last run of each period."""
    manifest = assessment.manifest
    totals = list(assessment.totals)
    with _connect(path) as connection:
        for statement in _SCHEMA:
            connection.execute(statement)
        previous = _latest_totals(connection, {t.period for t in totals})
        connection.execute("BEGIN TRANSACTION")
        try:
            run_id = connection.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()[
                0
            ]
            connection.execute(
                "INSERT INTO runs (run_id, started_at, run_by, host, scheme, scheme_sha256, "
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
            _insert(connection, "results", run_id, COLUMNS, assessment.outcomes)
            _insert(connection, "totals", run_id, TOTAL_COLUMNS, totals)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return run_id, _changes(previous, totals)


def _insert(connection: Any, table: str, run_id: int, columns: tuple[str, ...], rows) -> None:
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
    connection.register("assessor_rows", pa.table(data))
    try:
        connection.execute(f"INSERT INTO {table} BY NAME SELECT * FROM assessor_rows")
    finally:
        connection.unregister("assessor_rows")


def _latest_totals(connection: Any, periods: Iterable[str]) -> dict[tuple, tuple[str, Decimal]]:
    """Per (period, role, subject): grade and amount in the last run of that period."""
    found = connection.execute(
        "SELECT period, role, subject, grade, amount FROM totals t WHERE run_id = "
        "(SELECT max(run_id) FROM totals u WHERE u.period = t.period) AND list_contains(?, period)",
        [sorted(periods)],
    ).fetchall()
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


def list_runs(path: Path) -> list[tuple]:
    """Every run: number, when, who, scheme and its version, periods, outcomes and net."""
    with _connect(path, read_only=True) as connection:
        version = (
            "scheme_version"
            if any(c[0] == "scheme_version" for c in connection.execute("DESCRIBE runs").fetchall())
            else "NULL"
        )
        return connection.execute(
            f"SELECT run_id, started_at, run_by, scheme, {version}, period_from, period_to, "
            "outcomes, net FROM runs ORDER BY run_id"
        ).fetchall()


def subject_trend(path: Path, subject: str) -> list[tuple]:
    """A subject's points, grade and amount per period, from the latest run of each."""
    with _connect(path, read_only=True) as connection:
        return connection.execute(
            "SELECT period, role, points, grade, amount, run_id FROM totals t WHERE subject = ? "
            "AND run_id = (SELECT max(run_id) FROM totals u WHERE u.period = t.period) "
            "ORDER BY period, role",
            [subject],
        ).fetchall()
