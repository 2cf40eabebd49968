"""The run-time parser (`syntax.lexparse` over the exported tables) against lark itself.

`parse` must give exactly what lark's parser gives, through the same tree builder: the same
syntax tree with the same spans, or the same diagnostics (E101-E103 with their "expected ..."
words, E106). The reference is `parse_with_lark`. Inputs: every scheme in the repository, the
scheme texts of the error cases, every fenced block of the docs, the fuzzers' assembled and
mutated schemes, and cases written for the places where lark's contextual lexer decides.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, TEMPLATE
from hypothesis import given
from test_docs import all_blocks
from test_fuzz import FUZZ, mutated_templates, schemes

from assessor.errors import AssessorError
from assessor.syntax import grammar_tables, lexparse
from assessor.syntax.parser import parse, parse_with_lark
from assessor.syntax.tables_build import GRAMMAR, TABLES, build_tables


def _outcome(parser, text: str) -> tuple:
    """The tree, or the diagnostics, that a parser gives for ``text``."""
    try:
        return ("tree", parser(text, "s.assess"))
    except AssessorError as error:
        return ("diagnostics", error.diagnostics)


def _assert_same(text: str) -> None:
    assert _outcome(parse, text) == _outcome(parse_with_lark, text)


# The committed tables ------------------------------------------------------------------------


def test_the_committed_tables_are_those_of_the_grammar() -> None:
    """Else run ``python -m assessor.syntax.tables_build`` after changing grammar.lark."""
    built = build_tables(GRAMMAR.read_text("utf-8"))
    for name, value in built.items():
        assert getattr(grammar_tables, name) == value, name
    assert lexparse.tables() is grammar_tables


def _clear_caches() -> None:
    for cached in (lexparse.tables, lexparse._lexers, lexparse._plans):
        cached.cache_clear()


def test_stale_tables_are_built_anew_with_lark(monkeypatch) -> None:
    # someone changed grammar.lark and did not regenerate: the parser still follows it
    text = TEMPLATE.read_text("utf-8")
    expected = parse(text)
    monkeypatch.setattr(grammar_tables, "GRAMMAR_KEY", (0, 0))
    _clear_caches()
    try:
        assert lexparse.tables() is not grammar_tables
        assert parse(text) == expected
    finally:
        monkeypatch.undo()
        _clear_caches()
    assert lexparse.tables() is grammar_tables


@pytest.mark.parametrize("seed", ["1", "2"])
def test_the_export_does_not_depend_on_string_hashing(seed: str) -> None:
    # lark numbers its states in an order that varies with PYTHONHASHSEED; the export
    # renumbers them from the start state, so that every build gives the same tables
    code = (
        "from assessor.syntax.tables_build import GRAMMAR, TABLES, build_tables, render; "
        "import sys; sys.stdout.write(render(build_tables(GRAMMAR.read_text('utf-8'))))"
    )
    env = {**os.environ, "PYTHONHASHSEED": seed}
    built = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert built.stdout == TABLES.read_text("utf-8")


def test_check_imports_neither_lark_nor_yaml_nor_importlib_metadata(tmp_path: Path) -> None:
    code = (
        "import sys; from assessor.session import read_scheme; from pathlib import Path; "
        f"read_scheme(Path({str(TEMPLATE)!r})); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('lark', 'yaml', 'importlib_metadata') or m == 'importlib.metadata'))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert shown.stdout.strip() == "[]", shown.stdout + shown.stderr


# Every text the repository holds --------------------------------------------------------------

SCHEME_FILES = sorted(
    path
    for folder in ("schemes", "tests", "bench", "plugins", "docs")
    for path in (ROOT / folder).rglob("*.assess")
)


@pytest.mark.parametrize("path", SCHEME_FILES, ids=[str(p.relative_to(ROOT)) for p in SCHEME_FILES])
def test_each_scheme_file_parses_as_lark_parses_it(path: Path) -> None:
    _assert_same(path.read_text("utf-8"))


def _error_case_texts() -> list[tuple[str, str]]:
    texts = []
    for path in sorted((ROOT / "tests" / "cases" / "errors").glob("*.yaml")):
        case = yaml.safe_load(path.read_text("utf-8"))
        text = case.get("scheme") or TEMPLATE.read_text("utf-8")
        for old, new in (case.get("replace") or {}).items():
            text = text.replace(old, new, 1)
        texts.append((path.stem, text))
        extras = (case.get("files") or {}).items()
        texts += [(f"{path.stem}/{name}", extra) for name, extra in extras]
    return texts


ERROR_CASES = _error_case_texts()


@pytest.mark.parametrize("text", [t for _, t in ERROR_CASES], ids=[n for n, _ in ERROR_CASES])
def test_each_error_case_parses_as_lark_parses_it(text: str) -> None:
    _assert_same(text)


DOC_BLOCKS = all_blocks()


@pytest.mark.parametrize("block", DOC_BLOCKS, ids=[b.id for b in DOC_BLOCKS])
def test_each_docs_block_parses_as_lark_parses_it(block) -> None:
    # most blocks are not schemes (shell, CSV, fragments): their diagnostics must agree too
    _assert_same(block.text)


# Where the contextual lexer and the tree builder decide ----------------------------------------

HEADER = 'scheme "s"\n  period month window 2015-08 .. 2015-12\n'
EDGES = {
    # a keyword where only a name may come is a name
    "keyword-as-name": HEADER + "param rule = 3\nmetric when = rule + 1\n",
    # where no name may come, a keyword is matched as a prefix of a longer word
    "keyword-prefix": HEADER + "rolex a from t.c\n",
    "keyword-glued": HEADER + "param a = 1parama\n",
    # '=' is EQUAL where no comparison may come, and '==' then two of them
    "double-equal": HEADER + "param a == 1\n",
    "compare-equal": HEADER + 'role r "R" store\nrule for r when 1 = 1 reward 1\n',
    # a month, a quarter and a date only where the grammar takes them
    "period-in-expression": HEADER + "metric m = 2015-08 + 1\n",
    "date-as-period": 'scheme "s" period month window 2015-08-01 .. 2015-12\n',
    "quarter": 'scheme "s" period quarter window 2026-Q1 .. 2026-Q4 transfer 2026-03-01\n',
    "signed": HEADER + "param a = -5 months\nparam b = - 5\n",
    "n/a": HEADER + 'role r "R" store\nmetric m for r = 1 missing n/a\n',
    "dots": HEADER + "metric m = a..b\n",
    # errors: a character no terminal takes, a token the state does not take, the end
    "bad-character": HEADER + "param a = 1 $\n",
    "bad-character-first": "@",
    "unknown-char-in-name-place": HEADER + "param （a） = 1\n",
    "token-not-here": HEADER + "param a = when\n",
    "keyword-not-here": HEADER + "param a 1\n",
    "ends-early": HEADER + "param a =\n",
    "ends-in-comment": HEADER + "param a = # nothing\n",
    "empty": "",
    "only-comment": "# nothing\n",
    "only-spaces": "  \n\t \r\n",
    "unterminated-label": 'scheme "s\n',
    # the text around a node: brackets widen a parent's span, not the node's own
    "brackets": HEADER + "metric m = (((a)) + (b)) * (c)\n",
    "call-brackets": HEADER + "metric m = f((a), b: (c + 1))\n",
    "crlf": HEADER.replace("\n", "\r\n") + "param a = 1\r\nparam b = 2\r\n",
    "tabs-and-chinese": HEADER + 'param 流失\t"流失月数" = 8 个月\n',
    "deep": HEADER + "metric m = " + "a + " * 60 + "a\n",
    "deep-then-broken": HEADER + "metric m = " + "a + " * 60 + "a\nparam\n",
}


@pytest.mark.parametrize("text", EDGES.values(), ids=EDGES.keys())
def test_edge_cases_parse_as_lark_parses_them(text: str) -> None:
    _assert_same(text)


def test_an_expression_too_deep_is_reported_after_syntax_errors() -> None:
    # lark parses the whole text before the tree is built: a later syntax error wins
    broken = _outcome(parse, EDGES["deep-then-broken"])
    assert broken[0] == "diagnostics" and [d.code for d in broken[1]] == ["E103"]
    deep = _outcome(parse, EDGES["deep"])
    assert deep[0] == "diagnostics" and [d.code for d in deep[1]] == ["E106"]


# Fuzzed texts ---------------------------------------------------------------------------------


@FUZZ
@given(text=schemes)
def test_assembled_schemes_parse_as_lark_parses_them(text: str) -> None:
    _assert_same(text)


@FUZZ
@given(data=mutated_templates())
def test_mutated_templates_parse_as_lark_parses_them(data: bytes) -> None:
    _assert_same(data.decode("utf-8", errors="replace"))
