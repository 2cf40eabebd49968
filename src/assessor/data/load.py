"""Input sources -> typed tables in the backend, checked before any rule sees them.

Each input table is opened from its source (``data.sources``), then typed and checked row by
row by DuckDB itself (``data.rows``); what cannot be read is an error naming the file, the
line and the column. When no row is bad, which is the usual case, loading a table creates it
once and checks it with one more scan: no other copy of its rows is made. A typed source
read in place (Parquet, a DuckDB table) is not copied at all: its input table is a view,
which becomes a table only when bad rows must be left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from assessor.data import rows
from assessor.data.sources import Source, Stage, close_stage, numbered, open_source
from assessor.errors import AssessorError, Diagnostic, fail
from assessor.model.registry import RowRule, TableSpec

if TYPE_CHECKING:
    from assessor.data.in_engine import TableInEngine


@attrs.frozen
class LoadedFile:
    """One file of a table's folder, as the manifest lists it: its name (``visits/part-1.csv``),
    the rows read from it and its SHA-256.
    """

    name: str
    read: int
    sha256: str


@attrs.frozen
class LoadedTable:
    """A table registered with the backend: where it came from and how many rows it has.

    ``source`` is a file (or a part of one), a folder of files, or a table already in
    PostgreSQL or Spark, whose ``sha256`` is then a fingerprint of the rows used. ``read``
    rows were in the source; ``rows`` of them are used and ``rejected`` broke a rule of the
    table (only with rejects on; otherwise a broken rule stops the run). A folder's
    ``files`` are listed each with its own rows and hash; its ``sha256`` is that of the
    listing (``folder_sha256``).
    """

    name: str
    source: Source | TableInEngine
    rows: int
    sha256: str
    read: int = 0
    rejected: int = 0
    files: tuple[LoadedFile, ...] = ()


def load_tables(
    connection: Any,
    specs: Iterable[TableSpec],
    sources: Mapping[str, Source],
    rules: Mapping[str, Sequence[RowRule]] | None = None,
    rejects: Path | None = None,
    on_table: Callable[[str], None] | None = None,
) -> list[LoadedTable]:
    """Create one typed table per input in a DuckDB connection and check every row.

    A row breaks its table when a value does not have its column's type, a required value is
    blank, a number is outside its column's range, a text is not among its choices, or it
    breaks one of the table's rules (or one of ``rules``, which the scheme adds). Without
    ``rejects`` the first such rows are reported and loading stops; with it, every bad row
    is written there (one line per row, with every problem) and left out.
    Raises with a located diagnostic for a missing column, an unreadable file, an empty
    table or a duplicate key. ``on_table`` hears each table's name as it starts (progress).
    """
    loaded = []
    problems: list[Diagnostic] = []
    if rejects is not None:
        rows.start_rejects(connection)
    for spec in specs:
        if on_table is not None:
            on_table(spec.name)
        stage = open_source(connection, spec, sources[spec.name])
        source = stage.source or sources[spec.name]  # as opened: where its header is
        table_rules = [*spec.rules, *(rules or {}).get(spec.name, ())]
        # a number in a workbook's date column is Excel's day number
        check = rows.TableCheck.of(spec, stage.types, table_rules, serials=source.kind == "xlsx")
        in_place = stage.table is None
        if in_place and not rows.count_trimmed_rows(connection, check, stage.relation):
            check = check.texts_as_given()
        create = rows.create_view if in_place else rows.create_table
        read = used = create(connection, check, stage.relation)
        bad = rows.count_bad_rows(connection, check, stage.relation)
        if bad:
            stage = numbered(connection, spec, stage)
            if in_place:  # the bad rows are left out of a copy, numbered as in the source
                rows.drop_view(connection, spec.name)
                rows.create_table(connection, check, stage.relation)
            rows.find_bad_rows(connection, check, stage.relation)
            if rejects is None:
                # every table's bad rows are reported together, so one export fixes them all
                problems.extend(rows.diagnostics(connection, spec, source, bad))
                rows.drop_table(connection, spec.name)
                _drop_working_tables(connection, spec, stage)
                continue
            rows.add_rejects(connection, spec, source, stage.relation)
            used = read - rows.delete_bad_rows(connection, spec)
        _drop_working_tables(connection, spec, stage)
        hint = "export the records again; an empty export usually means a wrong filter"
        rows.require_rows(spec, source, read, used, hint)
        check_unique_rows(connection, spec, source)
        files = loaded_files(source)
        digest = folder_sha256(files) if files else file_sha256(source.path)
        loaded.append(LoadedTable(spec.name, source, used, digest, read, read - used, files))
    if problems:
        raise AssessorError(problems)
    if rejects is not None:
        rows.write_rejects(connection, rejects)
    return loaded


def _drop_working_tables(connection: Any, spec: TableSpec, stage: Stage) -> None:
    """Free a table's copies as soon as it is loaded or reported (they may be large)."""
    close_stage(connection, stage)
    rows.drop_table(connection, rows.bad_name(spec))


def check_unique_rows(connection: Any, spec: TableSpec, source: Source | TableInEngine) -> None:
    """Two rows for the same key (a subject's KPI in a month) would be counted twice.

    ``connection`` is DuckDB's, or PostgreSQL's for tables read in place there.
    """
    if not spec.key:
        return
    keys = ", ".join(f'"{k}"' for k in spec.key)
    found = rows.query(
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
            f"{source.name}: {count} rows for {shown}",
            source.location(),
            "keep one row per " + ", ".join(spec.key) + "; add the values up before exporting "
            "if they are parts of one number"
            + (f" (the rows may be in different files of {source.name})" if _split(source) else ""),
        )


def loaded_files(source: Source) -> tuple[LoadedFile, ...]:
    """The files of a folder read as one table, each with its rows and hash (none for any
    other source).
    """
    if not source.files:
        return ()
    return tuple(
        LoadedFile(piece.name, count, file_sha256(piece.path))
        for piece, count in zip(source.pieces(), source.counts, strict=True)
    )


def folder_sha256(files: Sequence[LoadedFile]) -> str:
    """The SHA-256 of a folder's files as ``sha256sum`` lists them (``HASH  NAME`` and a
    newline, in the order read): running ``sha256sum part-1.csv part-2.csv | sha256sum``
    in the folder gives the same. A file renamed, added, left out or changed changes it.
    """
    listing = "".join(f"{f.sha256}  {Path(f.name).name}\n" for f in files)
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def _split(source: Source | TableInEngine) -> bool:
    """Whether a table was read from the files of a folder."""
    return isinstance(source, Source) and bool(source.files)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (files may be larger than memory)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
