"""Run a checked scheme on input files with DuckDB, in process, and return the raw outcomes."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from assessor.data.load import LoadedTable, load_tables
from assessor.data.sources import find_sources
from assessor.engine.evidence import Evidence, collect_evidence
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
# how many offending rows a data error lists
_SHOWN = 5


@attrs.frozen
class Evaluation:
    """Raw outcome rows (one dict per period, role, subject and item) and the inputs used.

    ``evidence``: when asked for one subject and period, the records behind the plugin
    metrics its outcomes read, by metric name (see ``engine.evidence``).
    """

    rows: list[dict[str, Any]]
    inputs: tuple[LoadedTable, ...]
    evidence: Mapping[str, Evidence] = attrs.field(factory=dict)


def install_functions(connection: Any) -> None:
    """Define the functions exact arithmetic needs (gcd, lcm, integer quotient)."""
    for statement in _FUNCTIONS:
        connection.execute(statement).fetchall()


def evaluate(
    scheme: m.Scheme,
    data: Path,
    first: m.Period,
    last: m.Period,
    rejects: Path | None = None,
    renames: Mapping[str, Mapping[str, str]] | None = None,
    evidence_for: tuple[str, m.Period] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Evaluation:
    """Load the scheme's input tables from ``data`` and compute every outcome row.

    With ``rejects``, rows that break their table's rules are written there and left out
    instead of stopping the run. ``renames`` gives the data's own names of declared columns.
    ``evidence_for`` (a subject and one of the periods) also fetches the records behind the
    numbers of that subject's outcomes, from the same loaded tables. ``progress`` hears
    a few words as each table is read and each metric computed.
    """
    import ibis

    from assessor.engine.plan import plan_results
    from assessor.engine.rubric import rating_rules

    sources = find_sources(scheme.tables, data, renames)
    backend = ibis.duckdb.connect()
    install_functions(backend.con)
    rules = {RATINGS: rating_rules(scheme)}
    step = progress or (lambda _: None)
    loaded = load_tables(
        backend.con, scheme.tables, sources, rules, rejects, lambda name: step(f"reading {name}")
    )
    try:
        # the series are computed while the plan is built, so an overflow may come from either
        expression = plan_results(scheme, first, last, _materialised(backend, step))
        step("computing outcomes")
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
    evidence = {}
    if evidence_for is not None:
        evidence = collect_evidence(backend, scheme, *evidence_for, rows)
    return Evaluation(rows, tuple(loaded), evidence)


def _materialised(backend: Any, step: Callable[[str], None]):
    """Compute each metric's series once into a temporary table: DuckDB evaluates a subquery
    every time it is referenced, and later metrics, rules and grades reference the same
    series many times.
    """
    counter = itertools.count()

    def stage(series):
        step("computing metrics")
        return backend.create_table(f"assessor_series_{next(counter)}", series, temp=True)

    return stage


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
