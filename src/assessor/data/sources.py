"""Where each input table's rows come from, and how the engine reads them.

``--data`` is a folder with one file per table (``visits.csv`` or ``visits.parquet``), or a
folder per table holding its records in several files of one kind (``visits/part-1.csv``,
``visits/part-2.csv``: a month per file, or an export cut in two), read in name order as one
table and each file checked on its own; an XLSX workbook with one sheet per table (the sheet
named after the table; its header is the first row holding every declared column, so title
lines above it are skipped); or a DuckDB database file with one table per input. A Parquet
file or a database table is read in place, each column in its stored type; a CSV file or a
sheet is text, copied once into a raw table. Either way ``data.rows`` then types and checks
the declared columns.

A CSV file is UTF-8 or GB18030 (GBK), detected or declared; ``data.encodings`` gives the
engine a UTF-8 copy of a file in another encoding.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from assessor.data.encodings import (
    AUTO,
    CHUNK,
    GB18030,
    UTF8,
    declared_encoding,
    not_utf8,
    utf8_copy,
    utf8_start,
)
from assessor.data.rows import drop_table, query, quoted, raw_name, sql_literal
from assessor.errors import AssessorError, DataLocation, Diagnostic, fail
from assessor.model.registry import TableSpec

_FILE_SUFFIXES = (".csv", ".parquet")
# how many rows of a sheet may stand above its header (titles, notes, blank rows)
HEADER_ROWS = 20
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
DATABASE_SUFFIXES = (".duckdb", ".db")


@attrs.frozen
class Source:
    """One input table's source: a file, a sheet of a workbook or table of a database
    (``part``), or a folder of files read as one table (``files``).
    """

    path: Path
    kind: str  # csv, parquet, xlsx or duckdb
    part: str | None = None
    # the company's own name of a declared column, where it differs: (declared, own)
    renames: tuple[tuple[str, str], ...] = ()
    # a CSV file's encoding as declared in assessor.yaml (a Python codec name), or auto
    encoding: str = AUTO
    # the line (sheet row) of the header: a sheet may have titles above it
    header_line: int = 1
    # a table's folder (``path``): its files in name order, each one of ``pieces``
    files: tuple[Path, ...] = ()
    # once read, the rows each of ``files`` gave: their rows follow one another in the
    # table, so a row of the table is found in its file by counting
    counts: tuple[int, ...] = ()
    # a file of a table's folder, which messages name with the folder (visits/part-2.csv)
    in_folder: bool = False

    def column(self, declared: str) -> str:
        """The source's name of a declared column."""
        return dict(self.renames).get(declared, declared)

    @property
    def name(self) -> str:
        """How messages name it: ``visits.csv``, ``visits/`` (a folder), ``visits/part-2.csv``
        (a file of it), ``data.xlsx, sheet visits``.
        """
        if self.files:
            return f"{self.path.name}/"
        if self.in_folder:
            return f"{self.path.parent.name}/{self.path.name}"
        if self.part is None:
            return self.path.name
        word = "sheet" if self.kind == "xlsx" else "table"
        return f"{self.path.name}, {word} {self.part}"

    def pieces(self) -> list[Source]:
        """The single sources the table is read from, in order: each file of its folder, or
        the source itself.
        """
        if not self.files:
            return [self]
        return [
            attrs.evolve(self, path=file, files=(), counts=(), in_folder=True)
            for file in self.files
        ]

    def read(self, counts: list[int]) -> Source:
        """The source once read, ``counts`` giving the rows of each of its pieces."""
        return attrs.evolve(self, counts=tuple(counts)) if self.files else self

    def starts(self) -> list[tuple[Source, int]]:
        """Each piece of a source read, with the table's row (from 0) where its rows start."""
        pieces, start, found = self.pieces(), 0, []
        for piece, count in zip(pieces, self.counts or [0] * len(pieces), strict=True):
            found.append((piece, start))
            start += count
        return found

    def piece_at(self, row: int) -> tuple[Source, int]:
        """The piece holding a row of the table (counted from 0), and the row in it."""
        if not self.files:
            return self, row
        piece, start = [(p, s) for p, s in self.starts() if s <= row][-1]
        return piece, row - start

    def line(self, row: int) -> int | None:
        """The line (or sheet row) of a data row counted from 0 in its file; the header is
        line ``header_line`` (1 but in a sheet with titles above its header).
        """
        return row + self.header_line + 1 if self.kind in ("csv", "xlsx") else None

    def location(self, row: int | None = None, column: str | None = None) -> DataLocation:
        """A place in the source, for a diagnostic: a row of a folder's table is placed in
        its own file.
        """
        if self.files and row is not None:
            piece, at = self.piece_at(row)
            return piece.location(at, column)
        where = str(self.path) if self.part is None else f"{self.path} [{self.part}]"
        return DataLocation(where, None if row is None else self.line(row), column)


