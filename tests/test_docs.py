"""The documentation is tested: every scheme in docs/ checks as written, and docs/errors.md
catalogues exactly the error codes the source raises, in order."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

from assessor.errors import AssessorError, render
from assessor.session import read_scheme

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ERRORS_DOC = DOCS / "errors.md"
SOURCES = sorted([*(ROOT / "src" / "assessor").rglob("*.py"), *ROOT.glob("plugins/*/src/**/*.py")])

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^\s`]*)")
_CODE_IN_SOURCE = re.compile(r"""["'](E\d{3})["']""")
_CODE_IN_DOCS = re.compile(r"\bE\d{3}\b")
_CODE_HEADING = re.compile(r"^#{2,3}\s+(E\d{3})\b", re.MULTILINE)


@attrs.frozen
class Block:
    """A fenced block of a Markdown file: the line of its opening fence, info string and text."""

    doc: str
    line: int
    info: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def fenced_blocks(path: Path) -> list[Block]:
    """Every fenced block in a Markdown file, with the fence's indentation removed."""
    blocks = []
    lines = path.read_text("utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        index += 1
        if not opening:
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        start, body = index, []
        while index < len(lines) and lines[index].strip() != fence:
            body.append(lines[index][indent:] if lines[index][:indent].isspace() else lines[index])
            index += 1
        index += 1  # the closing fence
        blocks.append(Block(path.name, start, opening["info"], "\n".join(body) + "\n"))
    return blocks


def all_blocks() -> list[Block]:
    return [block for doc in sorted(DOCS.glob("*.md")) for block in fenced_blocks(doc)]


SCHEMES = [block for block in all_blocks() if block.info == "assess"]


def test_the_docs_hold_schemes() -> None:
    assert len(SCHEMES) >= 3, "docs/language.md should show complete schemes in ```assess blocks"


@pytest.mark.parametrize("block", SCHEMES, ids=[b.id for b in SCHEMES])
def test_scheme_in_docs_checks(block: Block, tmp_path: Path) -> None:
    # blank lines in front, so that messages give the line numbers of the Markdown file
    text = "\n" * block.line + block.text
    path = tmp_path / block.doc
    path.write_text(text, "utf-8")
    try:
        read_scheme(path)  # the way `assessor check` reads it, templates it extends included
    except AssessorError as error:
        rendered = "\n".join(render(d, text) for d in error.diagnostics)
        pytest.fail(f"the scheme at docs/{block.id} does not check:\n{rendered}")


def test_complete_schemes_are_marked_assess() -> None:
    """A whole scheme in a ```text block would escape the check above."""
    unmarked = [
        block.id
        for block in all_blocks()
        if block.info != "assess"
        # a tutorial file of docs/plugins.md: installed and run by test_plugin_kit.py
        and not block.text.startswith("# file: ")
        and any(line.lstrip().startswith('scheme "') for line in block.text.splitlines())
        and any(line.lstrip().startswith("rule ") for line in block.text.splitlines())
    ]
    assert not unmarked, f"mark these complete schemes ```assess: {unmarked}"


def source_codes() -> set[str]:
    """Every error code the source raises, written as a string literal such as "E208"."""
    return {code for path in SOURCES for code in _CODE_IN_SOURCE.findall(path.read_text("utf-8"))}


def test_sources_are_found() -> None:
    assert any(path.name == "check.py" for path in SOURCES)
    assert "E201" in source_codes()


def test_every_error_code_is_documented() -> None:
    documented = set(_CODE_HEADING.findall(ERRORS_DOC.read_text("utf-8")))
    missing = sorted(source_codes() - documented)
    assert not missing, f"add a '## CODE — ...' section to docs/errors.md for: {missing}"


def test_docs_name_only_codes_the_source_uses() -> None:
    used = source_codes()
    for doc in sorted(DOCS.glob("*.md")):
        unknown = sorted(set(_CODE_IN_DOCS.findall(doc.read_text("utf-8"))) - used)
        assert not unknown, f"docs/{doc.name} names codes the source never raises: {unknown}"


def test_error_catalogue_is_in_code_order_without_repeats() -> None:
    headings = _CODE_HEADING.findall(ERRORS_DOC.read_text("utf-8"))
    assert headings == sorted(set(headings)), "keep docs/errors.md in code order, once each"
