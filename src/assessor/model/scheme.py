"""The checked scheme: names resolved, units known, parameters applied, values exact.

Built only by :func:`assessor.model.check.check_scheme`; the planner works from this alone.
Spans are kept so later stages can still point at the text, never to re-read it.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from fractions import Fraction

from assessor.errors import Span
from assessor.model.registry import AggregateSpec, MetricSpec, TableSpec
from assessor.model.units import Unit
from assessor.records import frozen


@frozen(order=True)
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

    @classmethod
    def of(cls, day: datetime.date) -> Month:
        """The month a day falls in."""
        return cls(day.year * 12 + day.month - 1)

    def plus(self, months: int) -> Month:
        """The month ``months`` later (earlier when negative)."""
        return Month(self.index + months)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


PERIOD_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
# the subject of a role assessed at store level
STORE_SUBJECT = "store"


def subject_name(store: str, subject: str) -> str:
    """A subject as people name it: ``S017 / 接待2组``, or ``S017`` for a store-level role,
    when a scheme is assessed per store; the subject alone when the data is one store.
    """
    if not store:
        return subject
    return store if subject == STORE_SUBJECT else f"{store} / {subject}"


_PERIOD_TEXT = re.compile(r"(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?")


@frozen(order=True)
class Period:
    """A month, quarter, half-year or year, ordered within its kind.

    ``index`` counts periods of the kind from year 0: a quarter's is year * 4 + quarter - 1.
    """

    kind: str
    index: int

    @classmethod
    def parse(cls, text: str, kind: str) -> Period | None:
        """The period of ``kind`` containing ``2026-03``, ``2026-Q1``, ``2026-H1`` or ``2026``;
        None when the text is not one of those forms (or a quarter within a month scheme).
        """
        match = _PERIOD_TEXT.fullmatch(text.strip())
        if not match:
            return None
        year, month, quarter, half = match.groups()
        if month is not None:
            if not 1 <= int(month) <= 12:
                return None
            first, span = int(month), 1
        elif quarter is not None:
            first, span = (int(quarter) - 1) * 3 + 1, 3
        elif half is not None:
            first, span = (int(half) - 1) * 6 + 1, 6
        else:
            first, span = 1, 12
        if span > PERIOD_MONTHS[kind]:
            return None  # a quarter does not name a single month
        return cls.containing(Month(int(year) * 12 + first - 1), kind)

    @classmethod
    def containing(cls, month: Month, kind: str) -> Period:
        """The period of ``kind`` that a month falls in."""
        return cls(kind, month.index // PERIOD_MONTHS[kind])

    @property
    def months(self) -> int:
        """How many months the period has."""
        return PERIOD_MONTHS[self.kind]

    @property
    def first_month(self) -> Month:
        """The period's first month."""
        return Month(self.index * self.months)

    @property
    def last_month(self) -> Month:
        """The period's last month."""
        return self.first_month.plus(self.months - 1)

    def plus(self, periods: int) -> Period:
        """The period ``periods`` later (earlier when negative)."""
        return Period(self.kind, self.index + periods)

    def __str__(self) -> str:
        first = self.first_month
        if self.kind == "month":
            return str(first)
        if self.kind == "quarter":
            return f"{first.year:04d}-Q{(first.month - 1) // 3 + 1}"
        if self.kind == "half":
            return f"{first.year:04d}-H{(first.month - 1) // 6 + 1}"
        return f"{first.year:04d}"


# Typed expressions -------------------------------------------------------------------------


@frozen
class Constant:
    """An exact constant (a literal or a parameter's value)."""

    value: Fraction
    unit: Unit
    span: Span
    param: str | None = None


@frozen
class MetricValue:
    """The value of a metric for the subject and period at hand."""

    metric: str
    unit: Unit
    span: Span


@frozen
class Arithmetic:
    """Exact arithmetic on two values."""

    operator: str  # + - * /
    left: Expr
    right: Expr
    unit: Unit
    span: Span


