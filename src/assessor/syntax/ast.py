"""The syntax tree: what the text says, unresolved, every node frozen and carrying its span.

Names here are just text; the checker (``assessor.model.check``) gives them meaning.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from assessor.errors import Span
from assessor.records import frozen


@frozen
class Identifier:
    """A name as written, with its place."""

    text: str
    span: Span


@frozen
class Quantity:
    """A number with an optional unit as written: ``8 months``, ``95%``, ``200 元``."""

    value: Decimal
    unit: Identifier | None
    span: Span


# Expressions -------------------------------------------------------------------------------


@frozen
class NameRef:
    """A reference to a parameter or a metric."""

    name: Identifier
    span: Span


@frozen
class Argument:
    """A call argument, positional or ``keyword: value``."""

    value: Expr
    keyword: Identifier | None
    span: Span


@frozen
class Call:
    """A function or plugin-metric call: ``churn_rate(lapse_months)``."""

    function: Identifier
    arguments: tuple[Argument, ...]
    span: Span


@frozen
class OverMapping:
    """An aggregate over a mapping table: ``mean(group_churn of followups.advisor_group)``."""

    function: Identifier
    operand: Expr
    table: Identifier
    column: Identifier
    span: Span


@frozen
class OverPrevious:
    """An aggregate over earlier periods: ``mean(store_churn over previous 3 months)``."""

    function: Identifier
    operand: Expr
    count: Quantity
    span: Span


BinaryOperator = Literal["+", "-", "*", "/"]
LogicalOperator = Literal["and", "or"]


@frozen
class OverPeers:
    """A peer reference: ``mean(x over all)``, ``rank(x over all, ascending)``; with
    ``brand``, over every store of a dealer group: ``mean(store_churn over brand)``.
    """

    function: Identifier
    operand: Expr
    arguments: tuple[Argument, ...]
    span: Span
    brand: bool = False


@frozen
class Text:
    """A quoted text value, e.g. the indicator name in ``kpi("响应率")``."""

    value: str
    span: Span


@frozen
class Binary:
    """Arithmetic on two operands."""

    operator: BinaryOperator
    left: Expr
    right: Expr
    span: Span


@frozen
class Compare:
    """A comparison; the operator is kept as written (``=`` and ``==`` alike)."""

    operator: str
    left: Expr
    right: Expr
    span: Span


@frozen
class Logical:
    """``and`` / ``or`` between two conditions."""

    operator: LogicalOperator
    left: Expr
    right: Expr
    span: Span


@frozen
class Not:
    """``not`` before a condition."""

    operand: Expr
    span: Span


@frozen
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
    | OverPeers
    | Text
    | Binary
    | Compare
    | Logical
    | Not
    | Negate
)


# Declarations ------------------------------------------------------------------------------


@frozen
class Window:
    """A scheme's trial window, first and last period as written (``2015-08 .. 2015-12``)."""

    first: Identifier
    last: Identifier
    span: Span


@frozen
class PeriodClause:
    """``period quarter review month window A .. B transfer 2026-01-01``."""

    kind: Identifier
    review: Identifier | None
    window: Window | None
    # ``transfer 2026-01-01`` as written
    transfer: Identifier | None
    span: Span


@frozen
class Header:
    """``scheme "title" extends "t" version "2" effective 2026-10-01 uses p1, p2 period ...``.

    Only a scheme that extends a template may leave out its period: it then has the
    template's.
    """

    title: str
    uses: tuple[Identifier, ...]
    period: PeriodClause | None
    span: Span
    extends: Text | None = None
    version: Text | None = None
    effective: Identifier | None = None
    # ``stores by store``: the column naming each row's store in every input table
    stores: Identifier | None = None


@frozen
class Policy:
    """What happens when a value is n/a: ``n/a``, ``carry``, ``exclude`` or a default value."""

    kind: Literal["n/a", "carry", "exclude", "default"]
    default: Quantity | None
    span: Span


@frozen
class ParamDecl:
    """``param name "label" = quantity``."""

    name: Identifier
    label: str | None
    value: Quantity
    span: Span


@frozen
class FromColumn:
    """Subjects are the values of a column of an input table."""

    table: Identifier
    column: Identifier
    span: Span


@frozen
class StoreLevel:
    """A single subject: the store as a whole."""

    span: Span


@frozen
class RoleDecl:
    """``role name "label" from table.column`` or ``role name "label" store``."""

    name: Identifier
    label: str | None
    source: FromColumn | StoreLevel
    span: Span


@frozen
class MetricDecl:
    """``metric name "label" for role = expr rollup mean missing n/a`` (no ``for``: store
    level).
    """

    name: Identifier
    label: str | None
    grain: Identifier | None
    expr: Expr
    rollup: Identifier | None
    missing: Policy | None
    span: Span


OutcomeKind = Literal["reward", "penalty", "amount"]


@frozen
class Outcome:
    """What a matching clause pays: ``reward 200``, ``penalty 200`` or a signed amount."""

    kind: OutcomeKind
    amount: Quantity
    span: Span


@frozen
class When:
    """``when condition outcome``."""

    condition: Expr
    outcome: Outcome
    span: Span


@frozen
class RuleDecl:
    """An ordered list of ``when`` clauses for one or more roles; the first match pays."""

    name: Identifier | None
    label: str | None
    roles: tuple[Identifier, ...]
    hit: Identifier | None
    clauses: tuple[When, ...]
    otherwise: Outcome | None
    span: Span


# Scorecards --------------------------------------------------------------------------------


@frozen
class ItemOption:
    """``missing policy``, ``cap x`` or ``floor x`` on a scorecard, dimension, indicator or
    rubric.
    """

    kind: Literal["missing", "cap", "floor"]
    policy: Policy | None
    value: Quantity | None
    span: Span


