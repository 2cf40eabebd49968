"""The exact-integer functions of the plan (``series.assessor_*``) as Spark SQL functions.

Spark has no gcd or lcm, and its decimal division rounds to 6 places and holds at most 32
digits before the point. So each function is built from operations that are exact on
``DECIMAL(38, 0)``: remainders, sums, products and divisions whose result is a whole number
of at most 32 digits.

- ``assessor_quotient(a, b)``: a // b, truncated toward zero (as DuckDB and PostgreSQL do).
  When |b| >= 10^6 the quotient has at most 32 digits and one exact division gives it. A
  smaller divisor may leave up to 38, so the dividend is split at 10^12 and divided in two
  steps, like long division by hand.
- ``assessor_gcd(a, b)``: Euclid's algorithm, unrolled to a fixed number of steps with
  ``aggregate`` over a sequence (Spark SQL has no loop). Numbers below 10^38 need at most
  183 steps (the worst case is two consecutive Fibonacci numbers); later steps change nothing.
- ``assessor_lcm(list)``: folds lcm(acc, x) = acc // gcd(acc, x) * x over the list. A SQL
  function cannot call another inside a lambda, so gcd and the quotient are written out.
  Lambdas cannot name a value either; folding over a one-element array binds the gcd to a
  name, so it is computed once per element.

The functions are temporary to the Spark session; ``tests/test_engines.py`` checks them
against Python's integers on random values of every size.
"""

from __future__ import annotations

_DECIMAL = "DECIMAL(38, 0)"
# Euclid's worst case below 10^38, with a margin
_GCD_STEPS = 190
# where a dividend is split when the divisor is small
_SPLIT = f"CAST(1000000000000 AS {_DECIMAL})"
_SMALL_DIVISOR = 1_000_000


def _exact_division(a: str, b: str) -> str:
    """The quotient a // b when it has at most 32 digits (all a decimal division keeps)."""
    return f"CAST(({a} - {a} % {b}) / {b} AS {_DECIMAL})"


def quotient(a: str, b: str) -> str:
    """SQL for a // b (truncated toward zero) on DECIMAL(38, 0) values ``a`` and ``b``."""
    high = _exact_division(a, _SPLIT)  # a's digits above the 12 lowest: fewer than 26
    low = f"({a} % {_SPLIT})"
    high_quotient = _exact_division(high, b)
    carried = f"(({high} % {b}) * {_SPLIT} + {low})"  # below 10^18: |b| < 10^6
    split = f"CAST({high_quotient} * {_SPLIT} + {_exact_division(carried, b)} AS {_DECIMAL})"
    large = f"({b} >= {_SMALL_DIVISOR} OR {b} <= -{_SMALL_DIVISOR})"
    return f"CASE WHEN {large} THEN {_exact_division(a, b)} ELSE {split} END"


def gcd(a: str, b: str) -> str:
    """SQL for the greatest common divisor of ``a`` and ``b`` (never negative)."""
    start = f"named_struct('a', {_magnitude(a)}, 'b', {_magnitude(b)})"
    step = "IF(s.b = 0, s, named_struct('a', s.b, 'b', s.a % s.b))"
    return f"aggregate(sequence(1, {_GCD_STEPS}), {start}, (s, i) -> {step}, s -> s.a)"


def _magnitude(x: str) -> str:
    """|x|. Spark's abs() and unary minus fail on the largest 38-digit values (they go
    through a double), a subtraction from zero does not.
    """
    value = f"CAST({x} AS {_DECIMAL})"
    return f"IF({value} < 0, 0 - {value}, {value})"


def lcm(values: str) -> str:
    """SQL for the least common multiple of an array of positive DECIMAL(38, 0) values."""
    # the gcd is bound to g by folding over an array of just it, so it is computed once
    step = f"CAST({quotient('acc', 'g')} * x AS {_DECIMAL})"
    bound = f"aggregate(array({gcd('acc', 'x')}), acc, (acc, g) -> {step})"
    return f"aggregate({values}, CAST(1 AS {_DECIMAL}), (acc, x) -> {bound})"


# what the statements define, so that a run can drop them again
NAMES = ("assessor_quotient", "assessor_gcd", "assessor_lcm")
STATEMENTS = (
    f"CREATE OR REPLACE TEMPORARY FUNCTION assessor_quotient(a {_DECIMAL}, b {_DECIMAL}) "
    f"RETURNS {_DECIMAL} RETURN {quotient('a', 'b')}",
    f"CREATE OR REPLACE TEMPORARY FUNCTION assessor_gcd(a {_DECIMAL}, b {_DECIMAL}) "
    f"RETURNS {_DECIMAL} RETURN CAST({gcd('a', 'b')} AS {_DECIMAL})",
    f"CREATE OR REPLACE TEMPORARY FUNCTION assessor_lcm(l ARRAY<{_DECIMAL}>) "
    f"RETURNS {_DECIMAL} RETURN {lcm('l')}",
)
