"""An independent reference implementation of scorecard scoring, grades and bonuses.

It is written straight from the language's semantics, in plain Python with exact fractions,
for one *family* of schemes described as Python data (the dataclasses below), so that the
engine's results can be checked against a second, unrelated reading of the rules.
Readability matters more than speed: it only handles a handful of teams and months.

The family:

- one role ``team`` drawn from ``kpi_values.subject``; every team exists in every period;
- ``period month`` or ``period quarter``; a quarter's metric rolls its monthly values up with
  ``mean``, ``sum`` or ``last`` over the months that have a value;
- metrics ``kpi("X")`` or ``kpi_percent("X")`` (95 means 95%), with an optional ``missing``;
- one scorecard: either top-level items or dimensions of items, all weights in percent;
  indicators scored by bands, linear, attainment, deduct-per-unit or directly; rubrics over
  ratings; ``missing`` policies n/a / default / exclude / carry; cap and floor options;
  scorecard-level deductions and at most one veto;
- a grade on the scorecard with bands and ``at most P "X"`` quotas, a bonus by grade, and
  rules with peer references ``rank(x over all)`` and ``mean(x over all)``.

Some situations are not settled by the specification. The evaluator records each such
situation (see `Ambiguity`) instead of silently picking a reading, so that the random
generator can steer clear of them. The reading used meanwhile is documented where it is
taken.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Literal

PolicyKind = Literal["n/a", "exclude", "carry", "default"]
Rollup = Literal["mean", "sum", "last"]
Compare = Literal[">=", ">", "<=", "<"]
AggregateHow = Literal["mean", "median", "trimmed mean"]

EXCLUDED = "excluded"
"""The state of an item that is left out under ``missing exclude``."""

Score = Fraction | None
"""Points as an exact fraction, or ``None`` when n/a."""

ItemScore = Fraction | None | str
"""An item's points, ``None`` when n/a, or `EXCLUDED`."""


# --- the scheme family ----------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """A ``missing`` policy; ``value`` is the default (metric units, points or a rating)."""

    kind: PolicyKind
    value: Fraction | None = None


@dataclass(frozen=True)
class Metric:
    """``metric NAME "label" for team = kpi[_percent]("kpi") [rollup R] [missing P]``."""

    name: str
    label: str
    kpi: str
    percent: bool = False
    rollup: Rollup | None = None
    missing: Policy | None = None


@dataclass(frozen=True)
class Bands:
    """``bands C t1 -> p1 | C t2 -> p2 | else p``; thresholds in the value's unit."""

    compare: Compare
    bands: tuple[tuple[Fraction, Fraction], ...]
    otherwise: Fraction


@dataclass(frozen=True)
class Linear:
    """``linear x1 -> p1, x2 -> p2, ...`` with x strictly increasing."""

    points: tuple[tuple[Fraction, Fraction], ...]


@dataclass(frozen=True)
class Attainment:
    """``attainment of T``: value / T * 100."""

    target: Fraction


@dataclass(frozen=True)
class DeductEach:
    """``deduct D per U from S``: S - D * value / U."""

    deduct: Fraction
    per: Fraction
    start: Fraction


@dataclass(frozen=True)
class Direct:
    """``score``: the value is the score."""


Method = Bands | Linear | Attainment | DeductEach | Direct


@dataclass(frozen=True)
class Indicator:
    """A scored indicator. ``weight`` is a fraction (40% is 2/5).

    ``inline`` means the scheme writes ``value kpi("...")`` instead of the metric's name
    (only for a metric without rollup and without its own ``missing``).
    """

    name: str
    label: str
    weight: Fraction
    metric: Metric
    method: Method
    inline: bool = False
    missing: Policy | None = None
    cap: Fraction | None = None
    floor: Fraction | None = None


@dataclass(frozen=True)
class NumericScale:
    """``scale LOW..HIGH``."""

    low: int
    high: int

    @property
    def maximum(self) -> Fraction:
        """The scale's maximum, which rates 100 points."""
        return Fraction(self.high)


@dataclass(frozen=True)
class LetterScale:
    """``scale "A" = 5, "B" = 4, ...``."""

    letters: tuple[tuple[str, Fraction], ...]

    @property
    def maximum(self) -> Fraction:
        """The largest value of a letter."""
        return max(value for _, value in self.letters)


