"""Scoring tables from plugins: ``table NAME`` scores an indicator with a method a plugin
declares (``assessor_scoring_tables``), checked and computed exactly as if written in place.

The plugin here is registered directly (``read_scheme(..., plugins=...)``), as a plugin's own
tests do. Every expected number is worked out by hand beside its test.
"""

from __future__ import annotations

import types
from pathlib import Path

import attrs
import pytest

from assessor import api
from assessor.diff import scheme_changes
from assessor.document import scheme_document, to_markdown
from assessor.errors import AssessorError
from assessor.plugins.manager import load_registry
from assessor.session import read_scheme
from assessor.syntax.fmt import format_scheme
from assessor.testing import run_scheme

RESPONSE_BANDS = "bands >= 95% -> 100 | >= 85% -> 80 | >= 70% -> 60 | else 0"
COMPLAINT_DEDUCTION = "deduct 10 per 1 from 100"


def _plugin(*tables: api.ScoringTable, name: str = "fake_scoring_tables") -> types.ModuleType:
    """A plugin module that declares the given scoring tables and nothing else."""
    module = types.ModuleType(name)

    @api.hookimpl
    def assessor_scoring_tables():
        return list(tables)

    module.assessor_scoring_tables = assessor_scoring_tables
    return module


def _table(name: str, method: str, unit: api.Unit = api.Unit.RATIO) -> api.ScoringTable:
    return api.ScoringTable(name, name, name, method, unit, "for the tests")


SERVICE = _plugin(
    _table("响应率评分", RESPONSE_BANDS),
    _table("投诉扣分", COMPLAINT_DEDUCTION, api.Unit.NUMBER),
    _table("满意度线性", "linear 60 -> 0, 90 -> 100", api.Unit.NUMBER),
)
PLUGINS = {"service": SERVICE}

SCHEME = """\
scheme "客服考核" uses service period month window 2026-01 .. 2026-01
role 小组 from kpi_values.subject
scorecard 总分 for 小组 missing 0
  indicator 响应 weight 60% value kpi_percent("响应率") {response}
  indicator 投诉 weight 40% value kpi("投诉") {complaints}
"""
WITH_TABLES = SCHEME.format(response="table 响应率评分", complaints="table 投诉扣分")
INLINE = SCHEME.format(response=RESPONSE_BANDS, complaints=COMPLAINT_DEDUCTION)

KPI = """\
subject,period,indicator,value
A,2026-01,响应率,96
A,2026-01,投诉,2
B,2026-01,响应率,85
B,2026-01,投诉,0
C,2026-01,响应率,84.9
C,2026-01,投诉,5
"""


def _points(rows: list[dict[str, str]]) -> dict[tuple[str, str], str]:
    return {(r["subject"], r["item"]): r["points"] for r in rows}


def _write(folder: Path, text: str, name: str = "scheme.assess") -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def test_a_plugin_table_scores_an_indicator() -> None:
    # By hand. 响应 (bands, first band that holds): 96% >= 95% -> 100; 85% >= 85% -> 80;
    # 84.9% < 85% but >= 70% -> 60. 投诉 (100 - 10 per complaint): 2 -> 80, 0 -> 100, 5 -> 50.
    # 总分 = 60% x 响应 + 40% x 投诉: A 60 + 32 = 92; B 48 + 40 = 88; C 36 + 20 = 56.
    rows = run_scheme(WITH_TABLES, {"kpi_values": KPI}, plugins=PLUGINS)
    assert _points(rows) == {
        ("A", "响应"): "100",
        ("A", "投诉"): "80",
        ("A", "总分"): "92",
        ("B", "响应"): "80",
        ("B", "投诉"): "100",
        ("B", "总分"): "88",
        ("C", "响应"): "60",
        ("C", "投诉"): "50",
        ("C", "总分"): "56",
    }
    explanation = next(r["explanation"] for r in rows if r["item"] == "投诉")
    assert "table 投诉扣分: deduct 10 per 1 from 100" in explanation


def test_a_table_gives_what_the_same_method_written_in_place_gives() -> None:
    with_tables = run_scheme(WITH_TABLES, {"kpi_values": KPI}, plugins=PLUGINS)
    inline = run_scheme(INLINE, {"kpi_values": KPI}, plugins=PLUGINS)
    keep = ("period", "subject", "item", "value", "points", "status")
    assert [{k: r[k] for k in keep} for r in with_tables] == [
        {k: r[k] for k in keep} for r in inline
    ]