def find_sources(
    specs: Iterable[TableSpec],
    data: Path,
    renames: Mapping[str, Mapping[str, str]] | None = None,
    encodings: Mapping[str, str] | None = None,
) -> dict[str, Source]:
    """The source of every table, or one error listing every table without one.

    ``renames`` gives, per table, the company's own names of declared columns; ``encodings``
    the declared encoding of a table's CSV file (``auto``, the default: detected).
    """
    specs = list(specs)
    found = _find_sources(specs, data)
    return {
        name: attrs.evolve(
            source,
            renames=tuple(sorted((renames or {}).get(name, {}).items())),
            encoding=(encodings or {}).get(name, AUTO),
        )
        for name, source in found.items()
    }


def _find_sources(specs: list[TableSpec], data: Path) -> dict[str, Source]:
    if data.suffix.lower() in WORKBOOK_SUFFIXES and data.is_file():
        return _parts(specs, data, "xlsx", _sheet_names(data), "sheet")
    if data.suffix.lower() in DATABASE_SUFFIXES and data.is_file():
        return _parts(specs, data, "duckdb", _database_tables(data), "table")
    if not data.is_dir():
        fail(
            "E301",
            f"data {str(data)!r} does not exist",
            DataLocation(str(data)),
            "pass the folder holding one file per input table, an .xlsx workbook with a sheet "
            "per table or a .duckdb database with --data",
        )
    found: dict[str, Source] = {}
    problems = []
    for spec in specs:
        files = [
            Source(data / f"{spec.name}{s}", s[1:])
            for s in _FILE_SUFFIXES
            if (data / f"{spec.name}{s}").is_file()
        ]
        folder = data / spec.name
        named = [f.name for f in files] + ([f"{spec.name}/"] if folder.is_dir() else [])
        if len(named) != 1:
            problems.append(_no_single_source(spec, data, named))
        elif files:
            found[spec.name] = files[0]
        else:
            try:
                found[spec.name] = _folder_source(spec, folder)
            except AssessorError as error:
                problems.extend(error.diagnostics)
    if problems:
        raise AssessorError(problems)
    return found


def _no_single_source(spec: TableSpec, data: Path, named: list[str]) -> Diagnostic:
    """E301: a table has no source in the data folder, or more than one (``named``)."""
    names = " or ".join(f"{spec.name}{s}" for s in _FILE_SUFFIXES)
    if not named:
        message = f"no file for input table {spec.name!r} ({spec.label_zh})"
    else:
        shown = " and ".join(named)
        message = f"both {shown} exist for input table {spec.name!r}: which is it read from?"
    return Diagnostic(
        "E301",
        message,
        DataLocation(str(data)),
        f"put exactly one of {names} or a folder {spec.name}/ of such files in the data "
        "folder; columns: " + ", ".join(c.name for c in spec.columns),
    )


