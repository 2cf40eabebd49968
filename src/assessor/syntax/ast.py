"""The syntax tree: what the text says, unresolved, every node frozen and carrying its span.

Names here are just text; the checker (``assessor.model.check``) gives them meaning.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import attrs

from assessor.errors import Span


@attrs.frozen
class Identifier:
    """A name as written, with its place."""

    text: str
    span: Span


@attrs.frozen
class Quantity:
    """A number with an optional unit as written: ``8 months``, ``95%``, ``200 元``."""

    value: Decimal
    unit: Identifier | None
    span: Span


# Expressions -------------------------------------------------------------------------------


@attrs.frozen
class NameRef:
    """A reference to a parameter or a metric."""

    name: Identifier
    span: Span


@attrs.frozen
class Argument:
    """A call argument, positional or ``keyword: value``."""

    value: Expr
    keyword: Identifier | None
    span: Span


@attrs.frozen
class Call:
    """A function or plugin-metric call: ``churn_rate(lapse_months)``."""

    function: Identifier
    arguments: tuple[Argument, ...]
    span: Span


@attrs.frozen
class OverMapping:
    """An aggregate over a mapping table: ``mean(group_churn of followups.advisor_group)``."""

    function: Identifier
    operand: Expr
    table: Identifier
    column: Identifier
    span: Span


@attrs.frozen
class OverPrevious:
    """An aggregate over earlier periods: ``mean(store_churn over previous 3 months)``."""

    function: Identifier
    operand: Expr
    count: Quantity
    span: Span


BinaryOperator = Literal["+", "-", "*", "/"]
LogicalOperator = Literal["and", "or"]


@attrs.frozen
class Binary:
    """Arithmetic on two operands."""

    operator: BinaryOperator
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class Compare:
    """A comparison; the operator is kept as written (``=`` and ``==`` alike)."""

    operator: str
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class Logical:
    """``and`` / ``or`` between two conditions."""

    operator: LogicalOperator
    left: Expr
    right: Expr
    span: Span


@attrs.frozen
class Not:
    """``not`` before a condition."""

    operand: Expr
    span: Span


@attrs.frozen
class Negate:
    """Unary minus."""

    operand: Expr
    span: Span


Expr = (
    Quantity
    | NameRef
    | Call
    | OverMapping
    | OverPrevious
    | Binary
    | Compare
    | Logical
    | Not
    | Negate
)


# Declarations ------------------------------------------------------------------------------


@attrs.frozen
class Window:
    """A scheme's trial window, first and last period as written (``2015-08 .. 2015-12``)."""

    first: Identifier
    last: Identifier
    span: Span


@attrs.frozen
class Header:
    """``scheme "title" uses p1, p2 period month window A .. B``."""

    title: str
    uses: tuple[Identifier, ...]
    period: Identifier
    window: Window | None
    span: Span


@attrs.frozen
class ParamDecl:
    """``param name "label" = quantity``."""

    name: Identifier
    label: str | None
    value: Quantity
    span: Span


@attrs.frozen
class FromColumn:
    """Subjects are the values of a column of an input table."""

    table: Identifier
    column: Identifier
    span: Span


@attrs.frozen
class StoreLevel:
    """A single subject: the store as a whole."""

    span: Span


@attrs.frozen
class RoleDecl:
    """``role name "label" from table.column`` or ``role name "label" store``."""

    name: Identifier
    label: str | None
    source: FromColumn | StoreLevel
    span: Span


@attrs.frozen
class MetricDecl:
    """``metric name "label" for role = expr`` (no ``for``: store level)."""

    name: Identifier
    label: str | None
    grain: Identifier | None
    expr: Expr
    span: Span


OutcomeKind = Literal["reward", "penalty", "amount"]


@attrs.frozen
class Outcome:
    """What a matching clause pays: ``reward 200``, ``penalty 200`` or a signed amount."""

    kind: OutcomeKind
    amount: Quantity
    span: Span


@attrs.frozen
class When:
    """``when condition outcome``."""

    condition: Expr
    outcome: Outcome
    span: Span


@attrs.frozen
class RuleDecl:
    """An ordered list of ``when`` clauses for one or more roles; the first match pays."""

    name: Identifier | None
    label: str | None
    roles: tuple[Identifier, ...]
    clauses: tuple[When, ...]
    otherwise: Outcome | None
    span: Span


Declaration = ParamDecl | RoleDecl | MetricDecl | RuleDecl


@attrs.frozen
class SchemeText:
    """A whole parsed scheme file."""

    file: str
    header: Header
    declarations: tuple[Declaration, ...]