def test_the_checked_model_is_the_one_of_the_method_written_in_place(tmp_path: Path) -> None:
    """Only places in the text and the method in words differ: the planner sees the same."""
    tables = read_scheme(_write(tmp_path, WITH_TABLES, "a.assess"), plugins=PLUGINS).scheme
    inline = read_scheme(_write(tmp_path, INLINE, "b.assess"), plugins=PLUGINS).scheme

    def definitions(scheme):
        return [(metric.name, _without_spans(metric.definition)) for metric in scheme.metrics]

    assert definitions(tables) == definitions(inline)


def _without_spans(node: object) -> object:
    if isinstance(node, tuple):
        return tuple(_without_spans(n) for n in node)
    if not attrs.has(type(node)):
        return node
    values = {
        f.name: _without_spans(getattr(node, f.name))
        for f in attrs.fields(type(node))
        if f.name != "span"
    }
    return (type(node).__name__, values)


def test_a_linear_table_interpolates(tmp_path: Path) -> None:
    # By hand: on the line from (60, 0) to (90, 100), 75 -> 0 + (75 - 60) x 100/30 = 50;
    # 95 is past the last point -> 100; 50 is before the first -> 0.
    scheme = (
        'scheme "满意度" uses service period month window 2026-01 .. 2026-01\n'
        "role 小组 from kpi_values.subject\n"
        "scorecard 总分 for 小组 missing 0\n"
        '  indicator 满意 weight 100% value kpi("满意度") table 满意度线性\n'
    )
    kpi = "subject,period,indicator,value\nA,2026-01,满意度,75\nB,2026-01,满意度,95\n"
    kpi += "C,2026-01,满意度,50\n"
    rows = run_scheme(scheme, {"kpi_values": kpi}, plugins=PLUGINS)
    points = _points(rows)
    assert (points["A", "满意"], points["B", "满意"], points["C", "满意"]) == ("50", "100", "0")


def test_amend_replaces_a_method_with_a_table(tmp_path: Path) -> None:
    # By hand: the template scores 投诉 with `score`; the amended scheme deducts 10 a
    # complaint from 100: A (2 complaints) -> 80, B (0) -> 100, C (5) -> 50.
    _write(tmp_path, SCHEME.format(response="table 响应率评分", complaints="score"), "base.assess")
    scheme = _write(tmp_path, 'scheme "改" extends "base.assess"\namend 总分.投诉 table 投诉扣分\n')
    rows = run_scheme(scheme, {"kpi_values": KPI}, plugins=PLUGINS)
    points = _points(rows)
    assert (points["A", "投诉"], points["B", "投诉"], points["C", "投诉"]) == ("80", "100", "50")


def test_fmt_keeps_table_name_and_is_idempotent() -> None:
    messy = WITH_TABLES.replace("table 响应率评分", "table\n     响应率评分")
    once = format_scheme(messy)
    assert 'kpi_percent("响应率")\n    table 响应率评分\n' in once
    assert format_scheme(once) == once
    assert (
        format_scheme('scheme "x"\namend a.b   table   t\n') == 'scheme "x"\n\namend a.b table t\n'
    )


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_document_shows_the_table_and_its_bands(tmp_path: Path, language: str) -> None:
    scheme = read_scheme(_write(tmp_path, WITH_TABLES), plugins=PLUGINS).scheme
    text = to_markdown(scheme_document(scheme, language))
    assert f"table 响应率评分: {RESPONSE_BANDS}".replace("|", "\\|") in text
    assert "table 投诉扣分: deduct 10 per 1 from 100" in text


def test_diff_names_a_change_of_table(tmp_path: Path) -> None:
    before = read_scheme(_write(tmp_path, WITH_TABLES, "a.assess"), plugins=PLUGINS).scheme
    changed = WITH_TABLES.replace("table 投诉扣分", "table 满意度线性")
    after = read_scheme(_write(tmp_path, changed, "b.assess"), plugins=PLUGINS).scheme
    changes = "\n".join(scheme_changes(before, after, "en"))
    assert "table 投诉扣分: deduct 10 per 1 from 100" in changes
    assert "table 满意度线性: linear 60 -> 0, 90 -> 100" in changes


# -- errors ---------------------------------------------------------------------------------


def _errors(tmp_path: Path, text: str, plugins=None) -> list[tuple[str, str, str]]:
    with pytest.raises(AssessorError) as raised:
        read_scheme(_write(tmp_path, text), plugins=PLUGINS if plugins is None else plugins)
    return [
        (d.code, d.message, f"{d.location.line}:{d.location.column} {d.hint}")
        for d in raised.value.diagnostics
    ]


def test_an_unknown_table_is_e241_with_a_suggestion(tmp_path: Path) -> None:
    [(code, message, where)] = _errors(tmp_path, WITH_TABLES.replace("投诉扣分", "投诉扣"))
    assert (code, message) == ("E241", "unknown scoring table '投诉扣'")
    assert where == "5:49 did you mean '投诉扣分'?"


