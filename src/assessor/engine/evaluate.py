"""Run a checked scheme on its input data and return the raw outcomes.

The input files are read and checked by DuckDB in process (``data.load``), whatever engine
runs the plan; the engine (``engine.backends``: DuckDB by default, PostgreSQL or Spark) then
receives the checked tables, computes every metric's series and outcome, and returns the rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from assessor.data.load import LoadedTable, load_tables
from assessor.data.postgres import DatabaseData, load_in_database
from assessor.data.sources import find_sources
from assessor.data.spark_tables import SparkData, load_in_spark
from assessor.engine.backends import (
    Engine,
    EngineChoice,
    check_engine_for_data,
    engine_for_data,
    open_engine,
)
from assessor.engine.evidence import Evidence, collect_evidence
from assessor.engine.references import unknown_members
from assessor.errors import AssessorError, Diagnostic, fail
from assessor.model import scheme as m
from assessor.model.registry import RATINGS

# The exact-integer functions the plan calls (engine.series), defined for DuckDB.
_FUNCTIONS = (
    "CREATE OR REPLACE MACRO assessor_gcd(a, b) AS "
    "CAST(gcd(CAST(a AS HUGEINT), CAST(b AS HUGEINT)) AS DECIMAL(38, 0))",
    "CREATE OR REPLACE MACRO assessor_quotient(a, b) AS "
    "CAST(CAST(a AS HUGEINT) // CAST(b AS HUGEINT) AS DECIMAL(38, 0))",
    "CREATE OR REPLACE MACRO assessor_lcm(l) AS CAST(list_reduce(list_transform(l, "
    "lambda x: CAST(x AS HUGEINT)), lambda a, b: lcm(a, b)) AS DECIMAL(38, 0))",
)
# How each engine words an exact value that outgrew 38 digits: DuckDB and PostgreSQL say
# "overflow", Spark names the value out of its decimal's range.
_OVERFLOW = ("overflow", "numeric_value_out_of_range", "cannot be represented as decimal")
# how many offending rows a data error lists
_SHOWN = 5


@attrs.frozen
class Evaluation:
    """Raw outcome rows (one dict per period, role, subject and item) and the inputs used.

    ``evidence``: when asked for one subject and period, the records behind the plugin
    metrics its outcomes read, by metric name (see ``engine.evidence``). ``warnings``: what
    the data says that the results may not show (``engine.references``).
    """

    rows: list[dict[str, Any]]
    inputs: tuple[LoadedTable, ...]
    evidence: Mapping[str, Evidence] = attrs.field(factory=dict)
    warnings: tuple[Diagnostic, ...] = ()


def install_functions(connection: Any) -> None:
    """Define the functions exact arithmetic needs (gcd, lcm, integer quotient) in DuckDB."""
    for statement in _FUNCTIONS:
        connection.execute(statement).fetchall()


def evaluate(
    scheme: m.Scheme,
    data: Path | DatabaseData | SparkData,
    first: m.Period,
    last: m.Period,
    rejects: Path | None = None,
    renames: Mapping[str, Mapping[str, str]] | None = None,
    evidence_for: tuple[str, m.Period] | None = None,
    progress: Callable[[str], None] | None = None,
    engine: EngineChoice | None = None,
    encodings: Mapping[str, str] | None = None,
    duckdb: Mapping[str, str] | None = None,
) -> Evaluation:
    """Load the scheme's input tables from ``data`` and compute every outcome row.

    ``data`` is a folder or file, or tables already in PostgreSQL (``DatabaseData``) or in a
    Spark catalog (``SparkData``), which are checked and read in place there, by the engine
    of that database (PostgreSQL on it, or Spark).

    With ``rejects``, rows that break their table's rules are written there and left out
    instead of stopping the run. ``renames`` gives the data's own names of declared columns.
    ``evidence_for`` (a subject and one of the periods) also fetches the records behind the
    numbers of that subject's outcomes, from the same loaded tables. ``progress`` hears
    a few words as each table is read and each metric computed. ``engine`` runs the plan
    (default: DuckDB, in process). ``encodings`` declares the encoding of tables' CSV files
    (by default each is detected). ``duckdb`` sets DuckDB, which reads the files: past its
    ``memory_limit`` it spills to its ``temp_directory``, so inputs larger than memory run.
    """
    import ibis

    from assessor.engine.rubric import rating_rules

    rules = {RATINGS: rating_rules(scheme)}
    step = progress or (lambda _: None)
    reading = lambda name: step(f"reading {name}")  # noqa: E731
    if isinstance(data, SparkData):
        choice = engine or engine_for_data(data, None)
        check_engine_for_data(data, choice)
        with open_engine(choice, None) as runner:
            loaded = load_in_spark(runner, scheme.tables, data, rules, rejects, renames, reading)
            return _run(runner, scheme, first, last, step, evidence_for, loaded)
    if isinstance(data, DatabaseData):
        choice = engine or engine_for_data(data, None)
        check_engine_for_data(data, choice)
        with open_engine(choice, None) as runner:
            connection = runner.backend.con
            loaded = load_in_database(
                connection, scheme.tables, data, rules, rejects, renames, reading
            )
            return _run(runner, scheme, first, last, step, evidence_for, loaded)
    choice = engine or EngineChoice()
    sources = find_sources(scheme.tables, data, renames, encodings)
    with _memory_named((duckdb or {}).get("memory_limit")):
        duck = ibis.duckdb.connect(**(duckdb or {}))
        install_functions(duck.con)
        loaded = load_tables(duck.con, scheme.tables, sources, rules, rejects, reading)
        with open_engine(choice, duck) as runner:
            runner.receive(duck, [table.name for table in loaded])
            return _run(runner, scheme, first, last, step, evidence_for, loaded)


@contextlib.contextmanager
def _memory_named(limit: str | None) -> Iterator[None]:
    """DuckDB out of memory (an operation it cannot spill, or no disk left to spill to) is
    E705, with what to change, rather than an internal error.
    """
    try:
        yield
    except Exception as error:  # duckdb.OutOfMemoryException; duckdb is imported lazily
        if type(error).__name__ != "OutOfMemoryException":
            raise
        fail(
            "E705",
            f"DuckDB ran out of memory (limit {limit or 'its default, 80% of RAM'}): "
            + str(error).splitlines()[0].removeprefix("Out of Memory Error: "),
            None,
            "raise duckdb: memory_limit in assessor.yaml, or lower duckdb: threads; a "
            "temp_directory on a disk with free space lets DuckDB spill more",
        )


def _run(
    runner: Engine,
    scheme: m.Scheme,
    first: m.Period,
    last: m.Period,
    step: Callable[[str], None],
    evidence_for: tuple[str, m.Period] | None,
    loaded: list[LoadedTable],
) -> Evaluation:
    """The outcome rows (and the evidence asked for) of inputs the engine holds."""
    rows = _outcome_rows(runner, scheme, first, last, step)
    _check_unique_hits(scheme, rows)
    evidence = {}
    if evidence_for is not None:
        evidence = collect_evidence(runner.backend, scheme, *evidence_for, rows)
    files = {table.name: table.source.location() for table in loaded}
    warnings = unknown_members(scheme, runner.fetch, files)
    return Evaluation(rows, tuple(loaded), evidence, tuple(warnings))


def _outcome_rows(
    runner: Engine, scheme: m.Scheme, first: m.Period, last: m.Period, step: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Plan, stage the series and fetch the outcome rows; an exact value past 38 digits is
    E306 on every engine.
    """
    from assessor.engine.plan import plan_results

    def stage(series: Any) -> Any:
        step("computing metrics")
        return runner.stage(series)

    try:
        # the series are computed while the plan is built, so an overflow may come from either
        expression = plan_results(scheme, first, last, stage)
        step("computing outcomes")
        rows = runner.fetch(expression)
    except Exception as error:  # the engine's own exception types vary by backend
        if any(word in str(error).lower() for word in _OVERFLOW):
            fail(
                "E306",
                "an exact value needs more than 38 digits",
                None,
                "an aggregate over many values multiplies or combines their denominators; "
                "aggregate over fewer values, or round the inputs",
            )
        raise
    return rows


def _check_unique_hits(scheme: m.Scheme, rows: list[dict[str, Any]]) -> None:
    """A rule with `hit unique` must never have two clauses holding at once."""
    unique = {rule.id for rule in scheme.rules if rule.hit == "unique"}
    clashes = [
        r for r in rows if r["kind"] == "rule" and r["item"] in unique and (r["matches"] or 0) > 1
    ]
    if clashes:
        raise AssessorError(
            [
                Diagnostic(
                    "E308",
                    f"rule {r['item']!r}: {r['matches']} clauses hold for {r['subject']} in "
                    f"{r['period']:%Y-%m} (hit unique)",
                    next(rule.span for rule in scheme.rules if rule.id == r["item"]),
                    "make the conditions exclusive, or use `hit first` / `hit collect`",
                )
                for r in clashes[:_SHOWN]
            ]
        )