def _folder_source(spec: TableSpec, folder: Path) -> Source:
    """A table's folder: its files in name order, all CSV or all Parquet. Any other file in
    it is an error rather than left out, so no record is silently unread; names starting
    with a dot are the system's (.DS_Store) and are skipped.
    """
    # in the order of their names, the same on every system
    entries = sorted(e for e in folder.iterdir() if not e.name.startswith("."))
    kinds = {e.suffix.lower() for e in entries if e.is_file()} & set(_FILE_SUFFIXES)
    others = [e.name + ("/" if e.is_dir() else "") for e in entries if not _is_part(e)]
    columns = "; columns: " + ", ".join(c.name for c in spec.columns)
    if others:
        fail(
            "E301",
            f"{folder.name}/ holds {', '.join(others)}, which cannot be read as part of input "
            f"table {spec.name!r}",
            DataLocation(str(folder)),
            "a table's folder holds only its CSV files or only its Parquet files (a workbook: "
            "save each sheet as CSV); move anything else out" + columns,
        )
    if not entries:
        fail(
            "E301",
            f"{folder.name}/ is empty: input table {spec.name!r} ({spec.label_zh}) has no file",
            DataLocation(str(folder)),
            f"put the table's CSV or Parquet files in {folder.name}/ (read in name order as "
            "one table)" + columns,
        )
    if len(kinds) > 1:
        fail(
            "E301",
            f"{folder.name}/ mixes CSV and Parquet files for input table {spec.name!r}",
            DataLocation(str(folder)),
            "a table's files are all CSV or all Parquet: convert the others" + columns,
        )
    return Source(folder, kinds.pop()[1:], files=tuple(entries))


def _is_part(entry: Path) -> bool:
    return entry.is_file() and entry.suffix.lower() in _FILE_SUFFIXES


def _parts(
    specs: list[TableSpec], path: Path, kind: str, parts: list[str], word: str
) -> dict[str, Source]:
    missing = [spec for spec in specs if spec.name not in parts]
    if missing:
        raise AssessorError(
            [
                Diagnostic(
                    "E301",
                    f"{path.name} has no {word} {spec.name!r} ({spec.label_zh})",
                    DataLocation(str(path)),
                    f"add a {word} named {spec.name} with the columns "
                    + ", ".join(c.name for c in spec.columns)
                    + f"; it has: {', '.join(parts) or 'none'}",
                )
                for spec in missing
            ]
        )
    return {spec.name: Source(path, kind, spec.name) for spec in specs}


@attrs.frozen
class Stage:
    """An input table's rows as the engine reads them, before they are typed and checked.

    ``relation`` is SQL to read after FROM, giving the declared columns under their declared
    names in source order; ``types`` is the SQL type of each (by declared name). ``table``
    names the working table holding the rows when they were copied (numbered in source order
    by their rowid), or is None when they are read in place from the source.
    """

    relation: str
    types: Mapping[str, str]
    table: str | None = None
    # the source as opened: where its header was found
    source: Source | None = None


def open_source(connection: Any, spec: TableSpec, source: Source) -> Stage:
    """Make a table's declared columns readable by the engine, checking the source has them.

    Text sources (CSV, XLSX) are copied into a raw table of text; typed ones (Parquet, a
    database table) are not copied.
    """
    readers = {
        "csv": _load_csv,
        "parquet": _parquet_stage,
        "xlsx": _load_sheet,
        "duckdb": _database_stage,
    }
    return readers[source.kind](connection, spec, source)


def numbered(connection: Any, spec: TableSpec, stage: Stage) -> Stage:
    """The stage as a working table, whose rowids number the rows in source order.

    Only bad rows need numbers (for the report and the rejects file), so a source read in
    place is copied only then.
    """
    if stage.table is not None:
        return stage
    name = raw_name(spec)
    query(connection, f"CREATE OR REPLACE TABLE {quoted(name)} AS SELECT * FROM {stage.relation}")
    return Stage(quoted(name), stage.types, name, stage.source)


def close_stage(connection: Any, stage: Stage) -> None:
    """Drop the stage's working table, if it has one."""
    if stage.table is not None:
        drop_table(connection, stage.table)


