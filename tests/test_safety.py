"""A scheme file is safe to open: it cannot run code, import modules or read other files, and
input far too large or too deeply nested gets a limit error instead of a crash or a long run.

Hostile text is only ever a name, a label or a syntax error: these tests write Python, SQL
and paths into schemes and data, and check that assessor answers with a located diagnostic
or an ordinary result, and that nothing else happened (no file created, no data changed).
"""

from __future__ import annotations

import csv
import shutil
import time
from pathlib import Path

import pytest
from conftest import ACCEPTANCE, TEMPLATE, invoke

from assessor.errors import AssessorError, Span
from assessor.session import read_scheme
from assessor.syntax.limits import (
    MAX_EXPRESSION_DEPTH,
    MAX_NESTING,
    MAX_SCHEME_BYTES,
    MAX_SCHEME_LINES,
)

INJECTION = "'; drop table visits; --"
HEADER = 'scheme "安全" uses auto_aftersales period month window 2015-08 .. 2015-12\n'
# a metric of the template's plugin, so that only the line under test can be wrong
CHURN = (
    "role service_manager store\nparam lapse = 8 months\nmetric store_churn = churn_rate(lapse)\n"
)
RULE = "rule r for service_manager when store_churn > 0% reward 200 otherwise 0\n"
SECONDS = 10  # far more than any of these takes; a hang or a blow-up would not finish


def _codes(text: str, folder: Path, name: str = "scheme.assess") -> list[str]:
    """The codes of the errors `check` reports for ``text`` (empty when it checks)."""
    path = folder / name
    path.write_text(text, "utf-8")
    try:
        read_scheme(path)
    except AssessorError as error:
        return [d.code for d in error.diagnostics if d.severity == "error"]
    return []


# Code ---------------------------------------------------------------------------------------

_CODE = {
    "a call of __import__": 'metric m = __import__("os").system("touch {marker}")\n',
    "eval": "metric m = eval(\"open('{marker}', 'w')\")\n",
    "exec as a rule condition": (
        "rule x for service_manager when exec(\"open('{marker}', 'w')\") reward 1\n"
    ),
    "open as a function": 'metric m = open("{marker}")\n',
    "a Python statement": "import os; os.system('touch {marker}')\n",
    "a Python block": "def f():\n    open('{marker}', 'w')\nf()\n",
    "SQL as a metric": "metric m = select * from visits; drop table visits\n",
}


