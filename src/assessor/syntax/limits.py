"""Limits on scheme text: a scheme is a document a person writes, so far larger or deeper
input is a mistake (a data export passed by accident) or an attack, and gets a clear error
instead of a long run or a crash.
"""

from __future__ import annotations

import re

from assessor.errors import Span, fail

MAX_SCHEME_BYTES = 1_000_000
MAX_SCHEME_LINES = 20_000
MAX_NESTING = 64
# Operators, calls and aggregates inside one another. Later stages (checker, planner) walk
# expressions recursively, a few Python frames per level; this keeps them far from Python's
# recursion limit, and no real scheme comes near it.
MAX_EXPRESSION_DEPTH = 50  # enforced by `syntax.parser` on the parse tree
# a parenthesis, or a label or comment, whose parentheses are words and do not nest
_PARENTHESIS = re.compile(r'[()]|"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def check_text(text: str, file: str) -> None:
    """Refuse input too large or too deeply nested before the parser sees it."""
    # a character is at most 4 bytes in UTF-8: encode only when it could matter
    if len(text) > MAX_SCHEME_BYTES // 4 and len(text.encode("utf-8")) > MAX_SCHEME_BYTES:
        fail(
            "E104",
            f"the scheme is larger than {MAX_SCHEME_BYTES:,} bytes",
            Span(file, 1, 1, 1, 1),
            "split it, or check that this is the scheme file you meant",
        )
    if text.count("\n") + (not text.endswith("\n")) > MAX_SCHEME_LINES:
        line = MAX_SCHEME_LINES + 1
        fail(
            "E107",
            f"the scheme has more than {MAX_SCHEME_LINES:,} lines",
            Span(file, line, 1, line, 2),
            "split it, or check that this is the scheme file you meant",
        )
    if text.count("(") > MAX_NESTING:
        _check_parentheses(text, file)


def _check_parentheses(text: str, file: str) -> None:
    """E105 where parentheses are first nested more than `MAX_NESTING` deep."""
    depth = 0
    for match in _PARENTHESIS.finditer(text):
        kind = match.group()
        if kind not in ("(", ")"):
            continue
        depth += 1 if kind == "(" else -1
        if depth > MAX_NESTING:
            offset = match.start()
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            fail(
                "E105",
                f"parentheses are nested more than {MAX_NESTING} deep",
                Span(file, line, column, line, column + 1),
                "name the inner part as a metric of its own",
            )
