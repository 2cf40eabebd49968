"""Fuzzing the front end: whatever a scheme file holds, `check` answers with located
diagnostics, never a traceback or a hang; and `fmt` is idempotent and keeps the meaning.

Two sources of input, both reproducible (derandomized) and bounded in time:

- schemes assembled from the language's own pieces (a header, params, roles, metrics, rules,
  scorecard lines, expressions, Chinese labels, numbers, brackets), some whole, some broken;
- the templates in schemes/ with their bytes mutated (flipped, cut, repeated, inserted).

`check` is called through ``session.read_scheme``, the function the command line calls.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import FunctionType

import attrs
import pytest
from conftest import ROOT
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lark import Lark, Tree
from lark.exceptions import UnexpectedInput

from assessor.errors import AssessorError, DataLocation, Diagnostic, Span
from assessor.session import read_scheme
from assessor.syntax.fmt import format_scheme
from assessor.syntax.parser import _parser, parse

TEMPLATES = sorted(ROOT.glob("schemes/*/*.assess"))
# every example must finish well within this: a hang or an exponential blow-up would not
_DEADLINE = timedelta(seconds=3)
FUZZ = settings(
    max_examples=150,
    deadline=_DEADLINE,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# What a scheme is made of -------------------------------------------------------------------

_NAMES = (
    "store_churn",
    "group_churn",
    "lapse_months",
    "advisor_group",
    "service_manager",
    "流失率",
    "得分",
    "__import__",
    "eval",
    "x",
    "a1",
    "scheme",  # keywords where a name belongs
    "when",
)
_LABELS = (
    "服务经理",
    "业务接待组 / advisor group",
    "'; drop table visits; --",
    "__import__('os')",
    "{{ 7*7 }}",
    "",
    'quote \\" inside',
    "back\\\\slash",
)
_NUMBERS = ("0", "1", "8", "95", "3.27", "200", "-5", "99999999999999999999999999999", "1e5")
_UNITS = ("", "%", " months", " 个月", " 元", " hours", " days", " furlongs")
_JUNK = ("(", ")", ",", "->", "|", "..", ";", "$", "'", '"', "\\", "\t", "：", "（", "）", "≥")

names = st.sampled_from(_NAMES)
labels = st.sampled_from(_LABELS).map(lambda text: f'"{text}"')
quantities = st.builds(lambda n, u: n + u, st.sampled_from(_NUMBERS), st.sampled_from(_UNITS))
atoms = st.one_of(
    names,
    quantities,
    names.map(lambda n: f"churn_rate({n})"),
    names.map(lambda n: f"mean({n} over previous 3 months)"),
    names.map(lambda n: f"mean({n} of followups.advisor_group)"),
)


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "and", "or"]), inner).map(" ".join),
        st.tuples(inner, st.sampled_from(["<", "<=", ">", ">=", "=", "≠"]), inner).map(" ".join),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"not {e}"),
        inner.map(lambda e: f"-{e}"),
        st.tuples(st.sampled_from(["max", "min"]), inner, inner).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
    )


expressions = st.recursive(atoms, _combine, max_leaves=12)
conditions = st.tuples(expressions, st.sampled_from(["<", ">", "<=", ">="]), expressions).map(
    " ".join
)
_HEADERS = (
    'scheme "售后流失率考核" uses auto_aftersales period month window 2015-08 .. 2015-12',
    'scheme "t"\n  uses auto_aftersales\n  period month',
    'scheme "t" version "2" effective 2015-08-01 uses auto_aftersales period quarter',
    'scheme "t" uses no_such_plugin period month',
    'scheme "t" uses auto_aftersales period month window 2015-12 .. 2015-08',
    'scheme "t" extends "../../etc/passwd"',
    'scheme "t" extends "auto-aftersales/churn-control"',
    'scheme "t" period',
)
_ROLES = (
    'role advisor_group "业务接待组" from visits.advisor_group\n'
    'role followup_specialist "回访专员" from followups.specialist\n'
    'role service_manager "服务经理" store\n'
    "param lapse_months = 8 months\n"
    "metric store_churn = churn_rate(lapse_months)\n"
    "metric group_churn for advisor_group = churn_rate(lapse_months)"
)
declarations = st.one_of(
    st.tuples(names, labels, quantities).map(lambda t: f"param {t[0]} {t[1]} = {t[2]}"),
    st.tuples(names, labels, names).map(lambda t: f"role {t[0]} {t[1]} from visits.{t[2]}"),
    st.tuples(names, expressions).map(lambda t: f"metric {t[0]} = {t[1]}"),
    st.tuples(names, names, expressions).map(lambda t: f"metric {t[0]} for {t[1]} = {t[2]}"),
    st.tuples(names, labels, conditions, quantities).map(
        lambda t: (
            f"rule {t[0]} {t[1]} for service_manager\n  when {t[2]}  reward {t[3]}\n"
            "  otherwise penalty 200"
        )
    ),
    st.tuples(conditions, quantities).map(
        lambda t: f"rule for advisor_group when {t[0]} penalty {t[1]}"
    ),
    st.tuples(names, expressions).map(
        lambda t: (
            f'scorecard {t[0]} "卡" for service_manager\n  indicator "指标" weight 100%\n'
            f"    value {t[1]}\n    bands >= 95% -> 100 | >= 85% -> 80 | else 0"
        )
    ),
    st.tuples(names, names).map(lambda t: f'grade {t[0]} for {t[1]} on x >= 85 -> "A" | else "B"'),
    st.tuples(names, quantities).map(lambda t: f"limit for {t[0]} reward at most {t[1]}"),
    names.map(lambda n: f"drop {n}"),
    st.sampled_from(_JUNK),
    st.text(alphabet="ab 中文#(\n\"'=.%-", max_size=12),
)
schemes = st.tuples(
    st.sampled_from(_HEADERS),
    st.booleans(),
    st.lists(declarations, max_size=6),
    st.sampled_from(["\n", "\n\n", " ", "\n# 注释 comment\n"]),
).map(lambda t: t[0] + "\n" + (_ROLES + "\n" if t[1] else "") + t[3].join(t[2]) + "\n")


@st.composite
def mutated_templates(draw: st.DrawFn) -> bytes:
    """A template's bytes with a few random edits: byte-level, not language-aware."""
    data = bytearray(draw(st.sampled_from(TEMPLATES)).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "cut", "repeat", "insert", "truncate"]))
        if kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(1, 30))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