Scale = NumericScale | LetterScale


@dataclass(frozen=True)
class Rubric:
    """A rubric rated by evaluators; ``missing`` applies per criterion."""

    name: str
    label: str
    weight: Fraction
    scale: Scale
    aggregate: AggregateHow | None
    criteria: tuple[str, ...]
    missing: Policy
    cap: Fraction | None = None
    floor: Fraction | None = None


Item = Indicator | Rubric


def _excluded_if_missing(dimension: Dimension, default: Policy | None, score: Score) -> Score:
    """An n/a dimension whose policy (its own, else the scorecard's) is ``exclude`` counts as
    excluded."""
    policy = dimension.missing or default
    if score is None and policy is not None and policy.kind == "exclude":
        return EXCLUDED
    return score


@dataclass(frozen=True)
class Dimension:
    """A weighted group of items; its ``missing`` is the default of its indicators."""

    name: str
    label: str
    weight: Fraction
    items: tuple[Item, ...]
    missing: Policy | None = None
    cap: Fraction | None = None
    floor: Fraction | None = None


@dataclass(frozen=True)
class Deduct:
    """``deduct FACTOR * METRIC "label"`` at scorecard level."""

    factor: Fraction
    metric: Metric
    label: str


@dataclass(frozen=True)
class Veto:
    """``veto "label" when METRIC > THRESHOLD`` with its effects."""

    label: str
    metric: Metric
    threshold: Fraction
    score: Fraction | None = None
    cap_grade: str | None = None
    no_bonus: bool = False


@dataclass(frozen=True)
class Scorecard:
    """A scorecard: top-level items or dimensions (never both), then deductions and a veto."""

    name: str
    label: str
    items: tuple[Item, ...] = ()
    dimensions: tuple[Dimension, ...] = ()
    missing: Policy | None = None
    cap: Fraction | None = None
    floor: Fraction | None = None
    deducts: tuple[Deduct, ...] = ()
    veto: Veto | None = None


@dataclass(frozen=True)
class Grade:
    """``grade NAME for team on SCORECARD C t -> "X" | ... | else "Z" at most P "X"``."""

    name: str
    label: str
    compare: Compare
    bands: tuple[tuple[Fraction, str], ...]
    otherwise: str
    quotas: tuple[tuple[Fraction, str], ...] = ()

    @property
    def order(self) -> tuple[str, ...]:
        """The grades from best to worst."""
        return (*(grade for _, grade in self.bands), self.otherwise)


@dataclass(frozen=True)
class Bonus:
    """``bonus NAME for team by GRADE "X" -> A 元 | ... | else B``."""

    name: str
    label: str
    amounts: tuple[tuple[str, Decimal], ...]
    otherwise: Decimal


@dataclass(frozen=True)
class RankRule:
    """``when rank(OF over all) <= BEST reward R otherwise 0``."""

    name: str
    label: str
    of: str
    best: int
    reward: Decimal


@dataclass(frozen=True)
class MeanRule:
    """``when OF > mean(OF over all) reward R when OF < mean(...) penalty P otherwise 0``."""

    name: str
    label: str
    of: str
    reward: Decimal
    penalty: Decimal


Rule = RankRule | MeanRule


@dataclass(frozen=True)
class Scheme:
    """A whole scheme of the family. ``first`` and ``last`` are period labels."""

    title: str
    period: Literal["month", "quarter"]
    first: str
    last: str
    scorecard: Scorecard
    grade: Grade | None = None
    bonus: Bonus | None = None
    rules: tuple[Rule, ...] = ()

    def metrics(self) -> list[Metric]:
        """Every metric the scheme declares (inline ``kpi(...)`` values are not declared)."""
        found: dict[str, Metric] = {}
        for item in all_items(self.scorecard):
            if isinstance(item, Indicator) and not item.inline:
                found.setdefault(item.metric.name, item.metric)
        for deduct in self.scorecard.deducts:
            found.setdefault(deduct.metric.name, deduct.metric)
        if self.scorecard.veto is not None:
            found.setdefault(self.scorecard.veto.metric.name, self.scorecard.veto.metric)
        return list(found.values())


