"""Exact arithmetic on values held as two integer columns, ``num / den``.

Doubles and engine decimals both round (see docs/architecture.md), so every value in a plan
is a fraction of DECIMAL(38,0) integers and comparisons cross-multiply. A null or zero
denominator means n/a, and n/a spreads through arithmetic.
"""

from __future__ import annotations

from typing import Any

import attrs
import ibis
import ibis.expr.types as ir

EXACT = "decimal(38, 0)"


def _integer(value: Any) -> ir.DecimalValue:
    if isinstance(value, int):
        return ibis.literal(value, type=EXACT)
    return value.cast(EXACT)


@attrs.frozen
class Exact:
    """A fraction ``num / den`` of integer columns; den > 0 when defined, null when n/a."""

    num: ir.DecimalValue
    den: ir.DecimalValue

    @classmethod
    def of(cls, num: Any, den: Any = 1) -> Exact:
        """From integer columns or Python ints; a zero denominator becomes n/a."""
        den = _integer(den)
        return cls(_integer(num), ibis.ifelse(den == 0, ibis.null(EXACT), den))

    @classmethod
    def constant(cls, numerator: int, denominator: int) -> Exact:
        """An exact constant such as 95% = 95/100."""
        return cls.of(numerator, denominator)

    def is_defined(self) -> ir.BooleanValue:
        """True where the value is not n/a."""
        return self.den.notnull() & self.num.notnull()

    def __add__(self, other: Exact) -> Exact:
        return Exact(self.num * other.den + other.num * self.den, self.den * other.den)

    def __sub__(self, other: Exact) -> Exact:
        return Exact(self.num * other.den - other.num * self.den, self.den * other.den)

    def __mul__(self, other: Exact) -> Exact:
        return Exact(self.num * other.num, self.den * other.den)

    def __truediv__(self, other: Exact) -> Exact:
        # dividing by a negative moves the sign to the numerator; by zero gives n/a
        sign = ibis.ifelse(other.num < 0, -1, 1).cast(EXACT)
        den = self.den * other.num * sign
        return Exact(self.num * other.den * sign, ibis.ifelse(den == 0, ibis.null(EXACT), den))

    def compare(self, operator: str, other: Exact) -> ir.BooleanValue:
        """``self operator other`` exactly: a/b < c/d  <=>  a*d < c*b, as b, d > 0."""
        left, right = self.num * other.den, other.num * self.den
        return {
            "<": left < right,
            "<=": left <= right,
            "=": left == right,
            "!=": left != right,
            ">": left > right,
            ">=": left >= right,
        }[operator]

    def sign_against(self, other: Exact) -> ir.IntegerValue:
        """-1, 0 or 1 as self is below, equal to or above other; null when either is n/a."""
        left, right = self.num * other.den, other.num * self.den
        return ibis.cases((left < right, -1), (left > right, 1), else_=0).cast("int8")
