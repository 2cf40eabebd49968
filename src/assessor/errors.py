"""Diagnostics: every problem a person can cause, as data with a place, a sentence and a hint.

All stages report through :class:`Diagnostic`; only the command line turns them into text
(with :func:`render`) and exit codes. Codes are catalogued in ``docs/errors.md``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Literal

from assessor.records import frozen

Severity = Literal["error", "warning"]


@frozen
class Span:
    """A stretch of scheme text: 1-based line and column of its start and end."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def describe(self) -> str:
        """``file:line:col``, the form editors and terminals turn into links."""
        return f"{self.file}:{self.line}:{self.column}"


@frozen
class DataLocation:
    """A place in an input file: the row is the file's line number (the header is line 1)."""

    file: str
    row: int | None = None
    column: str | None = None

    def describe(self) -> str:
        """``file:row`` followed by the column name when known."""
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        return where if self.column is None else f"{where} (column {self.column!r})"


Location = Span | DataLocation


@frozen
class Diagnostic:
    """One problem: a stable code, a sentence, where it is and what to do about it."""

    code: str
    message: str
    location: Location | None = None
    hint: str | None = None
    severity: Severity = "error"


class AssessorError(Exception):
    """The root of every error a user can cause; it carries one or more diagnostics."""

    def __init__(self, diagnostics: Diagnostic | Sequence[Diagnostic]) -> None:
        found = [diagnostics] if isinstance(diagnostics, Diagnostic) else list(diagnostics)
        super().__init__("; ".join(d.message for d in found))
        self.diagnostics: tuple[Diagnostic, ...] = tuple(found)


def fail(code: str, message: str, location: Location | None = None, hint: str | None = None):
    """Raise an :class:`AssessorError` with a single diagnostic."""
    raise AssessorError(Diagnostic(code, message, location, hint))


def raise_if_errors(diagnostics: Iterable[Diagnostic]) -> None:
    """Raise once with every error collected, so a person sees all mistakes in one pass."""
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        raise AssessorError(errors)


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """Return ``did you mean 'x'?`` for the closest candidate, or None when none is close."""
    import difflib  # here: a scheme without mistakes never needs it

    ranked = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    if not ranked:
        lowered = {c.lower(): c for c in candidates}
        ranked = [lowered[name.lower()]] if name.lower() in lowered else []
    return f"did you mean {ranked[0]!r}?" if ranked else None


def render(diagnostic: Diagnostic, source: str | None = None) -> str:
    """Render one diagnostic for a terminal: place, code, sentence, source line, caret, hint."""
    place = f"{diagnostic.location.describe()}: " if diagnostic.location else ""
    lines = [f"{place}{diagnostic.severity}[{diagnostic.code}] {diagnostic.message}"]
    if isinstance(diagnostic.location, Span) and source is not None:
        lines.extend(_excerpt(diagnostic.location, source))
    if diagnostic.hint:
        lines.append(f"  hint: {diagnostic.hint}")
    return "\n".join(lines)


# how many characters of a long source line an excerpt shows, and how many before the span
EXCERPT_CHARACTERS = 100
_BEFORE_SPAN = 30


def _excerpt(span: Span, source: str) -> list[str]:
    """The source line of a span with carets under the spanned characters; of a long line,
    only the part around the span, cut with "…".
    """
    text_lines = source.splitlines()
    if not 1 <= span.line <= len(text_lines):
        return []
    text = text_lines[span.line - 1]
    start = span.column - 1
    stop = span.end_column - 1 if span.end_line == span.line else len(text)
    stop = max(stop, start + 1)
    left, right = 0, len(text)
    if len(text) > EXCERPT_CHARACTERS:
        left = max(0, start - _BEFORE_SPAN)
        right = min(len(text), left + EXCERPT_CHARACTERS)
    shown = ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")
    before = ("…" if left else "") + text[left:start]
    gutter = f"{span.line:>5} | "
    carets = "^" * max(1, _display_width(text[start : min(stop, right)]))
    return [gutter + shown, " " * (len(gutter) - 2) + "| " + " " * _display_width(before) + carets]


def _display_width(text: str) -> int:
    """Terminal columns taken by text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
