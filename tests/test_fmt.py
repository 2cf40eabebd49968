"""`assessor fmt`: one canonical layout, idempotent, the parse tree unchanged, comments kept.

The hand-written cases are pairs in cases/fmt: NAME.in.assess (messy) and NAME.out.assess (the
exact canonical text). Every scheme in schemes/ and in docs/ is formatted too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, TEMPLATE, invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark import Token
from test_docs import fenced_blocks

from assessor.errors import AssessorError
from assessor.syntax.fmt import _layout_parser, format_scheme
from assessor.syntax.parser import _parser, parse

CASES = Path(__file__).parent / "cases" / "fmt"
PAIRS = sorted(path.name.removesuffix(".in.assess") for path in CASES.glob("*.in.assess"))
SCHEMES = {
    **{
        str(p.relative_to(ROOT)): p.read_text("utf-8")
        for p in sorted(ROOT.glob("schemes/**/*.assess"))
    },
    **{
        f"docs/{block.id}": block.text
        for doc in sorted((ROOT / "docs").glob("*.md"))
        for block in fenced_blocks(doc)
        if block.info == "assess"
    },
    **{f"cases/fmt/{name}": (CASES / f"{name}.in.assess").read_text("utf-8") for name in PAIRS},
}
_COMMENT = re.compile(r"#[^\n]*")


def tokens(text: str) -> list[Token]:
    """Every token of a valid scheme, keywords included, in order."""
    return list(_layout_parser().parse(text).scan_values(lambda v: isinstance(v, Token)))


def comments(text: str) -> list[str]:
    """The comments of a valid scheme, in order (a '#' in a label is part of a token)."""
    found = tokens(text)
    return [
        match.group().rstrip()
        for start, end in zip(
            [0, *(t.end_pos for t in found)],
            [*(t.start_pos for t in found), len(text)],
            strict=True,
        )
        for match in _COMMENT.finditer(text, start, end)
    ]


def assert_laid_out(text: str, formatted: str) -> None:
    """The formatting properties: a fixed point, the same parse tree, every comment in order."""
    assert format_scheme(formatted) == formatted, "formatting twice changes the text"
    assert _layout_parser().parse(formatted) == _layout_parser().parse(text)
    assert _parser().parse(formatted) == _parser().parse(text)
    position = 0
    for comment in comments(text):
        position = formatted.find(comment, position)
        assert position >= 0, f"comment lost or moved out of order: {comment!r}"
        position += len(comment)
    assert not any(line != line.rstrip() for line in formatted.splitlines()), "trailing spaces"
    assert formatted.endswith("\n") and not formatted.endswith("\n\n")


def test_there_are_schemes_and_cases() -> None:
    assert any(name.startswith("docs/") for name in SCHEMES)
    assert {"scorecard", "comments", "spacing", "blank_lines", "layout"} <= set(PAIRS)
    assert "scorecard_blank_lines" in PAIRS


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_formatting_is_idempotent_and_keeps_the_tree(name: str) -> None:
    text = SCHEMES[name]
    assert_laid_out(text, format_scheme(text))


@pytest.mark.parametrize("name", PAIRS)
def test_case(name: str) -> None:
    expected = (CASES / f"{name}.out.assess").read_text("utf-8")
    assert format_scheme((CASES / f"{name}.in.assess").read_text("utf-8")) == expected
    assert format_scheme(expected) == expected


def test_the_template_keeps_its_layout() -> None:
    """Written in the house style: only the space before end-of-line comments may change."""
    text = TEMPLATE.read_text("utf-8")

    def without_comment_spacing(scheme: str) -> list[str]:
        return [re.sub(r" +#", " #", line) for line in scheme.splitlines()]

    assert without_comment_spacing(format_scheme(text)) == without_comment_spacing(text)


@pytest.mark.parametrize(
    "text",
    [
        'scheme "x" period',
        'scheme "x" period month metric = 1',
        'scheme "x" period month metric a = 1 $',
        'scheme "x"\n  period month\nrule r for a\n  otherwise 0\n',
        "",
        "(" * 70,
    ],
)
def test_invalid_text_gives_the_parser_error(text: str) -> None:
    with pytest.raises(AssessorError) as formatted:
        format_scheme(text, "bad.assess")
    with pytest.raises(AssessorError) as parsed:
        parse(text, "bad.assess")
    assert formatted.value.diagnostics == parsed.value.diagnostics


def test_labels_with_hash_and_quotes_stay_as_written() -> None:
    text = 'scheme "a # not a comment \\" x" period month   # 注释\n'
    assert format_scheme(text) == 'scheme "a # not a comment \\" x"\n  period month  # 注释\n'


def test_windows_line_endings_and_a_missing_final_newline() -> None:
    text = 'scheme "x"\r\n  period month\r\n# end'
    assert format_scheme(text) == 'scheme "x"\n  period month\n# end\n'


def test_a_long_sum_is_not_a_recursion_error() -> None:
    text = 'scheme "x" period month metric m = ' + " + ".join(["a"] * 3000)
    assert format_scheme(text).count(" + ") == 2999


# Random layouts of one scheme: only the blank lines before scorecard parts carry over -----------

_PARTS = ("dimension", "indicator", "rubric", "deduct", "veto")  # "deduct_each" is a method
_SAMPLE = (CASES / "scorecard.in.assess").read_text("utf-8")
_TOKENS = tokens(_SAMPLE)
_GAPS = [" ", "  ", "\n", "\n\n", "\n  ", " # c\n", "\n# c\n", "\n\n# c\n\n", "\t"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_GAPS), min_size=len(_TOKENS), max_size=len(_TOKENS)))
def test_any_layout_of_the_same_tokens(gaps: list[str]) -> None:
    numbered = iter(range(len(gaps)))
    text = "".join(
        token + gap.replace("# c", f"# c{next(numbered)}")
        for token, gap in zip(_TOKENS, gaps, strict=True)
    )
    formatted = format_scheme(text)
    assert_laid_out(text, formatted)
    bare = _COMMENT.sub("", text)
    assert format_scheme(bare) == with_blank_lines_before_parts(
        (CASES / "scorecard.out.assess").read_text("utf-8"), spaced_parts(bare)
    )


def _part_keywords(text: str) -> list[Token]:
    """The first token of each scorecard part, in source order."""
    tree = _layout_parser().parse(text)
    return [part.children[0] for part in tree.iter_subtrees_topdown() if part.data in _PARTS]


def spaced_parts(text: str) -> list[bool]:
    """For each scorecard part, whether the source has a blank line before it (no comments)."""
    found = []
    for keyword in _part_keywords(text):
        code_before = text[: keyword.start_pos].rstrip()
        found.append(text[len(code_before) : keyword.start_pos].count("\n") >= 2)
    return found


def with_blank_lines_before_parts(canonical: str, spaced: list[bool]) -> str:
    """A canonical text with no blank line inside its scorecard, given one before some parts."""
    rows = [part.line for part in _part_keywords(canonical)]
    assert len(rows) == len(spaced)
    blank_before = {row for row, blank in zip(rows, spaced, strict=True) if blank}
    lines = canonical.splitlines(keepends=True)
    return "".join(
        ("\n" if number in blank_before else "") + line
        for number, line in enumerate(lines, start=1)
    )


# The command line ------------------------------------------------------------------------------


def _messy(folder: Path, name: str = "scheme.assess") -> Path:
    path = folder / name
    path.write_text((CASES / "scorecard.in.assess").read_text("utf-8"), "utf-8")
    return path


def test_check_reports_and_changes_nothing(tmp_path: Path) -> None:
    path = _messy(tmp_path)
    before = path.read_text("utf-8")
    outcome = invoke("fmt", "--check", path)
    assert outcome.exit_code == 1
    assert str(path) in outcome.stdout
    assert path.read_text("utf-8") == before


def test_fmt_rewrites_in_place_then_check_passes(tmp_path: Path) -> None:
    path = _messy(tmp_path)
    outcome = invoke("fmt", path)
    assert outcome.exit_code == 0, outcome.stderr
    assert "formatted 1 file(s), 0 unchanged" in outcome.stdout
    assert path.read_text("utf-8") == (CASES / "scorecard.out.assess").read_text("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["scheme.assess"], "a temporary file is left"
    again = invoke("fmt", "--check", path)
    assert again.exit_code == 0
    assert invoke("fmt", path).stdout.strip() == "formatted 0 file(s), 1 unchanged"


def test_folders_are_searched_recursively(tmp_path: Path) -> None:
    _messy(tmp_path, "a.assess")
    (tmp_path / "sub").mkdir()
    _messy(tmp_path / "sub", "b.assess")
    (tmp_path / "sub" / "notes.txt").write_text("not a scheme", "utf-8")
    outcome = invoke("fmt", tmp_path)
    assert outcome.exit_code == 0, outcome.stderr
    assert "formatted 2 file(s), 0 unchanged" in outcome.stdout
    assert invoke("fmt", "--check", tmp_path).exit_code == 0


def test_diff_prints_and_changes_nothing(tmp_path: Path) -> None:
    path = _messy(tmp_path)
    before = path.read_text("utf-8")
    outcome = invoke("fmt", "--diff", path)
    assert outcome.exit_code == 0
    assert "+  period quarter  review month  window 2026-01 .. 2026-Q4" in outcome.stdout
    assert path.read_text("utf-8") == before


def test_syntax_error_is_located_without_traceback(tmp_path: Path) -> None:
    good = _messy(tmp_path, "good.assess")
    bad = tmp_path / "bad.assess"
    bad.write_text('scheme "x"\n  period month\nmetric = 1\n', "utf-8")
    outcome = invoke("fmt", good, bad)
    assert outcome.exit_code == 1
    assert f"{bad}:3:8" in outcome.stderr and "E101" in outcome.stderr
    assert "Traceback" not in outcome.stderr + outcome.stdout
    assert bad.read_text("utf-8") == 'scheme "x"\n  period month\nmetric = 1\n'
    assert good.read_text("utf-8") == (CASES / "scorecard.out.assess").read_text("utf-8")


def test_missing_file_and_missing_argument(tmp_path: Path) -> None:
    missing = invoke("fmt", tmp_path / "none.assess")
    assert missing.exit_code == 1 and "E001" in missing.stderr
    assert invoke("fmt").exit_code == 2


def test_the_templates_are_in_the_canonical_layout() -> None:
    outcome = invoke("fmt", "--check", ROOT / "schemes")
    assert outcome.exit_code == 0, outcome.stdout + outcome.stderr