@pytest.mark.parametrize("line", _CODE.values(), ids=_CODE.keys())
def test_code_in_a_scheme_is_an_error_and_never_runs(line: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = HEADER + CHURN + RULE + line.format(marker=marker)
    codes = _codes(text, tmp_path)
    assert codes, "hostile text must not check"
    assert all(code.startswith("E") for code in codes)
    assert not marker.exists()


def test_code_in_a_label_is_kept_as_text(tmp_path: Path) -> None:
    label = "{__import__('os').system('touch x')} {{ 7*7 }} ${HOME} `id`"
    text = HEADER + CHURN + f'rule r "{label}" for service_manager when store_churn > 0% reward 1\n'
    path = tmp_path / "scheme.assess"
    path.write_text(text, "utf-8")
    (rule,) = read_scheme(path).scheme.rules
    assert rule.label == label
    assert not (tmp_path / "x").exists()


def test_python_names_are_only_names(tmp_path: Path) -> None:
    """`__import__`, `os` and `eval` are valid names in the language, with no meaning."""
    text = (
        HEADER
        + "role service_manager store\nparam __import__ = 8 months\n"
        + "metric os = churn_rate(__import__)\n"
        + "rule eval for service_manager when os > 0% reward 1\n"
    )
    path = tmp_path / "scheme.assess"
    path.write_text(text, "utf-8")
    scheme = read_scheme(path).scheme
    assert [p.name for p in scheme.params] == ["__import__"]
    assert [r.id for r in scheme.rules] == ["eval"]


# SQL ----------------------------------------------------------------------------------------


def _results(out: Path) -> list[dict[str, str]]:
    with (out / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _in_order(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(rows, key=lambda row: (row["period"], row["role"], row["subject"], row["item"]))


def test_sql_in_a_label_is_only_a_label(tmp_path: Path) -> None:
    original = TEMPLATE.read_text("utf-8")
    hostile = original.replace('"业务接待组流失率考核"', f'"{INJECTION}"', 1)
    assert hostile != original
    scheme = tmp_path / "scheme.assess"
    scheme.write_text(hostile, "utf-8")
    data = tmp_path / "data"
    shutil.copytree(ACCEPTANCE / "data", data)
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    assert invoke("run", scheme, "--data", data, "--out", tmp_path / "a").exit_code == 0
    assert invoke("run", TEMPLATE, "--data", data, "--out", tmp_path / "b").exit_code == 0
    # a label changes no amount: the same rows as the template's own run
    assert _results(tmp_path / "a") == _results(tmp_path / "b")
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before
    (rule,) = [r for r in read_scheme(scheme).scheme.rules if r.id == "advisor_group_churn"]
    assert rule.label == INJECTION


def test_sql_in_a_group_name_is_only_a_name(tmp_path: Path) -> None:
    """Renaming group Echo to a piece of SQL in the data renames that subject and nothing else."""
    plain, hostile = tmp_path / "plain", tmp_path / "hostile"
    shutil.copytree(ACCEPTANCE / "data", plain)
    hostile.mkdir()
    for source in plain.iterdir():
        text = source.read_text("utf-8")
        assert ",Echo" in text or source.name != "visits.csv"
        (hostile / source.name).write_text(text.replace(",Echo", f",{INJECTION}"), "utf-8")
    before = {p.name: p.read_bytes() for p in hostile.iterdir()}
    for data, out in ((plain, "a"), (hostile, "b")):
        outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path / out)
        assert outcome.exit_code == 0, outcome.stderr
    renamed = [
        {**row, "subject": "Echo"} if row["subject"] == INJECTION else row
        for row in _results(tmp_path / "b")
    ]
    assert any(row["subject"] == INJECTION for row in _results(tmp_path / "b"))
    assert _in_order(renamed) == _in_order(_results(tmp_path / "a"))
    assert {p.name: p.read_bytes() for p in hostile.iterdir()} == before


def test_sql_in_a_parameter_override_is_not_a_value(tmp_path: Path) -> None:
    outcome = invoke("check", TEMPLATE, "--set", f"lapse_months=8 months{INJECTION}")
    assert outcome.exit_code == 1
    assert "error[E217]" in outcome.stderr
    assert "Traceback" not in outcome.stderr


# Files --------------------------------------------------------------------------------------

_SECRET = 'scheme "机密"\n# the text of a file the scheme must not reach: 4217-secret\n'


@pytest.mark.parametrize(
    "written",
    [
        "../outside.assess",
        "sub/../../outside.assess",
        "{outside}",  # an absolute path
        "..\\outside.assess",  # written on Windows
        "../../etc/passwd",
        "/etc/passwd",
    ],
)
def test_extends_cannot_reach_outside_the_schemes_folder(written: str, tmp_path: Path) -> None:
    outside = tmp_path / "outside.assess"
    outside.write_text(_SECRET, "utf-8")
    folder = tmp_path / "project"
    (folder / "sub").mkdir(parents=True)
    scheme = folder / "scheme.assess"
    target = written.format(outside=outside)
    scheme.write_text(f'scheme "x" extends "{target}"\n' + RULE, "utf-8")
    outcome = invoke("check", scheme)
    assert outcome.exit_code == 1
    assert "error[E234]" in outcome.stderr
    assert "4217-secret" not in outcome.stderr + outcome.stdout


def test_extends_reaches_a_file_in_a_folder_below(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    shutil.copy(TEMPLATE, tmp_path / "base" / "churn.assess")
    scheme = tmp_path / "scheme.assess"
    scheme.write_text('scheme "华东店" extends "base/churn.assess"\n', "utf-8")
    outcome = invoke("check", scheme)
    assert outcome.exit_code == 0, outcome.stderr


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    scheme = tmp_path / "scheme.assess"
    scheme.write_bytes(HEADER.encode() + CHURN.encode() + "# 注释\n".encode("gbk"))
    outcome = invoke("check", scheme)
    assert outcome.exit_code == 1
    assert f"{scheme}:5" in outcome.stderr  # the header and CHURN are lines 1-4
    assert "error[E001]" in outcome.stderr


# Limits -------------------------------------------------------------------------------------


def _limit_error(text: str, tmp_path: Path) -> tuple[str, Span]:
    """The one error `check` gives for ``text``, which must come quickly."""
    path = tmp_path / "scheme.assess"
    path.write_text(text, "utf-8")
    start = time.perf_counter()
    with pytest.raises(AssessorError) as raised:
        read_scheme(path)
    assert time.perf_counter() - start < SECONDS
    (diagnostic,) = raised.value.diagnostics
    assert isinstance(diagnostic.location, Span)
    return diagnostic.code, diagnostic.location


def test_a_scheme_larger_than_the_limit(tmp_path: Path) -> None:
    # 3 bytes per Chinese character: the text is short in characters, long in bytes
    comment = "# " + "很" * 1000 + "\n"
    copies = MAX_SCHEME_BYTES // len(comment.encode()) + 1
    assert copies < MAX_SCHEME_LINES
    code, span = _limit_error(HEADER + comment * copies, tmp_path)
    assert (code, span.line) == ("E104", 1)


def test_a_scheme_longer_than_the_limit(tmp_path: Path) -> None:
    code, span = _limit_error(HEADER + "#\n" * MAX_SCHEME_LINES, tmp_path)
    assert (code, span.line) == ("E107", MAX_SCHEME_LINES + 1)


def test_a_scheme_of_exactly_the_line_limit_is_read(tmp_path: Path) -> None:
    lines = MAX_SCHEME_LINES - HEADER.count("\n") - CHURN.count("\n") - RULE.count("\n")
    assert _codes(HEADER + CHURN + RULE + "#\n" * lines, tmp_path) == []


def test_parentheses_nested_deeper_than_the_limit(tmp_path: Path) -> None:
    deep = "(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1)
    code, span = _limit_error(HEADER + f"metric m = {deep}\n" + RULE, tmp_path)
    # the first parenthesis too many is the 65th, after "metric m = " (11 characters)
    assert (code, span.line, span.column) == ("E105", 2, 12 + MAX_NESTING)


def test_parentheses_in_comments_and_labels_do_not_nest(tmp_path: Path) -> None:
    # words, not brackets: (1) (2) … or a frowning face, far more than the limit
    opened = "(" * (MAX_NESTING + 1)
    labelled = CHURN.replace("store_churn =", f'store_churn "{opened}" =')
    assert _codes(HEADER + f"# {opened}\n" + labelled + RULE + f"# {opened}\n", tmp_path) == []


def _condition(kind: str, levels: int) -> str:
    """A rule condition exactly ``levels`` deep: the comparison is one level."""
    inner = levels - 1
    return {
        "not": "not " * inner + "store_churn > 0%",
        "negate": "-" * inner + "store_churn < 0%",
        "sum": "store_churn" + " + store_churn" * inner + " > 0%",
        "call": "max(" * inner + "store_churn" + ", 0%)" * inner + " > 0%",
        "and": "store_churn > 0%" + " and store_churn > 0%" * inner,
    }[kind]


_KINDS = ("not", "negate", "sum", "call", "and")


@pytest.mark.parametrize("kind", _KINDS)
def test_an_expression_at_the_depth_limit_checks(kind: str, tmp_path: Path) -> None:
    """Every stage of `check` handles the deepest expression the parser lets through.

    ``max`` reads each operand three times once written out (E240): max(max(x, 0%), 0%) has
    2 + 3·8 + 3 = 29 terms, and 49 levels far more than 1,000, so that one is refused as too
    large to compute rather than checked.
    """
    rule = f"rule r for service_manager when {_condition(kind, 50)} reward 1\n"
    assert MAX_EXPRESSION_DEPTH == 50
    assert _codes(HEADER + CHURN + rule, tmp_path) == (["E240"] if kind == "call" else [])


@pytest.mark.parametrize("kind", _KINDS)
@pytest.mark.parametrize("levels", [MAX_EXPRESSION_DEPTH + 1, 5000])
def test_an_expression_deeper_than_the_limit(kind: str, levels: int, tmp_path: Path) -> None:
    """Far past the limit as well: such chains used to end in a RecursionError."""
    rule = f"rule r for service_manager\n  when {_condition(kind, levels)} reward 1\n"
    code, span = _limit_error(HEADER + CHURN + rule, tmp_path)
    # so many calls are first too many parentheses
    expected = "E105" if kind == "call" and levels - 1 > MAX_NESTING else "E106"
    assert (code, span.line) == (expected, 6)  # the header is 1 line, CHURN 3, `rule r` 1