def all_items(card: Scorecard) -> list[Item]:
    """The scorecard's items, top-level ones first, then dimension by dimension."""
    return [*card.items, *(item for dim in card.dimensions for item in dim.items)]


# --- periods --------------------------------------------------------------------------


def month_number(text: str) -> int:
    """``YYYY-MM`` (or an ISO date) as a month number; consecutive months differ by one."""
    year, month = text.split("-")[:2]
    return int(year) * 12 + int(month) - 1


def month_label(number: int) -> str:
    """A month number back as ``YYYY-MM``."""
    year, month = divmod(number, 12)
    return f"{year:04d}-{month + 1:02d}"


def period_of(month: int, kind: str) -> int:
    """The number of the period (of ``kind``) that contains a month."""
    return month if kind == "month" else month // 3


def period_label(period: int, kind: str) -> str:
    """``YYYY-MM`` or ``YYYY-Qn``."""
    if kind == "month":
        return month_label(period)
    year, quarter = divmod(period, 4)
    return f"{year:04d}-Q{quarter + 1}"


def parse_period_label(text: str, kind: str) -> int:
    """The inverse of `period_label`."""
    if kind == "month":
        return month_number(text)
    year, quarter = text.split("-Q")
    return int(year) * 4 + int(quarter) - 1


def months_of(period: int, kind: str) -> list[int]:
    """The months of a period, in order."""
    return [period] if kind == "month" else [period * 3 + k for k in range(3)]


# --- data -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    """One row of ``ratings``."""

    subject: str
    month: int
    evaluator: str
    criterion: str
    score: str


@dataclass
class Data:
    """The input tables, indexed for lookups."""

    kpi: dict[tuple[str, int, str], Fraction]
    ratings: list[Rating]
    subjects: list[str]
    first_month: int

    @classmethod
    def from_rows(
        cls, kpi_rows: Iterable[Mapping[str, str]], rating_rows: Iterable[Mapping[str, str]]
    ) -> Data:
        """Index rows as read from ``kpi_values.csv`` and ``ratings.csv``."""
        kpi: dict[tuple[str, int, str], Fraction] = {}
        for row in kpi_rows:
            key = (row["subject"], month_number(row["period"]), row["indicator"])
            assert key not in kpi, f"duplicate kpi_values row {key}"
            kpi[key] = Fraction(row["value"])
        ratings = [
            Rating(
                r["subject"], month_number(r["period"]), r["evaluator"], r["criterion"], r["score"]
            )
            for r in rating_rows
        ]
        months = [month for _, month, _ in kpi] + [rating.month for rating in ratings]
        subjects = sorted({subject for subject, _, _ in kpi})
        return cls(kpi, ratings, subjects, min(months))


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class Ambiguity:
    """A situation the specification does not settle, met while evaluating."""

    kind: str
    period: str
    subject: str
    item: str


@dataclass
class SubjectResult:
    """Everything computed for one subject in one assessed period."""

    items: dict[str, ItemScore] = field(default_factory=dict)
    dimensions: dict[str, Score] = field(default_factory=dict)
    total: Score = None
    vetoed: bool = False
    grade: str | None = None
    bonus: Decimal | None = None
    rules: dict[str, Decimal | None] = field(default_factory=dict)


@dataclass(frozen=True)
class ExpectedRow:
    """One result row as the reference expects it; ``None`` means n/a (or excluded)."""

    period: str
    subject: str
    item: str
    kind: str
    points: Fraction | None = None
    grade: str | None = None
    amount: Decimal | None = None
    excluded: bool = False


@dataclass
class Evaluation:
    """The reference's results per (period label, subject), and what it found ambiguous."""

    results: dict[tuple[str, str], SubjectResult]
    ambiguities: list[Ambiguity]

    def rows(self, scheme: Scheme) -> list[ExpectedRow]:
        """The expected result rows, in a stable order."""
        rows: list[ExpectedRow] = []
        for (period, subject), result in sorted(self.results.items()):
            rows.extend(subject_rows(scheme, period, subject, result))
        return rows


