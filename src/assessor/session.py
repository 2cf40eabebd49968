"""One assessment from files to outcomes, as a library: what `assessor run` and `assessor test`
share. Reads the scheme, checks it against the installed plugins, evaluates it and builds the
outcome rows; the callers decide where the outcomes go.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

import attrs

from assessor import __version__
from assessor.errors import DataLocation, Diagnostic, fail
from assessor.model import scheme as m

if TYPE_CHECKING:
    # results (csv, json, hashes) is imported where a run needs it: `check` never does
    from assessor import results
    from assessor.data.postgres import DatabaseData
    from assessor.engine.backends import EngineChoice


@attrs.frozen
class LoadedScheme:
    """A checked scheme with the text it came from and any plugin warnings found on the way."""

    scheme: m.Scheme
    path: Path
    text: str
    warnings: tuple[Diagnostic, ...] = ()
    # the texts of the templates it extends, nearest first (scheme.bases says which)
    base_texts: tuple[str, ...] = ()
    # what the plugins it uses add to its reports (registry.ReportSection)
    report_sections: tuple[Any, ...] = ()


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
    # when asked for one subject and period: the records behind its numbers, by metric
    evidence: Mapping[str, Any] = attrs.field(factory=dict)
    # what the data says that the outcomes may not show (a mapping naming unknown subjects)
    warnings: tuple[Diagnostic, ...] = ()


def read_scheme(
    path: Path,
    overrides: Mapping[str, str] | None = None,
    sources: dict[str, str] | None = None,
    plugins: Mapping[str, object] | None = None,
    allow: Iterable[str] | None = None,
) -> LoadedScheme:
    """Read, parse and check a scheme file, merged with the templates it extends; ``sources``
    receives every file's text for error excerpts. ``plugins`` (name: module) are registered
    beside the installed ones, as a plugin's own tests do (``assessor.testing``). ``allow``
    names the only installed plugins loaded (a project's ``plugins:``); None: all.
    """
    from assessor.model.check import check_scheme
    from assessor.plugins.manager import load_registry

    registry, problems = load_registry(allow, extra=plugins)
    texts: list[str] = []
    tree = _parsed(path, registry.templates, texts, sources, ())
    checked, warnings = check_scheme(tree, registry, overrides or {})
    sections = tuple(s for s in registry.report_sections.values() if s.plugin in checked.plugins)
    return LoadedScheme(
        checked, path, texts[0], tuple(problems) + tuple(warnings), tuple(texts[1:]), sections
    )


# a template may extend another; a longer chain is almost certainly a mistake
_MAX_BASES = 5


def _parsed(
    path: Path,
    templates: Mapping[str, Any],
    texts: list[str],
    sources: dict[str, str] | None,
    chain: tuple[Path, ...],
) -> Any:
    """The syntax tree of a scheme file, merged with the templates it extends."""
    from assessor.syntax.extend import extend
    from assessor.syntax.parser import parse

    text = read_text(path)
    texts.append(text)
    if sources is not None:
        sources[str(path)] = text
    tree = parse(text, str(path))
    named = tree.header.extends
    if named is None:
        return tree
    base = _template_path(named, path, templates)
    if base.resolve() in chain or len(chain) >= _MAX_BASES:
        fail(
            "E235",
            f"{path.name} extends {named.value!r}, which leads back to itself"
            if base.resolve() in chain
            else f"more than {_MAX_BASES} templates extend one another",
            named.span,
            "a template must not extend the scheme built on it",
        )
    template = _parsed(base, templates, texts, sources, (*chain, path.resolve()))
    return extend(template, tree, named.value)


def _template_path(named: Any, scheme: Path, templates: Mapping[str, Any]) -> Path:
    """Where ``extends "x"`` points: a file beside the scheme (``x.assess``), or an installed
    template by id (``auto-aftersales/churn-control``, or ``churn-control`` when unique).
    """
    from assessor.errors import suggest

    value = named.value
    if value.endswith(".assess") and _leaves_folder(value):
        # a scheme file is safe to open: it may not make assessor read files elsewhere
        hint = "a template file must be in the scheme's folder or below it (no '..', no '/...')"
    elif value.endswith(".assess"):
        found = scheme.parent / value
        if found.is_file():
            return found
        hint = "the path is relative to the scheme's folder"
    else:
        matches = [t for id, t in templates.items() if value in (id, id.rsplit("/", 1)[-1])]
        if len(matches) == 1:
            return matches[0].path
        hint = (
            f"{value!r} names several templates; write the full id"
            if matches
            else suggest(value, [*templates, *(id.rsplit("/", 1)[-1] for id in templates)])
            or "`assessor templates` lists them; in a project, its plugin must be listed "
            "under plugins: in assessor.yaml, if that list is there"
        )
    fail("E234", f"no template {value!r} to extend", named.span, hint)


def _leaves_folder(written: str) -> bool:
    """Whether a written template path could point outside the scheme's folder."""
    # either way of writing a path: a scheme written on Windows may be read on Linux
    return any(
        path.anchor or ".." in path.parts
        for path in (PurePosixPath(written), PureWindowsPath(written))
    )


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
            DataLocation(str(path), _line_of(error)),
            "save the scheme as UTF-8",
        )