def _require_columns(spec: TableSpec, source: Source, header: list[str]) -> None:
    missing = [
        _own_name(source, c.name) for c in spec.columns if source.column(c.name) not in header
    ]
    if missing:
        location = source.location()
        if source.kind in ("csv", "xlsx"):
            location = attrs.evolve(location, row=source.header_line)
        fail(
            "E302",
            f"{source.name} has no column {', '.join(repr(c) for c in missing)}",
            location,
            f"its header is: {', '.join(header) or '(empty)'}; expected: "
            + ", ".join(source.column(c.name) for c in spec.columns),
        )


# -- CSV and Parquet files ------------------------------------------------------------------


def _csv_header(path: Path) -> list[str]:
    """The header of a UTF-8 file, its first line (a byte order mark is no part of its first
    name). Only that line is decoded: a later one may be in another encoding.
    """
    with path.open("rb") as handle:
        start = handle.read(CHUNK)
    # a line may end in CR alone (Excel for Mac), where readline would take the whole file
    first = re.split(rb"\r\n?|\n", start, maxsplit=1)[0]
    return next(csv.reader([first.decode("utf-8-sig")]), [])


def _load_csv(connection: Any, spec: TableSpec, source: Source) -> Stage:
    """A table's CSV file (or the files of its folder, one after another) as text: the
    declared columns, in a raw table.
    """
    counts = [
        _load_csv_file(connection, spec, piece, append=k > 0)
        for k, piece in enumerate(source.pieces())
    ]
    return _text_stage(spec, source.read(counts))


def _load_csv_file(connection: Any, spec: TableSpec, source: Source, append: bool) -> int:
    """Read one CSV file's declared columns into the raw table (``append``: after the rows
    already there); how many rows it has. The engine reads it, from a UTF-8 copy when the
    file is in another encoding; each file of a folder has its own.
    """
    encoding = declared_encoding(source.encoding)
    if encoding == AUTO:
        encoding = UTF8 if utf8_start(source.path) else GB18030
    if encoding != UTF8:
        with utf8_copy(source, encoding) as copy:
            return _read_csv(connection, spec, source, copy, encoding, append) or 0
    try:
        count = _read_csv(connection, spec, source, source.path, encoding, append)
    except _MixedLineEndings:
        # lines appended by another program: a copy with one line ending throughout
        with utf8_copy(source, encoding) as copy:
            return _read_csv(connection, spec, source, copy, encoding, append) or 0
    if count is not None:
        return count
    # UTF-8 in its first MiB only: GB18030 if the whole file decodes as that
    with utf8_copy(source, GB18030) as copy:
        return _read_csv(connection, spec, source, copy, GB18030, append) or 0


def _read_csv(
    connection: Any, spec: TableSpec, source: Source, path: Path, encoding: str, append: bool
) -> int | None:
    """Copy the declared columns of a UTF-8 file (``path``: the source or its copy) into the
    raw table (``append``: after its rows); how many rows it has. None when a line is not
    UTF-8 and the source's encoding is to be detected: then nothing was added.
    """
    try:
        given = _csv_header(path)
    except UnicodeDecodeError:
        not_utf8(source, 1)
    header = _trimmed_header(given)
    _require_columns(spec, source, list(header))
    columns = ", ".join(f"{sql_literal(h)}: 'VARCHAR'" for h in given)
    rejects = f"rejects_{spec.name}"
    into = f"INSERT INTO {quoted(raw_name(spec))}"
    if not append:
        into = f"CREATE OR REPLACE TABLE {quoted(raw_name(spec))} AS"
    with _undone_unless_read(connection, append) as read:
        count = _reading(
            connection,
            f"{into} SELECT {_select_list(spec, source, header)} FROM "
            f"read_csv(?, header=true, columns={{{columns}}}, store_rejects=true, "
            f"rejects_table='{rejects}', rejects_scan='{rejects}_scan', auto_detect=false, "
            "delim=',', quote='\"', escape='\"')",
            [str(path)],
        )[0][0]
        bad = query(connection, f"SELECT line, error_message FROM {rejects} ORDER BY line LIMIT 1")
        for table in (rejects, f"{rejects}_scan"):
            drop_table(connection, table)  # read; only the first malformed line is reported
        if bad:
            line, message = bad[0]
            if "unicode" in message.lower():
                if source.encoding == AUTO and encoding == UTF8:
                    return None
                not_utf8(source, int(line))
            fail(
                "E303",
                f"{source.name}: this line does not have the header's number of fields",
                DataLocation(str(source.path), int(line)),
                message.splitlines()[0],
            )
        read.append(True)
    return count