# The properties -----------------------------------------------------------------------------


def _located(diagnostic: Diagnostic) -> bool:
    """Whether a diagnostic names a file and a line in it."""
    place = diagnostic.location
    if isinstance(place, Span):
        return bool(place.file) and place.line >= 1 and place.column >= 1
    return isinstance(place, DataLocation) and bool(place.file) and (place.row or 0) >= 1


def _check_answers_with_located_errors(path: Path) -> None:
    """`check` either passes or raises AssessorError, every error of which is located."""
    try:
        read_scheme(path)
    except AssessorError as error:
        errors = [d for d in error.diagnostics if d.severity == "error"]
        assert errors, "an AssessorError must carry an error"
        unlocated = [d for d in errors if not _located(d)]
        assert not unlocated, f"errors without a file and line: {unlocated}"


@FUZZ
@given(text=schemes)
# found by this test: a condition negated as a number, and a scorecard with nothing in it
@example(text=_HEADERS[0] + "\nrule for advisor_group when store_churn < -(0 < 0) penalty 0\n")
@example(text=_HEADERS[1] + '\nrole r "r" store\nscorecard s for r\n  missing exclude\n')
def test_check_of_assembled_schemes(text: str, tmp_path: Path) -> None:
    path = tmp_path / "scheme.assess"
    path.write_text(text, "utf-8")
    _check_answers_with_located_errors(path)


