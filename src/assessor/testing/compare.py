"""Expected rows against actual rows, with a diff a person reads at a glance.

Rows are matched on the key columns the expected rows give (``period``, ``store``, ``role``,
``subject``, ``item``); the other columns they give are compared. Values compare exactly:
``3/4``, ``0.75`` and ``75%`` are the same number, ``n/a``, a blank and None are n/a, and
anything that is not a number compares as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

KEY_COLUMNS = ("period", "store", "role", "subject", "item")
_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?(/\d+)?%?")


class RowsDiffer(AssertionError):
    """The actual rows are not the expected ones; the message is the diff."""


def normalised(value: Any) -> Fraction | str | None:
    """A value as compared: an exact number, None for n/a, else its text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, Decimal | float):
        return Fraction(str(value))
    text = str(value).strip()
    if text.lower() in ("", "n/a"):
        return None
    if _NUMBER.fullmatch(text.replace(",", "")):
        return _number(text.replace(",", ""))
    return text


def _number(text: str) -> Fraction | str:
    percent = text.endswith("%")
    try:
        value = Fraction(text.rstrip("%"))
    except (ValueError, ZeroDivisionError, InvalidOperation):
        return text
    return value / 100 if percent else value


def shown(value: Any) -> str:
    """A value as the diff shows it: ``3/4``, ``12``, ``n/a`` or its text."""
    value = normalised(value)
    if value is None:
        return "n/a"
    return str(value)


def assert_rows(
    actual: Iterable[Mapping[str, Any]],
    expected: Sequence[Mapping[str, Any]],
    complete: bool = True,
) -> None:
    """Fail with a readable diff unless the actual rows are the expected ones.

    Only the columns the expected rows give are compared. With ``complete`` (the default),
    an actual row whose key no expected row gives is a difference too; without it, the
    expected rows may be a few of many (a scheme's results).
    """
    actual = list(actual)
    keys = [c for c in KEY_COLUMNS if any(c in row for row in expected)]
    columns = keys + sorted({c for row in expected for c in row} - set(keys))
    wanted = {_key(row, keys): row for row in expected}
    found = {_key(row, keys): row for row in actual}
    lines, differs = [], False
    for key in sorted(set(wanted) | (set(found) if complete else set())):
        mark, extra = _compare(wanted.get(key), found.get(key), columns)
        differs |= mark != " "
        lines += extra
    if differs:
        raise RowsDiffer(_diff_text(columns, lines, len(expected), len(actual)))


def _key(row: Mapping[str, Any], keys: Sequence[str]) -> tuple[str, ...]:
    return tuple(shown(row.get(k)) if k != "period" else str(row.get(k, "")) for k in keys)


def _compare(
    expected: Mapping[str, Any] | None, actual: Mapping[str, Any] | None, columns: Sequence[str]
) -> tuple[str, list[tuple[str, list[str]]]]:
    """The diff lines of one key: ``" "`` same, ``"-"`` expected only, ``"+"`` actual only."""
    if expected is None:
        return "+", [("+", _cells(actual, columns))]
    if actual is None:
        return "-", [("-", _cells(expected, columns))]
    same = all(
        normalised(expected[c]) == normalised(actual.get(c)) for c in columns if c in expected
    )
    if same:
        return " ", [(" ", _cells(expected, columns))]
    return "~", [("-", _cells(expected, columns)), ("+", _cells(actual, columns))]


def _cells(row: Mapping[str, Any] | None, columns: Sequence[str]) -> list[str]:
    row = row or {}
    return [shown(row.get(c)) if c != "period" else str(row.get(c, "")) for c in columns]


def _diff_text(
    columns: Sequence[str], lines: list[tuple[str, list[str]]], expected: int, actual: int
) -> str:
    """The rows as a table: ``-`` expected but not found, ``+`` found but not expected."""
    table = [list(columns)] + [cells for _, cells in lines]
    widths = [max(_width(row[i]) for row in table) for i in range(len(columns))]
    header = "  " + _line(columns, widths)
    body = [f"{mark} {_line(cells, widths)}" for mark, cells in lines]
    title = (
        f"rows differ ({expected} expected, {actual} actual; - expected, + actual / 预期与实际不符)"
    )
    return "\n".join(line.rstrip() for line in [title, header, *body])


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True))


def _width(text: str) -> int:
    """Columns a text takes in a terminal: Chinese characters take two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