@contextmanager
def _undone_unless_read(connection: Any, append: bool) -> Iterator[list[bool]]:
    """Rows appended to the raw table are taken back unless the block marks the file read
    (a file read again in another encoding must not leave its first reading's rows): the
    rows of a table's files must follow one another, numbered from 0 without a gap, and a
    deleted row would leave one. A file read first replaces the table, so needs no undoing.
    """
    read: list[bool] = []
    if not append:
        yield read
        return
    query(connection, "BEGIN TRANSACTION")
    try:
        yield read
    finally:
        query(connection, "COMMIT" if read else "ROLLBACK")


class _MixedLineEndings(Exception):
    """The file mixes CRLF, LF or CR line endings, which the engine's reader cannot follow."""


def _reading(connection: Any, sql: str, parameters: list) -> list[tuple]:
    """Run the query reading a file; one with mixed line endings raises ``_MixedLineEndings``
    (a copy of it has none).
    """
    try:
        return query(connection, sql, parameters)
    except Exception as error:  # duckdb.InvalidInputException: duckdb is imported lazily
        if "state machine reached an invalid state" in str(error):
            raise _MixedLineEndings from error
        raise


def _trimmed_header(given: list[str]) -> dict[str, str]:
    """Each column name without its surrounding spaces, and the name as the file has it."""
    header: dict[str, str] = {}
    for name in given:
        header.setdefault(name.strip(), name)
    return header


def _parquet_stage(connection: Any, spec: TableSpec, source: Source) -> Stage:
    """A Parquet file, or the files of a table's folder one after another, read in place."""
    if not source.files:
        path = sql_literal(str(source.path))
        return _typed_stage(connection, spec, source, f"read_parquet({path})")
    stages = [
        _typed_stage(connection, spec, piece, f"read_parquet({sql_literal(str(piece.path))})")
        for piece in source.pieces()
    ]
    counts = [query(connection, f"SELECT count(*) FROM {s.relation}")[0][0] for s in stages]
    types = {c.name: _common_type([s.types[c.name] for s in stages]) for c in spec.columns}
    # a column stored in different types by different files is read as text from each
    selects = [
        "SELECT "
        + ", ".join(_as_type(quoted(c.name), s.types[c.name], types[c.name]) for c in spec.columns)
        + f" FROM {s.relation}"
        for s in stages
    ]
    relation = "(" + " UNION ALL ".join(selects) + ")"
    return Stage(relation, types, None, source.read(counts))


def _common_type(types: list[str]) -> str:
    """The type of a column over a folder's files: theirs when they agree, else text."""
    return types[0] if len(set(types)) == 1 else "VARCHAR"


def _as_type(column: str, given: str, wanted: str) -> str:
    return column if given == wanted else f"CAST({column} AS {wanted}) AS {column}"


# -- DuckDB database files ------------------------------------------------------------------


