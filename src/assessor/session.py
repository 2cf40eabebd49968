"""One assessment from files to outcomes, as a library: what `assessor run` and `assessor test`
share. Reads the scheme, checks it against the installed plugins, evaluates it and builds the
outcome rows; the callers decide where the outcomes go.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from assessor import __version__, results
from assessor.errors import DataLocation, Diagnostic, fail
from assessor.model import scheme as m


@attrs.frozen
class LoadedScheme:
    """A checked scheme with the text it came from and any plugin warnings found on the way."""

    scheme: m.Scheme
    path: Path
    text: str
    warnings: tuple[Diagnostic, ...] = ()


@attrs.frozen
class Assessment:
    """The outcomes of one run and what they were computed from."""

    loaded: LoadedScheme
    first: m.Period
    last: m.Period
    outcomes: tuple[results.Outcome, ...]
    totals: tuple[results.Total, ...]
    manifest: Mapping[str, Any]
    # the engine's rows behind the outcomes, exact values included (for explanations)
    rows: tuple[Mapping[str, Any], ...] = ()


def read_scheme(
    path: Path, overrides: Mapping[str, str] | None = None, sources: dict[str, str] | None = None
) -> LoadedScheme:
    """Read, parse and check a scheme file; ``sources`` receives its text for error excerpts."""
    from assessor.model.check import check_scheme
    from assessor.plugins.manager import load_registry
    from assessor.syntax.parser import parse

    text = read_text(path)
    if sources is not None:
        sources[str(path)] = text
    registry, problems = load_registry()
    tree = parse(text, str(path))
    checked, warnings = check_scheme(tree, registry, overrides or {})
    return LoadedScheme(checked, path, text, tuple(problems) + tuple(warnings))


def read_text(path: Path) -> str:
    """A scheme file's text (UTF-8, a byte-order mark allowed), or a located error."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        fail(
            "E001",
            f"no scheme file {str(path)!r}",
            DataLocation(str(path)),
            "check the path; templates are listed in the schemes/ folder",
        )
    except (UnicodeDecodeError, IsADirectoryError) as error:
        fail(
            "E001",
            f"cannot read {str(path)!r} as UTF-8 text: {error}",
            DataLocation(str(path)),
            "save the scheme as UTF-8",
        )


def assessed_periods(
    scheme: m.Scheme, first: m.Period | None, last: m.Period | None
) -> tuple[m.Period, m.Period]:
    """The first and last period to assess: as given, else the scheme's window.

    Raises ValueError with a sentence for the command line when neither says.
    """
    window = scheme.window
    first = first or (window[0] if window else None)
    last = last or (window[1] if window else None)
    if first is None or last is None:
        raise ValueError("the scheme has no window: give --from and --to")
    if first > last:
        raise ValueError(f"--from {first} is after --to {last}")
    return first, last


def assess(
    loaded: LoadedScheme,
    data: Path,
    first: m.Period,
    last: m.Period,
    language: results.Language = "en",
    rejects: Path | None = None,
    renames: Mapping[str, Mapping[str, str]] | None = None,
) -> Assessment:
    """Evaluate a checked scheme on a data folder for the periods from ``first`` to ``last``.

    With ``rejects``, input rows that break their table's rules are written there and left
    out; otherwise the first of them stop the run.
    """
    from assessor.engine.evaluate import evaluate

    evaluation = evaluate(loaded.scheme, data, first, last, rejects, renames)
    outcomes = results.build_outcomes(loaded.scheme, evaluation.rows, language)
    return Assessment(
        loaded,
        first,
        last,
        tuple(outcomes),
        tuple(results.build_totals(outcomes)),
        _manifest(loaded, evaluation.inputs, first, last),
        tuple(evaluation.rows),
    )


def write_outputs(assessment: Assessment, out: Path) -> None:
    """results.csv, totals.csv and manifest.json, written atomically."""
    results.write_atomically(
        out,
        {
            "results.csv": results.results_csv(assessment.outcomes),
            "totals.csv": results.totals_csv(assessment.totals),
            "manifest.json": results.manifest_json(assessment.manifest),
        },
    )


def _manifest(loaded: LoadedScheme, inputs, first: m.Period, last: m.Period) -> dict[str, Any]:
    from assessor.model.units import describe_quantity

    scheme = loaded.scheme
    return {
        "assessor_version": __version__,
        "scheme": {
            "file": loaded.path.name,
            "title": scheme.title,
            "sha256": hashlib.sha256(loaded.text.encode("utf-8")).hexdigest(),
        },
        "inputs": [
            {
                "table": t.name,
                "file": t.source.name,
                "rows": t.rows,
                "rows_read": t.read,
                "rows_rejected": t.rejected,
                "sha256": t.sha256,
            }
            for t in inputs
        ],
        "parameters": {p.name: describe_quantity(p.value, p.unit) for p in scheme.params},
        "periods": {"from": str(first), "to": str(last)},
        "plugins": list(scheme.plugins),
        "engine": "duckdb",
    }
