"""Input files -> typed tables in the backend, checked before any rule sees them.

A data folder holds one file per input table, named after it: ``visits.csv`` or
``visits.parquet``. Values are parsed by DuckDB itself (no rows pass through Python); what
cannot be read is an error naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from assessor.data import rows
from assessor.data.rows import raw_name
from assessor.errors import AssessorError, DataLocation, Diagnostic, fail
from assessor.model.registry import RowRule, TableSpec

_SUFFIXES = (".csv", ".parquet")


@attrs.frozen
class LoadedTable:
    """A table registered with the backend: where it came from and how many rows it has.

    ``read`` rows were in the file; ``rows`` of them are used and ``rejected`` broke a rule
    of the table (only with rejects on; otherwise a broken rule stops the run).
    """

    name: str
    path: Path
    rows: int
    sha256: str
    read: int = 0
    rejected: int = 0


def find_files(specs: Iterable[TableSpec], folder: Path) -> dict[str, Path]:
    """The file of every table, or one error listing every table without a file."""
    if not folder.is_dir():
        fail(
            "E301",
            f"data folder {str(folder)!r} does not exist",
            DataLocation(str(folder)),
            "pass the folder holding one file per input table with --data",
        )
    found: dict[str, Path] = {}
    problems = []
    for spec in specs:
        candidates = [
            folder / f"{spec.name}{s}" for s in _SUFFIXES if (folder / f"{spec.name}{s}").is_file()
        ]
        if len(candidates) == 1:
            found[spec.name] = candidates[0]
            continue
        names = " or ".join(f"{spec.name}{s}" for s in _SUFFIXES)
        message = (
            f"no file for input table {spec.name!r} ({spec.label_zh})"
            if not candidates
            else f"both {spec.name}.csv and {spec.name}.parquet exist for input table {spec.name!r}"
        )
        problems.append(
            Diagnostic(
                "E301",
                message,
                DataLocation(str(folder)),
                f"put exactly one of {names} in the data folder; columns: "
                + ", ".join(c.name for c in spec.columns),
            )
        )
    if problems:
        raise AssessorError(problems)
    return found


def load_tables(
    connection: Any,
    specs: Iterable[TableSpec],
    files: dict[str, Path],
    rules: Mapping[str, Sequence[RowRule]] | None = None,
    rejects: Path | None = None,
) -> list[LoadedTable]:
    """Create one typed table per input in a DuckDB connection and check every row.

    A row breaks its table when a value does not have its column's type, a required value is
    blank, a number is outside its column's range, a text is not among its choices, or it
    breaks one of the table's rules (or one of ``rules``, which the scheme adds). Without
    ``rejects`` the first such rows are reported and loading stops; with it, every bad row
    is written there (one line per row, with every problem) and left out.
    Raises with a located diagnostic for a missing column, an unreadable file, an empty
    table or a duplicate key.
    """
    loaded = []
    bad_tables = []
    problems: list[Diagnostic] = []
    for spec in specs:
        path = files[spec.name]
        if path.suffix == ".csv":
            _load_csv(connection, spec, path)
        else:
            _load_parquet(connection, spec, path)
        checks = rows.checks(spec, [*spec.rules, *(rules or {}).get(spec.name, ())])
        bad = rows.find_bad_rows(connection, spec, checks)
        if bad and rejects is None:
            # every table's bad rows are reported together, so one export fixes them all
            problems.extend(rows.diagnostics(connection, spec, path, bad))
            continue
        read, used = rows.keep_good_rows(connection, spec, bad)
        if used == 0 and not (spec.may_be_empty and read == 0):
            fail(
                "E304",
                f"input table {spec.name!r} has no rows"
                + (f" left: all {read} broke its rules (see the rejects file)" if read else ""),
                DataLocation(str(path)),
                "export the records again; an empty export usually means a wrong filter",
            )
        _check_unique_rows(connection, spec, path)
        if bad:
            bad_tables.append((spec, path))
        loaded.append(LoadedTable(spec.name, path, used, file_sha256(path), read, read - used))
    if problems:
        raise AssessorError(problems)
    if rejects is not None:
        rows.write_rejects(connection, bad_tables, rejects)
    return loaded


def _check_unique_rows(connection: Any, spec: TableSpec, path: Path) -> None:
    """Two rows for the same key (a subject's KPI in a month) would be counted twice."""
    if not spec.key:
        return
    keys = ", ".join(f'"{k}"' for k in spec.key)
    found = _query(
        connection,
        f'SELECT {keys}, count(*) FROM "{spec.name}" GROUP BY {keys} HAVING count(*) > 1 '
        f"ORDER BY {keys} LIMIT 1",
    )
    if found:
        *values, count = found[0]
        shown = ", ".join(
            f"{k} {v:%Y-%m}" if hasattr(v, "year") else f"{k} {v}"
            for k, v in zip(spec.key, values, strict=True)
        )
        fail(
            "E309",
            f"{path.name}: {count} rows for {shown}",
            DataLocation(str(path)),
            "keep one row per " + ", ".join(spec.key) + "; add the values up before exporting "
            "if they are parts of one number",
        )


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (files may be larger than memory)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except UnicodeDecodeError:
        _not_utf8(path, _first_undecodable_line(path))


def _not_utf8(path: Path, line: int | None) -> None:
    fail(
        "E303",
        f"{path.name} is not UTF-8 text",
        DataLocation(str(path), line),
        "save the file as CSV UTF-8 (Excel: 另存为 > CSV UTF-8); GBK files are read in a "
        "later version",
    )


def _first_undecodable_line(path: Path) -> int | None:
    """Only on the error path: the first line that is not valid UTF-8."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def _require_columns(spec: TableSpec, path: Path, header: list[str]) -> None:
    missing = [c.name for c in spec.columns if c.name not in header]
    if missing:
        fail(
            "E302",
            f"{path.name} has no column {', '.join(repr(c) for c in missing)}",
            DataLocation(str(path), 1),
            f"its header is: {', '.join(header) or '(empty)'}; expected: "
            + ", ".join(c.name for c in spec.columns),
        )


def _load_csv(connection: Any, spec: TableSpec, path: Path) -> None:
    """The declared columns as text, in file order, into the table's raw stage."""
    header = _csv_header(path)
    _require_columns(spec, path, header)
    columns = ", ".join(f"'{_sql_string(h)}': 'VARCHAR'" for h in header)
    rejects = f"rejects_{spec.name}"
    _query(
        connection,
        f'CREATE OR REPLACE TABLE "{raw_name(spec)}" AS SELECT {_select_list(spec)} FROM '
        f"read_csv(?, header=true, columns={{{columns}}}, store_rejects=true, "
        f"rejects_table='{rejects}', rejects_scan='{rejects}_scan', auto_detect=false, "
        "delim=',', quote='\"', escape='\"')",
        [str(path)],
    )
    bad = _query(connection, f"SELECT line, error_message FROM {rejects} ORDER BY line LIMIT 1")
    if bad:
        line, message = bad[0]
        if "unicode" in message.lower():
            _not_utf8(path, int(line))
        fail(
            "E303",
            f"{path.name}: this line does not have the header's number of fields",
            DataLocation(str(path), int(line)),
            message.splitlines()[0],
        )


def _load_parquet(connection: Any, spec: TableSpec, path: Path) -> None:
    """The declared columns as text, in file order, into the table's raw stage (so a Parquet
    file is checked by the same rules as a CSV file).
    """
    described = _query(connection, "DESCRIBE SELECT * FROM read_parquet(?)", [str(path)])
    _require_columns(spec, path, [row[0] for row in described])
    text = ", ".join(f'CAST("{c.name}" AS VARCHAR) AS "{c.name}"' for c in spec.columns)
    _query(
        connection,
        f'CREATE OR REPLACE TABLE "{raw_name(spec)}" AS SELECT {text} '
        f"FROM read_parquet('{_sql_string(str(path))}')",
    )


def _select_list(spec: TableSpec) -> str:
    return ", ".join(f'"{c.name}"' for c in spec.columns)


def _query(connection: Any, sql: str, parameters: list | None = None) -> list[tuple]:
    """Run one statement and fetch all of it (DuckDB refuses new work while a result is open)."""
    return connection.execute(sql, parameters or []).fetchall()


def _sql_string(text: str) -> str:
    return text.replace("'", "''")