def subject_rows(scheme: Scheme, period: str, subject: str, r: SubjectResult) -> list[ExpectedRow]:
    """The expected rows of one subject and period."""
    rows = []
    for item in all_items(scheme.scorecard):
        kind = "indicator" if isinstance(item, Indicator) else "rubric"
        score = r.items[item.name]
        excluded = score == EXCLUDED
        points = None if excluded else score
        rows.append(ExpectedRow(period, subject, item.name, kind, points, excluded=excluded))
    for name, score in r.dimensions.items():
        rows.append(ExpectedRow(period, subject, name, "dimension", score))
    rows.append(ExpectedRow(period, subject, scheme.scorecard.name, "scorecard", r.total))
    if scheme.grade is not None:
        rows.append(ExpectedRow(period, subject, scheme.grade.name, "grade", grade=r.grade))
    if scheme.bonus is not None:
        rows.append(ExpectedRow(period, subject, scheme.bonus.name, "bonus", amount=r.bonus))
    for rule in scheme.rules:
        rows.append(ExpectedRow(period, subject, rule.name, "rule", amount=r.rules[rule.name]))
    return rows


# --- arithmetic helpers ---------------------------------------------------------------


def mean(values: list[Fraction]) -> Fraction:
    """The exact mean of a non-empty list."""
    return sum(values, Fraction(0)) / len(values)


def median(values: list[Fraction]) -> Fraction:
    """The exact median; the mean of the two middle values for an even count."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def trimmed_mean(values: list[Fraction]) -> Fraction:
    """The mean without one highest and one lowest value (plain mean below 3 values)."""
    if len(values) < 3:
        return mean(values)
    return mean(sorted(values)[1:-1])


def holds(value: Fraction, compare: Compare, threshold: Fraction) -> bool:
    """Whether ``value COMPARE threshold``."""
    return {
        ">=": value >= threshold,
        ">": value > threshold,
        "<=": value <= threshold,
        "<": value < threshold,
    }[compare]


def clamp(score: Fraction, cap: Fraction | None, floor: Fraction | None) -> Fraction:
    """Apply a ``cap`` and a ``floor`` option."""
    if cap is not None and score > cap:
        score = cap
    if floor is not None and score < floor:
        score = floor
    return score


def weighted(entries: list[tuple[Fraction, ItemScore]]) -> ItemScore:
    """The weighted sum of (weight, score) siblings, with ``exclude`` renormalisation.

    Any n/a sibling makes the result n/a. Excluded siblings are left out and the others'
    weights are scaled up to keep their total: sum(w*s) / sum(w defined) * sum(all w).
    Every sibling excluded gives `EXCLUDED` (the caller decides what that means).
    """
    if any(score is None for _, score in entries):
        return None
    defined = [(w, s) for w, s in entries if s != EXCLUDED]
    if not defined:
        return EXCLUDED
    total_weight = sum((w for w, _ in entries), Fraction(0))
    defined_weight = sum((w for w, _ in defined), Fraction(0))
    return sum((w * s for w, s in defined), Fraction(0)) / defined_weight * total_weight


# --- scoring methods ------------------------------------------------------------------


def score_by(method: Method, value: Fraction) -> Fraction:
    """An indicator's points for a defined value, before cap and floor."""
    if isinstance(method, Bands):
        for threshold, points in method.bands:
            if holds(value, method.compare, threshold):
                return points
        return method.otherwise
    if isinstance(method, Linear):
        return linear_score(method.points, value)
    if isinstance(method, Attainment):
        return value / method.target * 100
    if isinstance(method, DeductEach):
        return method.start - method.deduct * value / method.per
    return value


def linear_score(points: tuple[tuple[Fraction, Fraction], ...], value: Fraction) -> Fraction:
    """Piecewise-linear through the points, clamped to the first and last point."""
    if value <= points[0][0]:
        return points[0][1]
    for (x1, p1), (x2, p2) in itertools.pairwise(points):
        if value <= x2:
            return p1 + (p2 - p1) * (value - x1) / (x2 - x1)
    return points[-1][1]


# --- the evaluator --------------------------------------------------------------------