@frozen
class Comparison:
    """A comparison; operators are canonical: < <= = != > >=."""

    operator: str
    left: Expr
    right: Expr
    span: Span


@frozen
class BoolOp:
    """``and`` / ``or``."""

    operator: str
    left: Expr
    right: Expr
    span: Span


@frozen
class Negation:
    """``not`` of a condition."""

    operand: Expr
    span: Span


@frozen
class IsDefined:
    """A condition: the value is not n/a."""

    operand: Expr
    span: Span


@frozen
class Choose:
    """The value of the first case whose condition holds, else ``otherwise``.

    n/a when any of ``guard`` is n/a (a band's value, min's operands), or when no case holds and
    there is no ``otherwise``. A condition that is n/a does not hold.
    """

    cases: tuple[tuple[Expr, Expr], ...]
    otherwise: Expr | None
    guard: tuple[Expr, ...]
    unit: Unit
    span: Span


Expr = Constant | MetricValue | Arithmetic | Comparison | BoolOp | Negation | IsDefined | Choose


# Metric definitions ------------------------------------------------------------------------


@frozen
class PluginMetric:
    """A call of a plugin metric with constant arguments."""

    spec: MetricSpec
    arguments: tuple[tuple[str, Fraction], ...]


@frozen
class Derived:
    """Arithmetic over other metrics of the same or the store grain."""

    expr: Expr


@frozen
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


@frozen
class OverPrevious:
    """An aggregate of a metric over the ``count`` periods before the current one."""

    aggregate: AggregateSpec
    metric: str
    count: int


@frozen
class Rollup:
    """Monthly values of a metric rolled up into the scheme's period: mean, sum or last."""

    how: str
    metric: str


@frozen
class Shifted:
    """A metric's value ``periods`` periods (of its own cadence) earlier."""

    metric: str
    periods: int


@frozen
class Baseline:
    """The pre-transfer baseline of a metric: the mean of its defined values over the
    ``periods`` periods (of its own cadence) before the period holding the transfer date,
    the same value in every period.
    """

    metric: str
    periods: int


@frozen
class Peer:
    """A reference over all subjects of the metric's role in the period and store: mean,
    median, percentile (nearest rank, ``share`` in 0..1) or rank (1 = highest unless
    ascending). With ``brand``, over the subjects of every store (the stores themselves, for a
    store-level metric): a brand-level roll-up.
    """

    function: str
    metric: str
    share: Fraction | None = None
    ascending: bool = False
    brand: bool = False


@frozen
class Scale:
    """A rating scale: numeric from ``low`` to ``high``, or letters with points."""

    low: Fraction
    high: Fraction
    letters: tuple[tuple[str, Fraction], ...] = ()

    @property
    def maximum(self) -> Fraction:
        """The best rating, worth 100 points."""
        return max(p for _, p in self.letters) if self.letters else self.high


@frozen
class RubricScore:
    """Ratings of ``criteria`` on ``scale``, aggregated across evaluators (mean, median,
    trimmed), averaged over criteria and expressed in points (maximum = 100).

    ``unrated``: "n/a" (any unrated criterion makes it n/a), "exclude" (left out), or a rating
    assumed for an unrated criterion.
    """

    scale: Scale
    aggregate: str
    criteria: tuple[str, ...]
    unrated: str | Fraction


MetricDefinition = (
    PluginMetric
    | Derived
    | OverMapping
    | OverPrevious
    | Rollup
    | Shifted
    | Baseline
    | Peer
    | RubricScore
)


