"""Checking input tables in place, in the engine that holds them: what PostgreSQL and Spark
share.

A table's check stage is SQL run where the table is: every row with what names it
(``_key``) and orders it, the typed columns, the values as given that checks need and a flag
per row rule. From it come the count of bad rows, the problems of the first ones (or of all,
for the rejects), and the view the plan reads. The SQL is written here once, as standard SQL
(identifiers in double quotes, ``''`` inside texts), and each engine says how it differs
(``EngineSql``): its name of the text type, the JSON text of a row, the Ibis dialect of the
rules' flags, its spelling of standard SQL and its aggregates joining texts. How a statement
runs, how bad rows are set aside, where rejects go, how values are read and how the rows
used are fingerprinted are each engine's own (``InPlace``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import attrs

from assessor.data import rows
from assessor.data.in_engine import TableInEngine, require_columns
from assessor.data.load import LoadedTable, check_unique_rows
from assessor.data.rows import Reading, TableCheck, quoted, sql_literal
from assessor.errors import AssessorError, Diagnostic
from assessor.model.registry import RowRule, TableSpec


def _standard(text: str) -> str:
    return text


@attrs.frozen
class EngineSql:
    """How one engine's SQL differs from the standard SQL the stage is written in.

    ``record`` is the JSON text of a row from ``{pairs}`` (name, value, …); ``distinct``
    joins the sorted distinct texts of column ``{0}`` with ``'; '``; ``problems`` joins the
    problems of a row with ``'; '``, in the order of their code and column. ``spelled`` turns
    a standard SQL statement into the engine's spelling (applied once to each piece written
    here, never to the rules' flags, which Ibis writes for ``ibis_dialect``).
    """

    text: str
    record: str
    ibis_dialect: str
    distinct: str
    problems: str
    spelled: Callable[[str], str] = _standard


@attrs.frozen
class Stage:
    """A table's check stage in an engine, and the SQL built on it."""

    check: TableCheck
    source: TableInEngine
    engine: EngineSql
    key: str
    order: tuple[str, ...]

    @classmethod
    def of(cls, check: TableCheck, source: TableInEngine, engine: EngineSql) -> Stage:
        """The stage of a table read from ``source``: rows named by its key, else by the
        engine's own row id, else (a view, as a rule) by their values.
        """
        text = engine.text
        if source.key:
            names = [f"__key_{k}" for k in range(len(source.key))]
            order = tuple(f"s.{quoted(n)}" for n in names)
            return cls(check, source, engine, _shown_values(source.key, names, text), order)
        if source.row_id is not None:
            named = f"__{source.row_id}"
            key = f"{sql_literal(f'{source.row_id} ')} || CAST(s.{named} AS {text})"
            return cls(check, source, engine, key, (f"s.{named}",))
        names = [c.name for c in check.spec.columns]
        key = _shown_values([source.column(n) for n in names], names, text)
        return cls(check, source, engine, key, (key,))

    def sql(self, record: bool = False) -> str:
        """The stage's query, in the engine's spelling; with ``record`` also the row as
        given, as JSON text.
        """
        given = [f"{r.given} AS {r.given_name}" for r in self.check.readings if r.given]
        columns = [
            f"{self.key} AS _key",
            *(f"{o} AS _order_{k}" for k, o in enumerate(self.order)),
            self.check.typed_columns(),
            *given,
            *([f"{self._record()} AS _record"] if record else []),
        ]
        name = quoted(rows.stage_name(self.check.spec))
        select = f"SELECT {', '.join(columns)} FROM ({self.source_select()}) AS s"
        extra = {"_key": "string", **{f"_order_{k}": "string" for k in range(len(self.order))}}
        if record:
            extra["_record"] = "string"
        flags = rows.flag_rules(self.check, extra, self.engine.ibis_dialect)
        spelled = self.engine.spelled
        # the rules' flags are Ibis's SQL for the engine already; without rules, a plain select
        return spelled(f"WITH {name} AS ({select}) ") + (
            flags if self.check.rules else spelled(flags)
        )

    def source_select(self) -> str:
        """The declared columns under their declared names, and what names a row."""
        source = self.source
        columns = [
            f"{quoted(source.column(c.name))} AS {quoted(c.name)}" for c in self.check.spec.columns
        ]
        columns += [f"{quoted(k)} AS __key_{n}" for n, k in enumerate(source.key)]
        if not source.key and source.row_id is not None:
            columns.append(f"{source.row_id} AS __{source.row_id}")
        return f"SELECT {', '.join(columns)} FROM {source.relation}"

    def _record(self) -> str:
        """The row as given, as JSON text with the declared names (like a rejected line)."""
        pairs = ", ".join(
            f"{sql_literal(c.name)}, CAST(s.{quoted(c.name)} AS {self.engine.text})"
            for c in self.check.spec.columns
        )
        return self.engine.record.format(pairs=pairs)

    @property
    def ordering(self) -> str:
        """SQL ordering rows as the table's key does."""
        return ", ".join(f"_order_{k}" for k in range(len(self.order)))

    def count_sql(self) -> str:
        """How many rows the table has, and how many break a check: one scan."""
        bad = self.engine.spelled(_any_broken(self.check.checks))
        return f"SELECT count(*), count(*) FILTER (WHERE {bad}) FROM ({self.sql()}) AS checked"

    def rows_sql(self, failed: bool, record: bool = False, columns: str = "*") -> str:
        """The stage's ``columns`` of the rows that break a check (``failed``) or of those
        that do not (``IS NOT TRUE``: a check that is null did not fail).
        """
        test = "IS TRUE" if failed else "IS NOT TRUE"
        spelled = self.engine.spelled
        condition = spelled(f"({_any_broken(self.check.checks)}) {test}")
        return f"SELECT {spelled(columns)} FROM ({self.sql(record)}) AS checked WHERE {condition}"

    def view_sql(self, filtered: bool) -> str:
        """The input as the plan reads it: the typed columns, without the bad rows when
        there are any (``filtered``).
        """
        if filtered:
            names = ", ".join(quoted(c.name) for c in self.check.spec.columns)
            return self.rows_sql(failed=False, columns=names)
        return self.engine.spelled(
            f"SELECT {self.check.typed_columns()} FROM ({self.source_select()}) AS s"
        )

    def problems_sql(self, flagged: str, record: bool = False) -> str:
        """Every problem of every bad row (set aside in the table or view ``flagged``), one
        line each, with the row's key (and the row as given, with ``record``).
        """
        extra = ", _record" if record else ""
        return " UNION ALL ".join(
            self.engine.spelled(
                f"SELECT {self._keys}{extra}, {sql_literal(c.column)} AS column_name, "
                f"{sql_literal(c.code)} AS code, {c.problem} AS problem, "
                f"{sql_literal(c.hint)} AS hint FROM {quoted(flagged)} WHERE ({c.where}) IS TRUE"
            )
            for c in self.check.checks
        )

    @property
    def _keys(self) -> str:
        return ", ".join(["_key", *(f"_order_{k}" for k in range(len(self.order)))])

    def shown_sql(self, flagged: str) -> str:
        """The problems of the first bad rows (set aside in ``flagged``), in the key's order."""
        return (
            f"SELECT _key, column_name, code, problem, hint FROM ({self.problems_sql(flagged)}) "
            f"AS p ORDER BY {self.ordering}, code, column_name LIMIT {rows.SHOWN}"
        )

    def diagnostics(self, shown: Sequence[Sequence[Any]], bad: int) -> list[Diagnostic]:
        """The first bad rows (``shown_sql``'s rows), each named by its key and column, and
        how many there are (``bad``).
        """
        source = self.source
        found = [
            Diagnostic(
                code, f"{source.name}: row {key}: {problem}", source.location(column=c), hint
            )
            for key, c, code, problem, hint in shown
        ]
        unchanged = " (the table itself is not changed)"
        return rows.with_count(found, len({row[0] for row in shown}), bad, source, unchanged)

    def rejects_sql(self, flagged: str) -> str:
        """Every bad row (set aside with its record in ``flagged``), one line each as the
        rejects file has it: its key, what is wrong with it, and the row as given (JSON
        text), in the key's order.
        """
        engine, spec, source = self.engine, self.check.spec, self.source
        head = engine.spelled(
            f'SELECT {sql_literal(spec.name)} AS "table", {sql_literal(source.name)} AS "file", '
            '_key AS "row", CAST(NULL AS BIGINT) AS "line", '
            f'{engine.distinct.format("column_name")} AS "columns", '
            f"{engine.distinct.format('code')} AS codes, {engine.problems} AS problems, "
            "min(_record) AS record"
        )
        return (
            f"{head} FROM ({self.problems_sql(flagged, record=True)}) AS p "
            f"GROUP BY {self._keys} ORDER BY {self.ordering}"
        )