class Evaluator:
    """Evaluates one scheme on one dataset; values are memoised per subject and period."""

    def __init__(self, scheme: Scheme, data: Data) -> None:
        self.scheme = scheme
        self.data = data
        self.kind = scheme.period
        self.first_period = period_of(data.first_month, self.kind)
        self.ambiguities: list[Ambiguity] = []
        self._raw: dict[tuple[str, str, int], Fraction | None] = {}

    # metrics

    def monthly(self, metric: Metric, subject: str, month: int) -> Fraction | None:
        """``kpi`` / ``kpi_percent`` for one month; None without a row."""
        value = self.data.kpi.get((subject, month, metric.kpi))
        if value is None:
            return None
        return value / 100 if metric.percent else value

    def raw(self, metric: Metric, subject: str, period: int) -> Fraction | None:
        """The metric in a period, rolled up over its months, before any ``missing``."""
        key = (metric.name, subject, period)
        if key not in self._raw:
            values = [self.monthly(metric, subject, m) for m in months_of(period, self.kind)]
            defined = [v for v in values if v is not None]
            self._raw[key] = rollup(metric.rollup or "last", defined) if defined else None
        return self._raw[key]

    def carried(self, metric: Metric, subject: str, period: int) -> Fraction | None:
        """The latest defined raw value of an earlier period since the data start."""
        for earlier in range(period - 1, self.first_period - 1, -1):
            value = self.raw(metric, subject, earlier)
            if value is not None:
                return value
        return None

    def metric(self, metric: Metric, subject: str, period: int) -> Fraction | None:
        """The metric with its own ``missing`` policy applied."""
        value = self.raw(metric, subject, period)
        policy = metric.missing
        if value is not None or policy is None or policy.kind == "n/a":
            return value
        if policy.kind == "default":
            return policy.value
        if policy.kind == "carry":
            return self.carried(metric, subject, period)
        raise ValueError("exclude is not a metric policy")

    # items

    def indicator(
        self, ind: Indicator, dim: Dimension | None, subject: str, period: int
    ) -> ItemScore:
        """An indicator's points: its method on the value, n/a handled by its policy.

        Policy precedence: indicator > dimension > scorecard > the metric's own (the family
        never gives a metric a policy when one of the others applies, see the generator).
        """
        value = self.metric(ind.metric, subject, period)
        if value is not None:
            return clamp(score_by(ind.method, value), ind.cap, ind.floor)
        policy = ind.missing or (dim and dim.missing) or self.scheme.scorecard.missing
        if policy is None or policy.kind == "n/a":
            return None
        if policy.kind == "exclude":
            return EXCLUDED
        if policy.kind == "default":
            return policy.value
        carried = self.carried(ind.metric, subject, period)
        return None if carried is None else clamp(score_by(ind.method, carried), ind.cap, ind.floor)

    def rating_value(self, scale: Scale, text: str) -> Fraction:
        """A rating's numeric value on its scale (out-of-scale ratings are data errors)."""
        if isinstance(scale, LetterScale):
            return dict(scale.letters)[text]
        value = Fraction(text)
        assert scale.low <= value <= scale.high, f"rating {text} outside the scale"
        return value

    def criterion(self, rubric: Rubric, criterion: str, subject: str, period: int) -> Score:
        """A criterion's aggregated rating over every evaluator and month of the period."""
        months = set(months_of(period, self.kind))
        values = [
            self.rating_value(rubric.scale, r.score)
            for r in self.data.ratings
            if r.subject == subject and r.month in months and r.criterion == criterion
        ]
        if not values:
            return None
        how = rubric.aggregate or "mean"
        return {"mean": mean, "median": median, "trimmed mean": trimmed_mean}[how](values)

    def rubric(self, rubric: Rubric, subject: str, period: int) -> ItemScore:
        """Mean over criteria of the aggregated rating / scale maximum * 100, clamped.

        Reading taken: a rubric under ``missing exclude`` whose criteria are all unrated is
        itself left out of its dimension (recorded as an ambiguity).
        """
        ratings = []
        for criterion in rubric.criteria:
            value = self.criterion(rubric, criterion, subject, period)
            if value is None:
                if rubric.missing.kind == "n/a":
                    return None
                if rubric.missing.kind == "exclude":
                    continue
                value = rubric.missing.value
            ratings.append(value)
        if not ratings:
            self.note("rubric-none-rated", period, subject, rubric.name)
            return EXCLUDED
        return clamp(mean(ratings) / rubric.scale.maximum * 100, rubric.cap, rubric.floor)

    def item(self, item: Item, dim: Dimension | None, subject: str, period: int) -> ItemScore:
        """An indicator's or a rubric's points."""
        if isinstance(item, Indicator):
            return self.indicator(item, dim, subject, period)
        return self.rubric(item, subject, period)

    # dimensions and total

    def dimension(
        self, dim: Dimension, scores: dict[str, ItemScore], subject: str, period: int
    ) -> Score:
        """A dimension's subtotal from its items' scores, clamped.

        Reading taken: a dimension whose items are all excluded is n/a (recorded as an
        ambiguity, since the specification also speaks of excluding dimensions).
        """
        subtotal = weighted([(item.weight, scores[item.name]) for item in dim.items])
        if subtotal == EXCLUDED:
            self.note("dimension-all-excluded", period, subject, dim.name)
            return None
        return None if subtotal is None else clamp(subtotal, dim.cap, dim.floor)

    def total(self, result: SubjectResult, subject: str, period: int) -> Score:
        """The weighted sum, minus deductions, clamped, then the veto's ``score``."""
        card = self.scheme.scorecard
        if card.dimensions:
            # `missing exclude` (the dimension's own, else the scorecard's) also leaves an n/a
            # dimension out of the total ("or scorecard, for dimensions" in the specification)
            entries = [
                (d.weight, _excluded_if_missing(d, card.missing, result.dimensions[d.name]))
                for d in card.dimensions
            ]
        else:
            entries = [(item.weight, result.items[item.name]) for item in card.items]
        total = weighted(entries)
        if total == EXCLUDED:
            total = None
        for deduct in card.deducts:
            amount = self.metric(deduct.metric, subject, period)
            total = None if total is None or amount is None else total - deduct.factor * amount
        if total is not None:
            total = clamp(total, card.cap, card.floor)
        result.vetoed = self.vetoed(subject, period)
        if result.vetoed:
            if total is None:
                self.note("veto-on-na-total", period, subject, card.name)
            if card.veto.score is not None:
                total = card.veto.score
        return total

    def vetoed(self, subject: str, period: int) -> bool:
        """Whether the veto's condition holds (an n/a condition does not)."""
        veto = self.scheme.scorecard.veto
        if veto is None:
            return False
        value = self.metric(veto.metric, subject, period)
        return value is not None and value > veto.threshold

    def note(self, kind: str, period: int, subject: str, item: str) -> None:
        """Record an ambiguous situation."""
        self.ambiguities.append(Ambiguity(kind, period_label(period, self.kind), subject, item))

    def subject_result(self, subject: str, period: int) -> SubjectResult:
        """Items, dimensions and total of one subject in one period."""
        card = self.scheme.scorecard
        result = SubjectResult()
        for item in card.items:
            result.items[item.name] = self.item(item, None, subject, period)
        for dim in card.dimensions:
            for item in dim.items:
                result.items[item.name] = self.item(item, dim, subject, period)
            result.dimensions[dim.name] = self.dimension(dim, result.items, subject, period)
        result.total = self.total(result, subject, period)
        return result

    def period_results(self, period: int) -> dict[str, SubjectResult]:
        """Every subject's results in one period, with grades, bonuses and rules."""
        results = {s: self.subject_result(s, period) for s in self.data.subjects}
        if self.scheme.grade is not None:
            assign_grades(self.scheme, results)
        if self.scheme.bonus is not None:
            for result in results.values():
                result.bonus = bonus_amount(self.scheme, result)
        for rule in self.scheme.rules:
            apply_rule(self.scheme, rule, results)
        return results

    def evaluate(self) -> Evaluation:
        """Results for every assessed period of the scheme's window."""
        first = parse_period_label(self.scheme.first, self.kind)
        last = parse_period_label(self.scheme.last, self.kind)
        results = {}
        for period in range(first, last + 1):
            label = period_label(period, self.kind)
            for subject, result in self.period_results(period).items():
                results[(label, subject)] = result
        return Evaluation(results, self.ambiguities)