@frozen
class Metric:
    """A named metric at a grain: a role's subjects, or the store (grain None).

    ``monthly``: its values are per month (plugin data) rather than per assessed period.
    ``missing``: "carry" or a default value fills its n/a values; None leaves them n/a.
    """

    name: str
    label: str | None
    grain: str | None
    unit: Unit
    definition: MetricDefinition
    span: Span
    monthly: bool = False
    missing: str | Fraction | None = None

    @property
    def lookback(self) -> int:
        """How many periods before the current one this metric itself looks at."""
        if isinstance(self.definition, OverPrevious):
            return self.definition.count
        if isinstance(self.definition, Shifted):
            return self.definition.periods
        return 0


def operands(definition: MetricDefinition) -> set[str]:
    """The metrics a definition reads directly."""
    if isinstance(definition, Derived):
        return metric_names(definition.expr)
    if isinstance(definition, PluginMetric | RubricScore):
        return set()
    return {definition.metric}


def metric_names(expr: Expr) -> set[str]:
    """The metrics an expression reads."""
    match expr:
        case MetricValue(metric=name):
            return {name}
        case Arithmetic(left=a, right=b) | Comparison(left=a, right=b) | BoolOp(left=a, right=b):
            return metric_names(a) | metric_names(b)
        case Negation(operand=a) | IsDefined(operand=a):
            return metric_names(a)
        case Choose(cases=cases, otherwise=otherwise, guard=guard):
            names = set().union(*(metric_names(x) for case in cases for x in case))
            names |= set().union(*(metric_names(g) for g in guard))
            return names | (metric_names(otherwise) if otherwise is not None else set())
    return set()


def expanded_size(expr: Expr, sizes: dict[int, int] | None = None) -> int:
    """How many nodes the expression has once every shared operand is written out, as the
    engine's SQL writes it: ``min(a, b)`` reads ``a`` and ``b`` twice each, so nesting them
    doubles the size at every level.
    """
    sizes = {} if sizes is None else sizes
    known = sizes.get(id(expr))
    if known is not None:
        return known
    match expr:
        case Arithmetic(left=a, right=b) | Comparison(left=a, right=b) | BoolOp(left=a, right=b):
            parts = [a, b]
        case Negation(operand=a) | IsDefined(operand=a):
            parts = [a]
        case Choose(cases=cases, otherwise=otherwise, guard=guard):
            parts = [x for case in cases for x in case] + list(guard)
            parts += [otherwise] if otherwise is not None else []
        case _:
            parts = []
    size = 1 + sum(expanded_size(part, sizes) for part in parts)
    sizes[id(expr)] = size
    return size


# Declarations ------------------------------------------------------------------------------


@frozen
class Param:
    """A parameter with its value after run-time overrides."""

    name: str
    label: str | None
    value: Fraction
    unit: Unit
    span: Span


@frozen
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


@frozen
class Clause:
    """``when condition`` pays ``amount`` (signed)."""

    condition: Expr
    amount: Decimal
    span: Span


@frozen
class Rule:
    """Ordered clauses for some roles. ``subject_value`` and ``reference_value`` are the two
    sides of the first comparison, reported as the value compared and what it was compared to.
    ``hit``: "first" (the first clause that holds pays), "unique" (two that hold is an error)
    or "collect" (every clause that holds pays).
    """

    id: str
    label: str | None
    roles: tuple[str, ...]
    hit: str
    clauses: tuple[Clause, ...]
    otherwise: Decimal | None
    subject_value: Expr | None
    reference_value: Expr | None
    span: Span


@frozen
class Item:
    """A scored part of a scorecard, whose points are the metric ``name``.

    ``kind``: indicator, rubric, dimension or scorecard. ``value`` is the metric the indicator
    scores (None for the others); ``method`` says in words how points were given.
    """

    name: str
    label: str | None
    kind: str
    parent: str | None
    weight: Fraction | None
    weight_text: str
    value: str | None
    method: str
    span: Span


@frozen
class Veto:
    """A veto (一票否决): when ``condition`` holds, the effects apply and ``label`` says why."""

    label: str
    condition: Expr
    score: Fraction | None
    grade_cap: str | None
    no_bonus: bool
    span: Span