def test_an_unknown_table_lists_the_tables_there_are(tmp_path: Path) -> None:
    [(code, _, where)] = _errors(tmp_path, WITH_TABLES.replace("table 投诉扣分", "table xyz"))
    assert code == "E241"
    assert where.endswith(
        "scoring tables of the plugins this scheme uses: 响应率评分, 投诉扣分, 满意度线性"
    )


def test_a_table_of_a_plugin_not_used_names_the_plugin(tmp_path: Path) -> None:
    errors = _errors(tmp_path, WITH_TABLES.replace("uses service ", ""))
    assert [code for code, _, _ in errors] == ["E241", "E241"]
    where = errors[0][2]
    assert where.endswith("it is declared by plugin 'service': add it to the scheme's `uses`")


BROKEN = {
    "does not parse": (
        "bands >= 95% -> | else 0",
        "scoring table 'broken' of plugin 'service' is not a scoring method: unexpected '|' "
        "(line 1, column 17)",
    ),
    "more than a method": (
        "bands >= 95% -> 100 | else 0 cap 90",
        "scoring table 'broken' of plugin 'service' is not a scoring method: the text goes on "
        "after the scoring method",
    ),
    "another table": (
        "table 响应率评分",
        "scoring table 'broken' of plugin 'service' names another table ('响应率评分') instead "
        "of a method",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_table_that_is_not_one_method_is_e242_naming_plugin_and_table(
    tmp_path: Path, case: str
) -> None:
    method, expected = BROKEN[case]
    plugins = {"service": _plugin(_table("broken", method))}
    text = WITH_TABLES.replace("table 响应率评分", "table broken").replace(
        "table 投诉扣分", "score"
    )
    [(code, message, where)] = _errors(tmp_path, text, plugins)
    assert (code, message) == ("E242", expected)
    assert where.startswith("4:52 ")


def test_a_table_for_another_unit_is_e242(tmp_path: Path) -> None:
    plugins = {
        "service": _plugin(_table("时长评分", "bands <= 24 hours -> 100 | else 0", api.Unit.HOURS))
    }
    text = WITH_TABLES.replace("table 响应率评分", "table 时长评分").replace(
        "table 投诉扣分", "score"
    )
    [(code, message, where)] = _errors(tmp_path, text, plugins)
    assert (code, message) == (
        "E242",
        "scoring table '时长评分' of plugin 'service' scores values in hours; "
        "this value is in ratio",
    )
    assert where.startswith("4:52 ")


def test_a_mistake_inside_a_table_keeps_its_code_and_names_the_table(tmp_path: Path) -> None:
    # the bands end without `else`: E228 as written in place, told of the table, placed at
    # the `table NAME` of the scheme (the table's own text is in no file the person can open)
    plugins = {"service": _plugin(_table("gappy", "bands >= 95% -> 100 | >= 85% -> 80"))}
    text = WITH_TABLES.replace("table 响应率评分", "table gappy").replace("table 投诉扣分", "score")
    [(code, message, where)] = _errors(tmp_path, text, plugins)
    assert (code, message) == (
        "E228",
        "scoring table 'gappy' of plugin 'service': values below 85% fall in no band",
    )
    assert where.startswith("4:52 ")


def test_two_plugins_declaring_one_table_is_a_conflict() -> None:
    extra = {
        "first": _plugin(_table("same", RESPONSE_BANDS), name="first_tables"),
        "second": _plugin(_table("same", "score", api.Unit.NUMBER), name="second_tables"),
    }
    registry, problems = load_registry(extra=extra)
    assert registry.scoring_tables["same"].plugin == "first"
    assert [p.code for p in problems if "'same'" in p.message] == ["E402"]


def test_the_compliance_kit_finds_a_table_that_is_not_one_method() -> None:
    from assessor.testing.compliance import declaration_problems

    extra = {
        "good": _plugin(_table("fine", RESPONSE_BANDS), name="good_tables"),
        "bad": _plugin(
            _table("nested", "table fine"),
            _table("broken", "bands >= 95%"),
            _table("two words", "score", api.Unit.NUMBER),
            name="bad_tables",
        ),
    }
    registry, _ = load_registry(extra=extra)
    assert declaration_problems(registry, "good") == []
    found = [(p.where, p.message) for p in declaration_problems(registry, "bad")]
    assert found == [
        ("scoring table nested", "method 'table fine' names another table instead of a method"),
        (
            "scoring table broken",
            "method 'bands >= 95%' is not a scoring method: the method ends too early",
        ),
        (
            "scoring table two words",
            "name 'two words' cannot be written in a scheme: use letters, digits and _",
        ),
    ]