@FUZZ
@given(data=mutated_templates())
def test_check_of_mutated_templates(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "scheme.assess"
    path.write_bytes(data)
    _check_answers_with_located_errors(path)


def test_the_assembled_schemes_reach_the_checker() -> None:
    """The generator is no use if every scheme stops at the parser: a good share parses."""
    found = []

    @settings(FUZZ, max_examples=60)
    @given(text=schemes)
    def parses(text: str) -> None:
        try:
            parse(text)
        except AssessorError:
            found.append(False)
        else:
            found.append(True)

    parses()
    assert sum(found) >= len(found) // 4, f"{sum(found)} of {len(found)} parse"


# fmt ----------------------------------------------------------------------------------------


def _without_places(value: object) -> object:
    """A syntax tree or checked model as plain values, every span (the layout) left out."""
    if isinstance(value, Span):
        return None
    if isinstance(value, FunctionType):  # a plugin's closure is made anew at each loading
        return f"{value.__module__}.{value.__qualname__}"
    if attrs.has(type(value)):
        return (
            type(value).__name__,
            *(_without_places(getattr(value, f.name)) for f in attrs.fields(type(value))),
        )
    if isinstance(value, tuple | list):
        return tuple(_without_places(v) for v in value)
    if isinstance(value, dict):
        return {k: _without_places(v) for k, v in value.items()}
    return value


def _checked(text: str, path: Path) -> object:
    """The checked model of ``text`` without its places, or the codes of its errors."""
    path.write_text(text, "utf-8")
    try:
        return _without_places(read_scheme(path).scheme)
    except AssessorError as error:
        return sorted(d.code for d in error.diagnostics)


def _assert_fmt_keeps_meaning(text: str, folder: Path) -> None:
    once = format_scheme(text)
    assert format_scheme(once) == once, "fmt is not idempotent"
    assert _without_places(parse(once)) == _without_places(parse(text))
    assert _checked(once, folder / "formatted.assess") == _checked(text, folder / "a.assess")


@pytest.mark.parametrize("template", TEMPLATES, ids=[p.stem for p in TEMPLATES])
def test_fmt_of_each_template_is_stable_and_keeps_the_model(template: Path, tmp_path: Path) -> None:
    text = template.read_text("utf-8")
    assert not isinstance(_checked(text, tmp_path / "t.assess"), list), "templates check"
    _assert_fmt_keeps_meaning(text, tmp_path)


@settings(FUZZ, max_examples=60)
@given(text=schemes)
def test_fmt_of_assembled_schemes_is_stable_and_keeps_meaning(text: str, tmp_path: Path) -> None:
    try:
        parse(text)
    except AssessorError:
        return  # fmt needs text that parses; check's property covers the rest
    _assert_fmt_keeps_meaning(text, tmp_path)


# The parser's own position tracking -----------------------------------------------------------


def _places(tree: Tree) -> list[tuple[str, int, int, int, int]]:
    """Each subtree's rule and span, in order."""
    return [
        (t.data, t.meta.line, t.meta.column, t.meta.end_line, t.meta.end_column)
        for t in tree.iter_subtrees_topdown()
        if not t.meta.empty
    ]


@pytest.fixture(scope="module")
def lark_positions() -> Lark:
    """The grammar with lark's own `propagate_positions`, the reference for spans."""
    grammar = (ROOT / "src" / "assessor" / "syntax" / "grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)


@pytest.mark.parametrize("template", TEMPLATES, ids=[p.stem for p in TEMPLATES])
def test_spans_are_those_lark_gives(template: Path, lark_positions: Lark) -> None:
    text = template.read_text("utf-8")
    assert _places(_parser().parse(text)) == _places(lark_positions.parse(text))


@FUZZ
@given(text=schemes)
def test_spans_of_assembled_schemes_are_those_lark_gives(text: str, lark_positions: Lark) -> None:
    try:
        reference = lark_positions.parse(text)
    except UnexpectedInput:
        return
    assert _places(_parser().parse(text)) == _places(reference)
