"""The checked scheme: names resolved, units known, parameters applied, values exact.

Built only by :func:`assessor.model.check.check_scheme`; the planner works from this alone.
Spans are kept so later stages can still point at the text, never to re-read it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import attrs

from assessor.errors import Span
from assessor.model.registry import AggregateSpec, MetricSpec, TableSpec
from assessor.model.units import Unit


@attrs.frozen(order=True)
class Month:
    """A calendar month, ordered; ``index`` is year * 12 + month - 1."""

    index: int

    @classmethod
    def parse(cls, text: str) -> Month | None:
        """``2015-08`` -> Month, or None when it is not a valid month."""
        match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            return None
        return cls(int(match.group(1)) * 12 + int(match.group(2)) - 1)

    @property
    def year(self) -> int:
        """The calendar year."""
        return self.index // 12

    @property
    def month(self) -> int:
        """The month of the year, 1 to 12."""
        return self.index % 12 + 1

    def plus(self, months: int) -> Month:
        """The month ``months`` later (earlier when negative)."""
        return Month(self.index + months)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


# Typed expressions -------------------------------------------------------------------------


@attrs.frozen
class Constant:
    """An exact constant (a literal or a parameter's value)."""

    value: Fraction
    unit: Unit
    span: Span
    param: str | None = None


@attrs.frozen
class MetricValue:
    """The value of a metric for the subject and period at hand."""

    metric: str
    unit: Unit
    span: Span


@attrs.frozen
class Arithmetic:
    """Exact arithmetic on two values."""

    operator: str  # + - * /
    left: Expr
    right: Expr
    unit: Unit
    span: Span


@attrs.frozen
class Comparison:
    """A comparison; operators are canonical: < <= = != > >=."""

    operator: str
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class BoolOp:
    """``and`` / ``or``."""

    operator: str
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class Negation:
    """``not`` of a condition."""

    operand: Expr
    span: Span


Expr = Constant | MetricValue | Arithmetic | Comparison | BoolOp | Negation


# Metric definitions ------------------------------------------------------------------------


@attrs.frozen
class PluginMetric:
    """A call of a plugin metric with constant arguments."""

    spec: MetricSpec
    arguments: tuple[tuple[str, Fraction], ...]


@attrs.frozen
class Derived:
    """Arithmetic over other metrics of the same or the store grain."""

    expr: Expr


@attrs.frozen
class OverMapping:
    """An aggregate of a member metric over the rows of a mapping table.

    For a subject s: the rows of ``table`` whose ``subject_column`` is s give, in
    ``member_column``, the members whose values of ``metric`` are aggregated.
    """

    aggregate: AggregateSpec
    metric: str
    table: str
    subject_column: str
    member_column: str


@attrs.frozen
class OverPrevious:
    """An aggregate of a metric over the ``count`` periods before the current one."""

    aggregate: AggregateSpec
    metric: str
    count: int


MetricDefinition = PluginMetric | Derived | OverMapping | OverPrevious


@attrs.frozen
class Metric:
    """A named metric at a grain: a role's subjects, or the store (grain None)."""

    name: str
    label: str | None
    grain: str | None
    unit: Unit
    definition: MetricDefinition
    span: Span

    @property
    def lookback(self) -> int:
        """How many periods before the current one this metric itself looks at."""
        return self.definition.count if isinstance(self.definition, OverPrevious) else 0


# Declarations ------------------------------------------------------------------------------


@attrs.frozen
class Param:
    """A parameter with its value after run-time overrides."""

    name: str
    label: str | None
    value: Fraction
    unit: Unit
    span: Span


@attrs.frozen
class Role:
    """Who is assessed: the values of ``table.column``, or the store (table None)."""

    name: str
    label: str | None
    table: str | None
    column: str | None
    span: Span

    @property
    def store_level(self) -> bool:
        """True for a role with the single subject ``store``."""
        return self.table is None


@attrs.frozen
class Clause:
    """``when condition`` pays ``amount`` (signed)."""

    condition: Expr
    amount: Decimal
    span: Span


@attrs.frozen
class Rule:
    """Ordered clauses for some roles. ``subject_value`` and ``reference_value`` are the two
    sides of the first comparison, reported as the value compared and what it was compared to.
    """

    id: str
    label: str | None
    roles: tuple[str, ...]
    clauses: tuple[Clause, ...]
    otherwise: Decimal | None
    subject_value: Expr | None
    reference_value: Expr | None
    span: Span


@attrs.frozen
class Scheme:
    """A whole checked scheme. ``metrics`` are in dependency order."""

    title: str
    plugins: tuple[str, ...]
    period_kind: str
    window: tuple[Month, Month] | None
    params: tuple[Param, ...]
    roles: tuple[Role, ...]
    metrics: tuple[Metric, ...]
    rules: tuple[Rule, ...]
    tables: tuple[TableSpec, ...]

    def metric(self, name: str) -> Metric:
        """The metric of that name (the checker guarantees it exists)."""
        return next(m for m in self.metrics if m.name == name)

    def role(self, name: str) -> Role:
        """The role of that name."""
        return next(r for r in self.roles if r.name == name)

    def table(self, name: str) -> TableSpec:
        """The input table of that name."""
        return next(t for t in self.tables if t.name == name)
