"""Run a checked scheme on input files with DuckDB, in process, and return the raw outcomes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from assessor.data.load import LoadedTable, find_files, load_tables
from assessor.errors import fail
from assessor.model import scheme as m


@attrs.frozen
class Evaluation:
    """Raw outcome rows (one dict per period, role, subject and rule) and the inputs used."""

    rows: list[dict[str, Any]]
    inputs: tuple[LoadedTable, ...]


def evaluate(scheme: m.Scheme, data: Path, first: m.Month, last: m.Month) -> Evaluation:
    """Load the scheme's input tables from ``data`` and compute every rule outcome."""
    import ibis

    from assessor.engine.plan import plan_results

    files = find_files(scheme.tables, data)
    backend = ibis.duckdb.connect()
    loaded = load_tables(backend.con, scheme.tables, files)
    widths = _mapping_widths(backend, scheme)
    expression = plan_results(scheme, first, last, widths)
    try:
        table = backend.to_pyarrow(expression)
    except Exception as error:  # the engine's own exception types vary by backend
        if "overflow" in str(error).lower():
            fail(
                "E306",
                "an exact value needs more than 38 digits",
                None,
                "an aggregate over many members multiplies their denominators; aggregate "
                "over fewer members",
            )
        raise
    return Evaluation(table.to_pylist(), tuple(loaded))


def _mapping_widths(backend: Any, scheme: m.Scheme) -> dict[tuple[str, str, str], int]:
    """The largest member count per subject of every mapping an ``of``-aggregate reads."""
    widths = {}
    for metric in scheme.metrics:
        definition = metric.definition
        if not isinstance(definition, m.OverMapping):
            continue
        key = (definition.table, definition.subject_column, definition.member_column)
        table = backend.table(definition.table)
        pairs = table.select(s=table[key[1]], x=table[key[2]]).distinct()
        per_subject = pairs.group_by("s").aggregate(n=pairs.x.count())
        widths[key] = int(backend.to_pyarrow(per_subject.n.max()).as_py() or 0)
    return widths
