"""What input tables read in place, inside the engine that runs the plan, have in common.

Tables already in PostgreSQL (``data.postgres``) and tables already in a Spark catalog
(``data.spark_tables``) are found, checked and read where they are. This module holds what
does not depend on the engine about finding and naming them: which ``--data`` values name
such tables, a table's source (``TableInEngine``), and the diagnostics for a missing table or
column. How they are checked is ``data.in_engine_check``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from assessor.data.rows import quoted
from assessor.errors import DataLocation, Diagnostic, fail, suggest
from assessor.model.registry import TableSpec

# -- the forms of a value written as text -----------------------------------------------------
# What a CSV file's column reads (``data.rows``), as patterns of a whole (trimmed) value that
# Spark's regular expressions (Java's) and PostgreSQL's read alike: whole numbers (also in
# groups of three), numbers (a percentage only in a column of shares), dates as 2015-08-01,
# 2015/8/1, 2015.8.1 or 2015年8月1日, times after such a date, months as 2026-03, 2026/3,
# 2026年3月 or any date. Each engine's own cast reads more (Spark reads 2015-08 as a date,
# PostgreSQL 'epoch'), so a value is matched first; each engine's readers hold only its SQL.
WHOLE = r"^[+-]?[0-9]+$"
GROUPED = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+$"
NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
GROUPED_NUMBER = r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$"
PERCENT = r"^[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?%$"
DAY = (
    r"[0-9]{4}(-[0-9]{1,2}-[0-9]{1,2}|/[0-9]{1,2}/[0-9]{1,2}|\.[0-9]{1,2}\.[0-9]{1,2}"
    r"|年[0-9]{1,2}月[0-9]{1,2}日)"
)
TIME = r"(\s*[T ]?\s*[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?"
# a value matching DAY: the year, month and day it starts with, for a rewrite to 2015-8-1
DATE_PARTS = r"^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?"
MONTH = r"^[0-9]{4}([-/][0-9]{1,2}|年[0-9]{1,2}月)$"


def parse_data_in_engine(text: str) -> Any:
    """The tables a ``--data`` value (or ``data:`` in assessor.yaml) names in an engine:
    ``data.postgres.DatabaseData``, ``data.spark_tables.SparkData``, or None for a path.
    Raises ValueError with a sentence for the person when the value names no database.
    """
    from assessor.data.postgres import parse_database_data
    from assessor.data.spark_tables import parse_spark_data

    return parse_database_data(text) or parse_spark_data(text)


@attrs.frozen
class TableInEngine:
    """An input table's source in an engine: a table or view of a ``container`` (a
    PostgreSQL schema, a database of Spark's catalog), the columns that name a row (its key,
    by the source's own names), and the company's own names of declared columns.

    Each engine's module adds what is its own (Spark's names of databases, PostgreSQL's row id).
    """

    container: str
    table: str
    kind: str  # the engine's kind of table: PostgreSQL's relkind, Spark's table type
    key: tuple[str, ...] = ()
    renames: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        """How messages name it: ``shop.visits``."""
        return f"{self.container}.{self.table}"

    @property
    def relation(self) -> str:
        """The qualified SQL name (standard quoting)."""
        return f"{quoted(self.container)}.{quoted(self.table)}"

    @property
    def row_id(self) -> str | None:
        """A column the engine keeps for every row, naming it where it is, for a table
        without a key (PostgreSQL's ``ctid``); None when there is none.
        """
        return None

    def column(self, declared: str) -> str:
        """The source's name of a declared column."""
        return dict(self.renames).get(declared, declared)

    def line(self, row: int) -> None:
        """Rows of a table in an engine have no line."""
        return None

    def location(self, row: int | None = None, column: str | None = None) -> DataLocation:
        """A place in the engine, for a diagnostic."""
        return DataLocation(self.name, None, column)


def no_table(
    spec: TableSpec, container: str, name: str, shown: str, present: Sequence[str]
) -> Diagnostic:
    """E301: no table or view of the input's name in the ``container`` (a schema, a
    database) called ``name`` of the data ``shown``; ``present`` lists what it has.
    """
    columns = ", ".join(c.name for c in spec.columns)
    near = suggest(spec.name, present)
    listed = ", ".join(present[:20]) or "none"
    return Diagnostic(
        "E301",
        f"no table or view {name}.{spec.name} for input table {spec.name!r} ({spec.label_zh})",
        DataLocation(shown),
        (f"{near}; " if near else "")
        + f"create a table or view {spec.name} in {container} {name} with the columns "
        f"{columns} (the {container} has: {listed})",
    )


def require_columns(spec: TableSpec, source: TableInEngine, columns: Mapping[str, str]) -> None:
    """E302 naming every declared column (by the source's own name, see ``columns:``) that
    the table or view ``source`` lacks; ``columns`` are the ones it has.
    """
    missing = [c for c in spec.columns if source.column(c.name) not in columns]
    if not missing:
        return
    shown = ", ".join(
        repr(source.column(c.name))
        + ("" if source.column(c.name) == c.name else f" (for {c.name})")
        for c in missing
    )
    fail(
        "E302",
        f"{source.name} has no column {shown}",
        source.location(column=source.column(missing[0].name)),
        f"its columns are: {', '.join(columns) or '(none)'}; expected: "
        + ", ".join(source.column(c.name) for c in spec.columns)
        + " (a column of another name is mapped under columns: in assessor.yaml)",
    )
