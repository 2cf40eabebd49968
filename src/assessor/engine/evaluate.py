"""Run a checked scheme on input files with DuckDB, in process, and return the raw outcomes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from assessor.data.load import LoadedTable, find_files, load_tables
from assessor.errors import AssessorError, DataLocation, Diagnostic, fail
from assessor.model import scheme as m

# The exact-integer functions the plan calls (engine.series), defined for DuckDB.
_FUNCTIONS = (
    "CREATE OR REPLACE MACRO assessor_gcd(a, b) AS "
    "CAST(gcd(CAST(a AS HUGEINT), CAST(b AS HUGEINT)) AS DECIMAL(38, 0))",
    "CREATE OR REPLACE MACRO assessor_quotient(a, b) AS "
    "CAST(CAST(a AS HUGEINT) // CAST(b AS HUGEINT) AS DECIMAL(38, 0))",
    "CREATE OR REPLACE MACRO assessor_lcm(l) AS CAST(list_reduce(list_transform(l, "
    "lambda x: CAST(x AS HUGEINT)), lambda a, b: lcm(a, b)) AS DECIMAL(38, 0))",
)
# how many offending rows a data error lists
_SHOWN = 5


@attrs.frozen
class Evaluation:
    """Raw outcome rows (one dict per period, role, subject and item) and the inputs used."""

    rows: list[dict[str, Any]]
    inputs: tuple[LoadedTable, ...]


def install_functions(connection: Any) -> None:
    """Define the functions exact arithmetic needs (gcd, lcm, integer quotient)."""
    for statement in _FUNCTIONS:
        connection.execute(statement).fetchall()


def evaluate(scheme: m.Scheme, data: Path, first: m.Period, last: m.Period) -> Evaluation:
    """Load the scheme's input tables from ``data`` and compute every outcome row."""
    import ibis

    from assessor.engine.plan import plan_results

    files = find_files(scheme.tables, data)
    backend = ibis.duckdb.connect()
    install_functions(backend.con)
    loaded = load_tables(backend.con, scheme.tables, files)
    _check_ratings(backend, scheme, files)
    expression = plan_results(scheme, first, last)
    try:
        table = backend.to_pyarrow(expression)
    except Exception as error:  # the engine's own exception types vary by backend
        if "overflow" in str(error).lower():
            fail(
                "E306",
                "an exact value needs more than 38 digits",
                None,
                "an aggregate over many values multiplies or combines their denominators; "
                "aggregate over fewer values, or round the inputs",
            )
        raise
    rows = table.to_pylist()
    _check_unique_hits(scheme, rows)
    return Evaluation(rows, tuple(loaded))


def _check_ratings(backend: Any, scheme: m.Scheme, files: dict[str, Path]) -> None:
    """Every rating a rubric reads must be on its scale."""
    from assessor.engine.rubric import RATINGS, off_scale

    rubrics = [x.definition for x in scheme.metrics if isinstance(x.definition, m.RubricScore)]
    for rubric in rubrics:
        table = backend.table(RATINGS)
        bad = backend.to_pyarrow(off_scale(table, rubric.scale, rubric.criteria).limit(_SHOWN))
        if bad.num_rows:
            rows = bad.to_pylist()
            shown = "; ".join(
                f"{r['subject']} / {r['evaluator']} / {r['criterion']}: {r['score']!r}"
                for r in rows
            )
            scale = (
                ", ".join(letter for letter, _ in rubric.scale.letters)
                if rubric.scale.letters
                else f"{rubric.scale.low} to {rubric.scale.high}"
            )
            fail(
                "E307",
                f"{files[RATINGS].name}: rating(s) not on the scale {scale}: {shown}",
                DataLocation(str(files[RATINGS]), None, "score"),
                "correct the ratings, or declare the scale the evaluators used",
            )


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
