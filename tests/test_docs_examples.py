"""The worked examples of docs/language.md run end to end.

A worked example is a ```assess block followed by one ```csv block per input table, whose
fence names the table (```csv kpi_values), and a ```csv expect block of expected result rows
(any subset of the results.csv columns). Prose may stand between these blocks, any other
block ends the example. Each example is run as a user would run it, and every expected row must
match: the one result row with the same period, subject and item, and in every other column
it gives the value shown (numbers compare as decimals, text exactly; a blank cell is not
checked). The expected numbers are derived by hand in the text beside each example.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import attrs
import pytest
from conftest import run_scheme
from test_docs import DOCS, Block, fenced_blocks

from assessor.results import COLUMNS

LANGUAGE = DOCS / "language.md"
KEY = ("period", "subject", "item")
EXPECT = "expect"
_HEADING = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*$")

# Worked examples whose hand-derived numbers the engine does not (yet) give, by title. The
# marker is strict: when the engine is fixed the test fails as XPASS; then remove the entry.
ENGINE_DISAGREES: dict[str, str] = {}


@attrs.frozen
class WorkedExample:
    """A scheme in the docs with its input tables and expected result rows."""

    title: str
    line: int
    scheme: str
    tables: dict[str, str]
    expected: str

    @property
    def id(self) -> str:
        return f"{LANGUAGE.name}:{self.line} {self.title}"


def fence_words(lines: list[str], block: Block) -> list[str]:
    """The words after the opening fence: ['csv', 'kpi_values'] for ```csv kpi_values."""
    return lines[block.line - 1].strip().lstrip("`~").split()


def heading_before(lines: list[str], line: int) -> str:
    """The title of the last Markdown heading above a line (outside code blocks)."""
    title, fenced = "", False
    for text in lines[: line - 1]:
        if text.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and (match := _HEADING.match(text)):
            title = match["title"]
    return title


def worked_examples(path: Path) -> list[WorkedExample]:
    """Every ```assess block of a Markdown file that is followed by named ```csv blocks."""
    lines = path.read_text("utf-8").splitlines()
    examples: list[WorkedExample] = []
    scheme: Block | None = None
    attached: list[tuple[str, str]] = []

    def finish() -> None:
        if scheme is not None and attached:
            tables = {name: text for name, text in attached if name != EXPECT}
            expected = [text for name, text in attached if name == EXPECT]
            assert len(expected) == 1, f"{path.name}:{scheme.line}: give one ```csv expect block"
            assert len(tables) == len(attached) - 1, f"{path.name}:{scheme.line}: a table twice"
            examples.append(
                WorkedExample(
                    heading_before(lines, scheme.line),
                    scheme.line,
                    scheme.text,
                    tables,
                    expected[0],
                )
            )

    for block in fenced_blocks(path):
        words = fence_words(lines, block)
        if scheme is not None and words[:1] == ["csv"] and len(words) == 2:
            attached.append((words[1], block.text))
            continue
        finish()
        scheme, attached = (block, []) if block.info == "assess" else (None, [])
    finish()
    return examples


EXAMPLES = worked_examples(LANGUAGE)


def same(expected: str, shown: str) -> bool:
    """Numbers compare as decimals (87.50 = 87.5, 96 = 96.0000), anything else exactly."""
    try:
        return Decimal(expected) == Decimal(shown)
    except InvalidOperation:
        return expected == shown


def problems(expected: str, results: list[dict[str, str]]) -> list[str]:
    """Every difference between the expected rows and the results, in words."""
    found = []
    for number, want in enumerate(csv.DictReader(io.StringIO(expected)), start=2):
        where = f"expect row {number} ({', '.join(want[k] for k in KEY)})"
        unknown = sorted(set(want) - set(COLUMNS))
        if unknown:
            found.append(f"{where}: results have no column(s) {unknown}")
            continue
        matching = [row for row in results if all(row[k] == want[k] for k in KEY)]
        if len(matching) != 1:
            found.append(f"{where}: {len(matching)} result rows match, expected 1")
            continue
        got = matching[0]
        found += [
            f"{where}: {column} expected {value!r}, got {got[column]!r}"
            for column, value in want.items()
            if column not in KEY and value != "" and not same(value, got[column])
        ]
    return found


def test_the_docs_hold_worked_examples() -> None:
    assert len(EXAMPLES) >= 5, "docs/language.md should hold worked examples with expected rows"
    assert {"kpi_values", "ratings"} <= {t for e in EXAMPLES for t in e.tables}
    known = {e.title for e in EXAMPLES}
    stale = sorted(set(ENGINE_DISAGREES) - known)
    assert not stale, f"ENGINE_DISAGREES names no worked example: {stale}"


def test_expected_rows_name_their_key() -> None:
    for example in EXAMPLES:
        header = next(csv.reader(io.StringIO(example.expected)))
        assert set(KEY) <= set(header), f"{example.id}: expect needs columns {KEY}"


@pytest.mark.parametrize(
    "example",
    [
        pytest.param(
            e,
            id=e.id,
            marks=[pytest.mark.xfail(reason=ENGINE_DISAGREES[e.title], strict=True)]
            if e.title in ENGINE_DISAGREES
            else [],
        )
        for e in EXAMPLES
    ],
)
def test_worked_example_gives_the_expected_results(example: WorkedExample, tmp_path: Path) -> None:
    scheme = tmp_path / "example.assess"
    scheme.write_text(example.scheme, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    for table, text in example.tables.items():
        (data / f"{table}.csv").write_text(text, encoding="utf-8")
    results = run_scheme(scheme, data, tmp_path / "out")
    found = problems(example.expected, results)
    assert not found, f"{example.id}:\n" + "\n".join(found)