def rollup(how: Rollup, values: list[Fraction]) -> Fraction:
    """Roll the defined monthly values of a period up (``values`` in month order)."""
    if how == "mean":
        return mean(values)
    if how == "sum":
        return sum(values, Fraction(0))
    return values[-1]


# --- grades, bonuses and rules --------------------------------------------------------


def band_grade(grade: Grade, total: Fraction) -> str:
    """The first grade band that holds, else the ``else`` grade."""
    for threshold, name in grade.bands:
        if holds(total, grade.compare, threshold):
            return name
    return grade.otherwise


def apply_quota(
    grades: dict[str, str],
    totals: dict[str, Fraction],
    share: Fraction,
    name: str,
    lower: str,
) -> None:
    """``at most share name``: keep floor(share * n) holders with the highest totals.

    When the holders tie at the boundary and not all fit, all tied ones move down: the kept
    ones are exactly those whose total beats the first holder that does not fit.
    """
    holders = sorted((s for s, g in grades.items() if g == name), key=lambda s: -totals[s])
    keep = math.floor(share * len(grades))
    if len(holders) <= keep:
        return
    boundary = totals[holders[keep]]
    for subject in holders:
        if totals[subject] <= boundary:
            grades[subject] = lower


def assign_grades(scheme: Scheme, results: dict[str, SubjectResult]) -> None:
    """Grades by band, then the quotas from the best grade down, then the veto's cap."""
    grade = scheme.grade
    totals = {s: r.total for s, r in results.items() if r.total is not None}
    grades = {s: band_grade(grade, total) for s, total in totals.items()}
    order = grade.order
    for index, name in enumerate(order[:-1]):
        for share, quota_name in grade.quotas:
            if quota_name == name:
                apply_quota(grades, totals, share, name, order[index + 1])
    veto = scheme.scorecard.veto
    for subject, name in grades.items():
        capped = veto and veto.cap_grade and results[subject].vetoed
        if capped and order.index(name) < order.index(veto.cap_grade):
            name = veto.cap_grade
        results[subject].grade = name