@frozen
class Band:
    """``>= 95% -> 100``: a comparison with a threshold and what it gives."""

    operator: str
    threshold: Expr
    result: Quantity | str
    span: Span


@frozen
class Bands:
    """``bands b1 | b2 | else x``: the first band that holds."""

    bands: tuple[Band, ...]
    otherwise: Quantity | None
    span: Span


@frozen
class Linear:
    """``linear x1 -> p1, x2 -> p2``: interpolate between points, clamped at both ends."""

    points: tuple[tuple[Quantity, Quantity], ...]
    span: Span


@frozen
class Attainment:
    """``attainment of target``: value / target * 100."""

    target: Expr
    span: Span


@frozen
class DeductEach:
    """``deduct 5 per 1 from 100``: start - amount * value / per."""

    amount: Quantity
    per: Quantity | None
    start: Quantity
    span: Span


@frozen
class Direct:
    """``score``: the value is the score."""

    span: Span


@frozen
class TableMethod:
    """``table NAME``: a scoring table a plugin declares, checked as if written in place."""

    name: Identifier
    span: Span


Method = Bands | Linear | Attainment | DeductEach | Direct | TableMethod


@frozen
class Indicator:
    """``indicator name "label" weight w value expr method options``."""

    name: Identifier | None
    label: str | None
    weight: Quantity
    value: Expr
    method: Method
    options: tuple[ItemOption, ...]
    span: Span


@frozen
class Scale:
    """A rating scale: ``1..5`` (low, high) or letters with points."""

    low: Quantity | None
    high: Quantity | None
    letters: tuple[tuple[str, Quantity], ...]
    span: Span


@frozen
class Rubric:
    """Criteria rated by evaluators on a scale, aggregated across evaluators."""

    name: Identifier | None
    label: str | None
    weight: Quantity
    scale: Scale | None
    aggregate: tuple[Identifier, ...]
    criteria: tuple[Identifier, ...]
    options: tuple[ItemOption, ...]
    span: Span


@frozen
class Dimension:
    """A weighted group of indicators and rubrics."""

    name: Identifier | None
    label: str | None
    weight: Quantity
    options: tuple[ItemOption, ...]
    items: tuple[Indicator | Rubric, ...]
    span: Span


@frozen
class Deduct:
    """``deduct expr "label"``: points taken off a scorecard's total."""

    expr: Expr
    label: str | None
    span: Span


@frozen
class Effect:
    """What a veto does: ``score 0``, ``cap grade "C"`` or ``no bonus``."""

    kind: Literal["score", "grade", "no_bonus"]
    score: Quantity | None
    grade: str | None
    span: Span


@frozen
class Veto:
    """``veto "label" when condition effects`` (一票否决)."""

    label: str | None
    condition: Expr
    effects: tuple[Effect, ...]
    span: Span


@frozen
class ScorecardDecl:
    """A weighted scorecard for a role: items or dimensions, deductions and vetoes."""

    name: Identifier
    label: str | None
    role: Identifier
    options: tuple[ItemOption, ...]
    items: tuple[Indicator | Rubric, ...]
    dimensions: tuple[Dimension, ...]
    deductions: tuple[Deduct, ...]
    vetoes: tuple[Veto, ...]
    span: Span


# Grades and money --------------------------------------------------------------------------


@frozen
class Quota:
    """``at most 20% "优秀"``: forced distribution of a grade."""

    share: Quantity
    grade: str
    span: Span


@frozen
class GradeDecl:
    """``grade name for role on total  >= 90 -> "A" | ... | else "D"  at most 20% "A"``."""

    name: Identifier
    label: str | None
    role: Identifier
    on: Identifier
    bands: tuple[Band, ...]
    otherwise: str
    quotas: tuple[Quota, ...]
    span: Span


@frozen
class BonusDecl:
    """Money by grade (``by grade "A" -> 2000 元 | else 0``) or from an expression."""

    name: Identifier
    label: str | None
    role: Identifier
    grade: Identifier | None
    amounts: tuple[tuple[str, Quantity, Span], ...]
    otherwise: Quantity | None
    expr: Expr | None
    span: Span


@frozen
class LimitDecl:
    """``limit for role reward at most x penalty at most y``: per subject and period."""

    role: Identifier
    reward: Quantity | None
    penalty: Quantity | None
    span: Span


@frozen
class PoolDecl:
    """``pool for role rewards at most penalties + x``: per role and period."""

    role: Identifier
    with_penalties: bool
    budget: Quantity | None
    span: Span


@frozen
class Amend:
    """``amend card.service.response weight 25% bands ...``: a template's scorecard item with
    its weight, method or options replaced. ``path`` names the scorecard, then the dimension
    and item (by name or label).
    """

    path: tuple[Identifier | Text, ...]
    weight: Quantity | None
    method: Method | None
    options: tuple[ItemOption, ...]
    span: Span


@frozen
class Drop:
    """``drop name, other``: leave out declarations of the template this scheme extends."""

    names: tuple[Identifier, ...]
    span: Span


Declaration = (
    ParamDecl
    | RoleDecl
    | MetricDecl
    | RuleDecl
    | ScorecardDecl
    | GradeDecl
    | BonusDecl
    | LimitDecl
    | PoolDecl
    | Amend
    | Drop
)


@frozen
class Base:
    """A template a scheme extends, as found: ``source`` as the scheme names it."""

    source: str
    title: str
    version: str | None


@frozen
class SchemeText:
    """A whole parsed scheme file, or a scheme merged with the templates it extends."""

    file: str
    header: Header
    declarations: tuple[Declaration, ...]
    # after merging: the templates it extends, nearest first
    bases: tuple[Base, ...] = ()