@frozen
class Scorecard:
    """A scorecard: its items in order (total last) and its vetoes."""

    name: str
    label: str | None
    role: str
    items: tuple[Item, ...]
    vetoes: tuple[Veto, ...]
    span: Span

    def tree(self) -> list[tuple[Item, int]]:
        """The items parent first, with their depth: the total, then each dimension before
        its indicators (``items`` lists children first, as they are computed).
        """
        children: dict[str | None, list[Item]] = {}
        for item in self.items:
            children.setdefault(item.parent, []).append(item)

        def below(parent: str | None, depth: int) -> list[tuple[Item, int]]:
            ordered = []
            for item in children.get(parent, []):
                ordered.append((item, depth))
                ordered += below(item.name, depth + 1)
            return ordered

        return below(None, 0)


@frozen
class Grade:
    """Grades on a total: ``bands`` (operator, threshold, grade) tried in order, then
    ``otherwise``. ``grades`` runs from best to worst; ``quotas`` are (share, grade).
    """

    name: str
    label: str | None
    role: str
    on: str
    bands: tuple[tuple[str, Fraction, str], ...]
    otherwise: str
    quotas: tuple[tuple[Fraction, str], ...]
    caps: tuple[Veto, ...]
    span: Span

    @property
    def grades(self) -> tuple[str, ...]:
        """Every grade, best first."""
        return (*dict.fromkeys(b[2] for b in self.bands), self.otherwise)


@frozen
class Bonus:
    """Money per subject and period: by grade (``grade`` and ``amounts``) or an expression."""

    name: str
    label: str | None
    role: str
    grade: str | None
    amounts: tuple[tuple[str, Decimal], ...]
    otherwise: Decimal
    expr: Expr | None
    vetoes: tuple[Veto, ...]
    span: Span


@frozen
class Limit:
    """The most one subject may get in rewards and in penalties in a period."""

    role: str
    reward: Decimal | None
    penalty: Decimal | None
    span: Span


@frozen
class Pool:
    """The most a role's rewards may add up to in a period: the penalties collected (when
    ``with_penalties``) plus ``budget``.
    """

    role: str
    with_penalties: bool
    budget: Decimal
    span: Span


@frozen
class Base:
    """A template a scheme extends: where it came from (a template id or a file), its title
    and its version.
    """

    source: str
    title: str
    version: str | None


@frozen
class Scheme:
    """A whole checked scheme. ``metrics`` are in dependency order."""

    title: str
    plugins: tuple[str, ...]
    period_kind: str
    review_kind: str | None
    window: tuple[Period, Period] | None
    params: tuple[Param, ...]
    roles: tuple[Role, ...]
    metrics: tuple[Metric, ...]
    rules: tuple[Rule, ...]
    tables: tuple[TableSpec, ...]
    scorecards: tuple[Scorecard, ...] = ()
    grades: tuple[Grade, ...] = ()
    bonuses: tuple[Bonus, ...] = ()
    limits: tuple[Limit, ...] = ()
    pools: tuple[Pool, ...] = ()
    # the day of the equity transfer, when the scheme declares one
    transfer: datetime.date | None = None
    # `stores by store`: every input table's column naming its store; the scheme is then
    # assessed per store, as if each store were run alone (None: the data is one store)
    stores: str | None = None
    # `version "2"` and `effective 2026-10-01`, recorded with every result
    version: str | None = None
    effective: datetime.date | None = None
    # the templates it extends, nearest first
    bases: tuple[Base, ...] = ()

    def metric(self, name: str) -> Metric:
        """The metric of that name (the checker guarantees it exists)."""
        return next(m for m in self.metrics if m.name == name)

    def role(self, name: str) -> Role:
        """The role of that name."""
        return next(r for r in self.roles if r.name == name)

    def table(self, name: str) -> TableSpec:
        """The input table of that name."""
        return next(t for t in self.tables if t.name == name)
