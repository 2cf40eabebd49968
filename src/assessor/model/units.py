"""Units of values: what may be compared with what, and how a value is shown to people."""

from __future__ import annotations

import enum
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction


class Unit(enum.Enum):
    """The unit of a value. A plain number combines with any unit; others must agree."""

    NUMBER = "number"
    COUNT = "count"
    RATIO = "ratio"  # a share, shown in percent
    MONEY = "money"
    MONTHS = "months"
    HOURS = "hours"
    DAYS = "days"
    POINTS = "points"  # a score, normally 0 to 100


# Written unit -> (unit, factor applied to the written number).
UNIT_WORDS: dict[str, tuple[Unit, Fraction]] = {
    "%": (Unit.RATIO, Fraction(1, 100)),
    "months": (Unit.MONTHS, Fraction(1)),
    "month": (Unit.MONTHS, Fraction(1)),
    "个月": (Unit.MONTHS, Fraction(1)),
    "月": (Unit.MONTHS, Fraction(1)),
    "hours": (Unit.HOURS, Fraction(1)),
    "hour": (Unit.HOURS, Fraction(1)),
    "小时": (Unit.HOURS, Fraction(1)),
    "days": (Unit.DAYS, Fraction(1)),
    "day": (Unit.DAYS, Fraction(1)),
    "天": (Unit.DAYS, Fraction(1)),
    "元": (Unit.MONEY, Fraction(1)),
    "yuan": (Unit.MONEY, Fraction(1)),
    "分": (Unit.POINTS, Fraction(1)),
    "points": (Unit.POINTS, Fraction(1)),
    "point": (Unit.POINTS, Fraction(1)),
}

_QUANTITY = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(%|[^\W\d]+)?\s*$")


def quantity_of(number: Decimal, unit_word: str | None) -> tuple[Fraction, Unit]:
    """The exact value and unit of a written number; raises KeyError for an unknown unit."""
    if unit_word is None:
        return Fraction(number), Unit.NUMBER
    unit, factor = UNIT_WORDS[unit_word]
    return Fraction(number) * factor, unit


def parse_quantity(text: str) -> tuple[Fraction, Unit] | None:
    """Read a command-line value (``12``, ``12 months``, ``95%``); None if unreadable."""
    match = _QUANTITY.match(text)
    if not match:
        return None
    try:
        return quantity_of(Decimal(match.group(1)), match.group(2))
    except (KeyError, InvalidOperation):
        return None


def combine(operator: str, left: Unit, right: Unit) -> Unit | None:
    """The unit of ``left operator right``, or None when the combination makes no sense."""
    if operator in "+-":
        if left == right or right == Unit.NUMBER:
            return left
        return right if left == Unit.NUMBER else None
    if operator == "*":
        if Unit.NUMBER in (left, right):
            return right if left == Unit.NUMBER else left
        # a rate per point or per item: 总分 * 10 元, 投诉数 * 50 元
        if Unit.MONEY in (left, right) and {left, right} <= {Unit.MONEY, Unit.POINTS, Unit.COUNT}:
            return Unit.MONEY
        return None
    if right == Unit.NUMBER:
        return left
    if left == right:
        return Unit.NUMBER if left != Unit.COUNT else Unit.RATIO
    return None


def comparable(left: Unit, right: Unit) -> bool:
    """Whether two values may be compared: same unit, or one a plain number."""
    return left == right or Unit.NUMBER in (left, right)


def describe_quantity(value: Fraction, unit: Unit) -> str:
    """A value as a person writes it: ``8 months``, ``95%``, ``200 元``."""
    if unit == Unit.RATIO:
        return f"{_plain(value * 100)}%"
    suffix = {
        Unit.MONEY: " 元",
        Unit.MONTHS: " months",
        Unit.HOURS: " hours",
        Unit.DAYS: " days",
        Unit.POINTS: " 分",
    }
    return _plain(value) + suffix.get(unit, "")


def _plain(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