def bonus_amount(scheme: Scheme, result: SubjectResult) -> Decimal | None:
    """Money by grade; None (n/a) without a grade; 0 under a ``no bonus`` veto."""
    if result.grade is None:
        return None
    veto = scheme.scorecard.veto
    if veto and veto.no_bonus and result.vetoed:
        return Decimal(0)
    return dict(scheme.bonus.amounts).get(result.grade, scheme.bonus.otherwise)


def named_value(scheme: Scheme, name: str, result: SubjectResult) -> Score:
    """The points of a scorecard, dimension or item named in a rule."""
    if name == scheme.scorecard.name:
        return result.total
    if name in result.dimensions:
        return result.dimensions[name]
    score = result.items[name]
    return None if score == EXCLUDED else score


def apply_rule(scheme: Scheme, rule: Rule, results: dict[str, SubjectResult]) -> None:
    """A rule with a peer reference; n/a values pay nothing (amount None)."""
    values = {s: named_value(scheme, rule.of, r) for s, r in results.items()}
    defined = [v for v in values.values() if v is not None]
    for subject, value in values.items():
        amount: Decimal | None
        if value is None:
            amount = None
        elif isinstance(rule, RankRule):
            rank = 1 + sum(1 for other in defined if other > value)
            amount = rule.reward if rank <= rule.best else Decimal(0)
        else:
            peers = mean(defined)
            amount = (
                rule.reward if value > peers else -rule.penalty if value < peers else Decimal(0)
            )
        results[subject].rules[rule.name] = amount


# --- entry point and display ----------------------------------------------------------


def evaluate(
    scheme: Scheme,
    kpi_rows: Iterable[Mapping[str, str]],
    rating_rows: Iterable[Mapping[str, str]] = (),
) -> Evaluation:
    """Evaluate a scheme of the family on rows of ``kpi_values`` and ``ratings``."""
    return Evaluator(scheme, Data.from_rows(kpi_rows, rating_rows)).evaluate()


def display_points(value: Fraction) -> str:
    """Points as results.csv shows them: half-up (away from zero) to 4 decimals, no
    trailing zeros: 87.5, 100, 66.6667."""
    scaled = abs(value) * 10_000
    units = math.floor(scaled + Fraction(1, 2))
    whole, fraction = divmod(units, 10_000)
    text = f"{whole}.{fraction:04d}".rstrip("0").rstrip(".")
    return f"-{text}" if value < 0 and units else text


def display_amount(value: Decimal) -> str:
    """Money as results.csv shows it: 200, -200, 0, 12.5."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text