def _shown_values(labels: Sequence[str], names: Sequence[str], text: str) -> str:
    """SQL naming a row by values: ``visit_id=17, customer_id=C1`` (blank for none)."""
    return " || ', ' || ".join(
        f"{sql_literal(f'{label}=')} || coalesce(CAST(s.{quoted(name)} AS {text}), '')"
        for label, name in zip(labels, names, strict=True)
    )


def _any_broken(checks: Sequence[rows.Check]) -> str:
    """SQL over the check stage: the row breaks at least one of ``checks``."""
    return " OR ".join(f"({c.where})" for c in checks) or "false"


class InPlace(Protocol):
    """What checking input tables in place needs of one engine's run."""

    @property
    def sql(self) -> EngineSql:
        """How the engine's SQL differs from standard SQL."""
        ...

    @property
    def container(self) -> str:
        """What holds the tables, in words: ``schema``, ``database``."""
        ...

    @property
    def connection(self) -> Any:
        """The engine as ``data.rows.query`` runs statements (``execute(sql).fetchall()``)."""
        ...

    def readings(self, spec: TableSpec, types: Mapping[str, str]) -> tuple[Reading, ...]:
        """How each declared column is read from its type in the engine (by declared name)."""
        ...

    def query(self, sql: str) -> Sequence[Sequence[Any]]:
        """Run one statement of the engine's SQL; its rows."""
        ...

    def set_aside(self, stage: Stage, record: bool) -> AbstractContextManager[str]:
        """The stage's bad rows (``rows_sql``), with the row as given when ``record``, kept
        under a name the ``with`` block reads, and dropped after it.
        """
        ...

    def add_rejects(self, stage: Stage) -> None:
        """Keep every bad row of the table (``rejects_sql``) for the rejects file."""
        ...

    def keep(self, name: str, view: str) -> None:
        """Make the query ``view`` readable by the run under the input's ``name``."""
        ...

    def fingerprint(self, spec: TableSpec) -> str:
        """A SHA-256 of the rows the input's view gives, whatever their order."""
        ...