def _database_tables(path: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as database:
        return [row[0] for row in database.execute("SHOW TABLES").fetchall()]


def _database_stage(connection: Any, spec: TableSpec, source: Source) -> Stage:
    alias = "assessor_source"
    attached = {row[0] for row in query(connection, "SELECT database_name FROM duckdb_databases()")}
    if alias not in attached:
        query(connection, f"ATTACH {sql_literal(str(source.path))} AS {alias} (READ_ONLY)")
    return _typed_stage(connection, spec, source, f"{alias}.main.{quoted(spec.name)}")


# -- XLSX workbooks -------------------------------------------------------------------------


def _sheet_names(path: Path) -> list[str]:
    from python_calamine import CalamineWorkbook

    return list(CalamineWorkbook.from_path(str(path)).sheet_names)


def _load_sheet(connection: Any, spec: TableSpec, source: Source) -> Stage:
    """A sheet's cells as text. A workbook has to be decoded in Python (the engine cannot
    read XLSX offline); each cell becomes the text a person would have typed into a CSV file.
    Title rows above the header and blank rows below the table are left out.
    """
    import pyarrow as pa
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(source.path)).get_sheet_by_name(source.part)
    rows = sheet.to_python(skip_empty_area=False)
    at = _header_row(spec, source, rows)
    source = attrs.evolve(source, header_line=at + 1)
    names = [str(cell).strip() for cell in rows[at]] if rows else []
    _require_columns(spec, source, names)
    body = rows[at + 1 : _end_of_table(rows)]
    columns = {
        c.name: pa.array(
            [_cell(row, names.index(source.column(c.name))) for row in body], pa.string()
        )
        for c in spec.columns
    }
    connection.register("assessor_sheet", pa.table(columns))
    try:
        query(
            connection,
            f'CREATE OR REPLACE TABLE "{raw_name(spec)}" AS SELECT '
            f"{', '.join(quoted(c.name) for c in spec.columns)} FROM assessor_sheet",
        )
    finally:
        connection.unregister("assessor_sheet")
    return _text_stage(spec, source)


def _header_row(spec: TableSpec, source: Source, rows: list[list[Any]]) -> int:
    """The first row (counted from 0) holding every declared column's name: a sheet may have
    a title and notes above its header. None has them: the row with most of them (first
    among equals), whose missing names ``_require_columns`` reports.
    """
    wanted = {source.column(c.name) for c in spec.columns}
    found = [len(wanted & {str(cell).strip() for cell in row}) for row in rows[:HEADER_ROWS]]
    for at, count in enumerate(found):
        if count == len(wanted):
            return at
    best = max(found, default=0)
    if best == 0 and found:
        fail(
            "E314",
            f"{source.name}: no row holds the table's header",
            attrs.evolve(source.location(), row=1),
            f"the header is looked for in the first {HEADER_ROWS} rows of the sheet, as a row "
            "naming the columns " + ", ".join(source.column(c.name) for c in spec.columns),
        )
    return found.index(best) if found else 0


def _end_of_table(rows: list[list[Any]]) -> int:
    """Where the table ends: blank rows below the last row with a value are no rows."""
    end = len(rows)
    while end > 0 and all(cell in ("", None) for cell in rows[end - 1]):
        end -= 1
    return end


def _cell(row: list[Any], index: int) -> str | None:
    """The text of a row's cell (a short row lacks the last ones)."""
    return cell_text(row[index]) if index < len(row) else None


def cell_text(value: Any) -> str | None:
    """A workbook cell as text: 12 not 12.0, dates as YYYY-MM-DD, times with seconds."""
    import datetime as dt

    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


# -- SQL helpers ----------------------------------------------------------------------------


def _own_name(source: Source, declared: str) -> str:
    own = source.column(declared)
    return own if own == declared else f"{own} (for {declared})"


def _select_list(spec: TableSpec, source: Source, header: Mapping[str, str]) -> str:
    """The declared columns, each read from its column in the file (``header``: a name
    without surrounding spaces -> the name as the file has it).
    """
    return ", ".join(
        f"{quoted(header[source.column(c.name)])} AS {quoted(c.name)}" for c in spec.columns
    )


def _text_stage(spec: TableSpec, source: Source) -> Stage:
    """The stage of a text source, copied into its raw table."""
    name = raw_name(spec)
    return Stage(quoted(name), {c.name: "VARCHAR" for c in spec.columns}, name, source)


def _typed_stage(connection: Any, spec: TableSpec, source: Source, table: str) -> Stage:
    """The stage of a typed source read in place: its declared columns, renamed, with the
    types it stores them in.
    """
    described = {row[0]: row[1] for row in query(connection, f"DESCRIBE SELECT * FROM {table}")}
    _require_columns(spec, source, list(described))
    types = {c.name: described[source.column(c.name)] for c in spec.columns}
    header = {name: name for name in described}
    return Stage(f"(SELECT {_select_list(spec, source, header)} FROM {table})", types, None, source)
