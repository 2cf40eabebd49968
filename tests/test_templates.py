"""The scheme templates under schemes/: each checks, points precisely at any misspelt name,
passes its own scheme tests, and runs on its sample data with rows for every subject.

Every test here runs the command line in process (``conftest.invoke``), as a user would.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from conftest import ROOT, invoke

from assessor.syntax import ast
from assessor.syntax.parser import parse

SCHEMES = ROOT / "schemes"
TEMPLATES = sorted(SCHEMES.rglob("*.assess"))


def _template_id(path: Path) -> str:
    return str(path.relative_to(SCHEMES))


# -- (a) every template checks ------------------------------------------------------------


def test_there_are_templates() -> None:
    assert len(TEMPLATES) >= 5, [_template_id(p) for p in TEMPLATES]


@pytest.mark.parametrize("scheme", TEMPLATES, ids=_template_id)
def test_template_checks(scheme: Path) -> None:
    outcome = invoke("check", scheme)
    assert outcome.exit_code == 0, outcome.stderr
    assert "ok" in outcome.stdout


# -- (b) a misspelt reference is reported at its place, with a suggestion ------------------


@attrs.frozen
class Reference:
    """One use of a declared name: which template, what kind of name, and where it is."""

    scheme: Path
    kind: str
    name: ast.Identifier

    @property
    def id(self) -> str:
        """``floor-heating/customer-relations.assess:12:5 role team`` for the test name."""
        span = self.name.span
        return f"{_template_id(self.scheme)}:{span.line}:{span.column} {self.kind} {self.name.text}"


def _walk(node: object) -> Iterator[object]:
    """Every syntax node below ``node`` (itself included), in source order."""
    yield node
    if attrs.has(type(node)):
        for field in attrs.fields(type(node)):
            yield from _walk(getattr(node, field.name))
    elif isinstance(node, tuple):
        for item in node:
            yield from _walk(item)


def references(tree: ast.SchemeText) -> Iterator[tuple[str, ast.Identifier]]:
    """Every identifier in a scheme that refers to a name declared elsewhere (in the scheme,
    or an input table and its columns), with the kind of name it is.

    Declarations themselves, labels, criteria, grade texts and the plugin metrics called
    (``kpi``) are not references to something the scheme declares, so they are not listed.
    """
    for node in _walk(tree):
        match node:
            case ast.NameRef(name=name):
                yield "value", name
            case ast.OverMapping(table=table, column=column):
                yield "table", table
                yield "column", column
            case ast.RoleDecl(source=ast.FromColumn(table=table, column=column)):
                yield "table", table
                yield "column", column
            case ast.MetricDecl(grain=grain) if grain is not None:
                yield "role", grain
            case ast.RuleDecl(roles=roles):
                for role in roles:
                    yield "role", role
            case ast.ScorecardDecl(role=role) | ast.LimitDecl(role=role) | ast.PoolDecl(role=role):
                yield "role", role
            case ast.GradeDecl(role=role, on=on):
                yield "role", role
                yield "scorecard", on
            case ast.BonusDecl(role=role, grade=grade):
                yield "role", role
                if grade is not None:
                    yield "grade", grade


def _all_references() -> list[Reference]:
    found = []
    for scheme in TEMPLATES:
        tree = parse(scheme.read_text("utf-8"), str(scheme))
        found += [Reference(scheme, kind, name) for kind, name in references(tree)]
    return found


REFERENCES = _all_references()


def misspell(text: str, name: ast.Identifier) -> str:
    """The scheme text with this one occurrence of the name misspelt (an ``x`` appended)."""
    lines = text.split("\n")
    line = lines[name.span.line - 1]
    start = name.span.column - 1
    end = start + len(name.text)
    assert line[start:end] == name.text, f"{name.text!r} is not at {name.span.describe()}"
    lines[name.span.line - 1] = line[:start] + name.text + "x" + line[end:]
    return "\n".join(lines)


def test_every_template_has_references() -> None:
    templates = {reference.scheme for reference in REFERENCES}
    assert templates == set(TEMPLATES)


@pytest.mark.parametrize("reference", REFERENCES, ids=lambda r: r.id)
def test_misspelt_reference_is_located_with_a_suggestion(
    reference: Reference, tmp_path: Path
) -> None:
    text = reference.scheme.read_text("utf-8")
    broken = tmp_path / reference.scheme.name
    broken.write_text(misspell(text, reference.name), "utf-8")
    outcome = invoke("check", broken)
    span = reference.name.span
    assert outcome.exit_code == 1, outcome.stdout + outcome.stderr
    assert f"{broken}:{span.line}:{span.column}" in outcome.stderr, outcome.stderr
    assert "did you mean" in outcome.stderr, outcome.stderr


# -- (c) the templates' own scheme tests pass -----------------------------------------------


def test_scheme_tests_pass() -> None:
    outcome = invoke("test", SCHEMES)
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
    assert " 0 failed" in outcome.stdout, outcome.stdout


def test_every_new_template_has_scheme_tests() -> None:
    """Every template except the original churn-control one has at least three cases."""
    for scheme in TEMPLATES:
        if scheme.name == "churn-control.assess":
            continue
        folder = scheme.with_name(f"{scheme.stem}.tests")
        cases = [p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") or p.is_dir()]
        assert len(cases) >= 3, f"{_template_id(scheme)}: {len(cases)} scheme tests"


# -- (d) every template is catalogued and runs on its sample data ---------------------------


def _catalogue() -> list[dict]:
    outcome = invoke("templates", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    return json.loads(outcome.stdout)


CATALOGUE = _catalogue()


def test_every_template_file_is_catalogued_by_its_plugin() -> None:
    assert {Path(e["path"]).resolve() for e in CATALOGUE} == {p.resolve() for p in TEMPLATES}
    for entry in CATALOGUE:
        assert entry["id"] == _template_id(Path(entry["path"])).removesuffix(".assess")
        assert entry["roles"] and entry["inputs"], entry["id"]
        assert entry["from"] <= entry["to"], entry["id"]


def expected_subjects(scheme: Path, data: Path) -> dict[str, set[str]]:
    """Per role of the scheme, the subjects its sample data has: the values of the role's
    column (``store`` for a store-level role)."""
    tree = parse(scheme.read_text("utf-8"), str(scheme))
    subjects = {}
    for decl in tree.declarations:
        if not isinstance(decl, ast.RoleDecl):
            continue
        source = decl.source
        if isinstance(source, ast.StoreLevel):
            subjects[decl.name.text] = {"store"}
            continue
        with (data / f"{source.table.text}.csv").open(encoding="utf-8", newline="") as handle:
            values = {row[source.column.text] for row in csv.DictReader(handle)}
        subjects[decl.name.text] = values - {""}
    return subjects


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e["id"])
def test_template_runs_over_its_sample_data_with_reasons(entry: dict, tmp_path: Path) -> None:
    """The whole span the sample data covers, as a program reading the catalogue would run it;
    every result has an explanation and every subject of the data has results."""
    scheme, data = Path(entry["path"]), Path(entry["sample_data"])
    outcome = invoke(
        "run", scheme, "--data", data, "--from", entry["from"], "--to", entry["to"],
        "--out", tmp_path,
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.stderr
    with (tmp_path / "results.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    assert all(row["explanation"].strip() for row in rows)
    for role, subjects in expected_subjects(scheme, data).items():
        assessed = {row["subject"] for row in rows if row["role"] == role}
        assert subjects <= assessed, f"{role}: no results for {sorted(subjects - assessed)}"