def check_in_place(
    place: InPlace,
    specs: Iterable[TableSpec],
    found: Mapping[str, tuple[TableInEngine, Mapping[str, str]]],
    rules: Mapping[str, Sequence[RowRule]] | None = None,
    rejecting: bool = False,
    on_table: Callable[[str], None] | None = None,
) -> list[LoadedTable]:
    """Check every input table (``found``: its source and the engine's type of each of its
    columns) where it is, and make each readable under its input's name, typed, without
    its bad rows.

    Bad rows stop the run (all tables' first ones reported together), or when ``rejecting``
    are kept for the rejects file (``InPlace.add_rejects``) and left out. Raises with a
    located diagnostic for a missing column, an empty table or a duplicate key, as for files.
    """
    loaded, problems = [], []
    for spec in specs:
        if on_table is not None:
            on_table(spec.name)
        source, types = found[spec.name]
        stage = _stage(place, spec, source, types, rules)
        read, bad = place.query(stage.count_sql())[0]
        if bad and not rejecting:
            problems.extend(_first_problems(place, stage, bad))
            continue
        if bad:
            place.add_rejects(stage)
        place.keep(spec.name, stage.view_sql(bad > 0))
        used = read - bad
        hint = f"check the {place.container} in --data; an empty table usually means a wrong filter"
        rows.require_rows(spec, source, read, used, hint, f" ({source.name})")
        check_unique_rows(place.connection, spec, source)
        loaded.append(LoadedTable(spec.name, source, used, place.fingerprint(spec), read, bad))
    if problems:
        raise AssessorError(problems)
    return loaded


def _stage(
    place: InPlace,
    spec: TableSpec,
    source: TableInEngine,
    types: Mapping[str, str],
    rules: Mapping[str, Sequence[RowRule]] | None,
) -> Stage:
    """The check stage of a table whose columns have the engine's ``types``."""
    require_columns(spec, source, types)
    declared = {c.name: types[source.column(c.name)] for c in spec.columns}
    table_rules = (*spec.rules, *(rules or {}).get(spec.name, ()))
    check = TableCheck(spec, place.readings(spec, declared), table_rules)
    return Stage.of(check, source, place.sql)


def _first_problems(place: InPlace, stage: Stage, bad: int) -> list[Diagnostic]:
    """The first bad rows, each named by its key and column, and how many there are."""
    with place.set_aside(stage, record=False) as flagged:
        shown = place.query(stage.shown_sql(flagged))
    return stage.diagnostics(shown, bad)