def _line_of(error: Exception) -> int | None:
    """The line of the first byte that is not UTF-8, so an editor can jump to it."""
    if isinstance(error, UnicodeDecodeError):
        return error.object[: error.start].count(b"\n") + 1
    return None


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


def period_warnings(scheme: m.Scheme, first: m.Period) -> list[Diagnostic]:
    """W203 when the first assessed period starts before this version of the scheme takes
    effect: its results follow rules that were not yet in force.
    """
    start = first.first_month
    if scheme.effective is None or datetime.date(start.year, start.month, 1) >= scheme.effective:
        return []
    version = f"version {scheme.version}" if scheme.version else "this version"
    warning = Diagnostic(
        "W203",
        f"{first} starts before {version} takes effect ({scheme.effective.isoformat()})",
        None,
        "run the version that was in force then, or use `assessor simulate` to back-test",
        severity="warning",
    )
    return [warning]


def assess(
    loaded: LoadedScheme,
    data: Path | DatabaseData,
    first: m.Period,
    last: m.Period,
    language: results.Language = "en",
    rejects: Path | None = None,
    renames: Mapping[str, Mapping[str, str]] | None = None,
    evidence_for: tuple[str, m.Period] | None = None,
    progress: Callable[[str], None] | None = None,
    engine: EngineChoice | None = None,
    encodings: Mapping[str, str] | None = None,
    duckdb: Mapping[str, str] | None = None,
) -> Assessment:
    """Evaluate a checked scheme on a data folder for the periods from ``first`` to ``last``.

    ``data`` may also name input tables already in PostgreSQL (``data.postgres``); they are
    checked and read in place, and the engine is that database.

    With ``rejects``, input rows that break their table's rules are written there and left
    out; otherwise the first of them stop the run. ``evidence_for`` (a subject and one of
    the periods) also gives the records behind that subject's numbers (``evidence``).
    ``progress`` hears a few words at each step (a progress bar on a terminal). ``engine``
    runs the plan (default: DuckDB in process; see ``engine.backends``). ``encodings``
    declares the encoding of tables' CSV files (default: detected); ``duckdb``, DuckDB's
    settings (``memory_limit``, ``threads``, ``temp_directory``).
    """
    from assessor import results
    from assessor.data.postgres import DatabaseData
    from assessor.data.spark_tables import SparkData
    from assessor.engine.backends import engine_for_data
    from assessor.engine.evaluate import evaluate

    if isinstance(data, (DatabaseData, SparkData)) and engine is None:
        engine = engine_for_data(data, None)  # the tables are read where they are
    evaluation = evaluate(
        loaded.scheme, data, first, last, rejects, renames, evidence_for, progress, engine,
        encodings, duckdb,
    )  # fmt: skip
    outcomes = results.build_outcomes(loaded.scheme, evaluation.rows, language)
    return Assessment(
        loaded,
        first,
        last,
        tuple(outcomes),
        tuple(results.build_totals(outcomes)),
        _manifest(loaded, evaluation.inputs, first, last, engine),
        tuple(evaluation.rows),
        evaluation.evidence,
        evaluation.warnings,
    )


def write_outputs(assessment: Assessment, out: Path) -> None:
    """results.csv, totals.csv and manifest.json, written atomically."""
    from assessor import results

    results.write_atomically(
        out,
        {
            "results.csv": results.results_csv(assessment.outcomes),
            "totals.csv": results.totals_csv(assessment.totals),
            "manifest.json": results.manifest_json(assessment.manifest),
        },
    )


def _sha256(text: str) -> str:
    import hashlib  # here, not at the top: loading OpenSSL costs `assessor check` 3 ms

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _manifest(
    loaded: LoadedScheme, inputs, first: m.Period, last: m.Period, engine: EngineChoice | None
) -> dict[str, Any]:
    from assessor.model.units import describe_quantity

    scheme = loaded.scheme
    return {
        "assessor_version": __version__,
        "scheme": {
            "file": loaded.path.name,
            "title": scheme.title,
            "version": scheme.version,
            "effective": scheme.effective.isoformat() if scheme.effective else None,
            "sha256": _sha256(loaded.text),
            "extends": [
                {"template": b.source, "title": b.title, "version": b.version, "sha256": _sha256(t)}
                for b, t in zip(scheme.bases, loaded.base_texts, strict=True)
            ],
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
            # a table read from a folder also lists its files (used and rejected: per table)
            | (
                {
                    "files": [
                        {"file": f.name, "rows_read": f.read, "sha256": f.sha256} for f in t.files
                    ]
                }
                if t.files
                else {}
            )
            for t in inputs
        ],
        "parameters": {p.name: describe_quantity(p.value, p.unit) for p in scheme.params},
        "periods": {"from": str(first), "to": str(last)},
        "plugins": list(scheme.plugins),
        # the kind only: a server's address or a cluster's may change, the results may not
        "engine": engine.kind if engine is not None else "duckdb",
    }
