"""Rubric scores from the ``ratings`` table: evaluators' ratings of criteria, aggregated.

Per subject, period and criterion the ratings of every evaluator are aggregated (mean, median,
or trimmed mean without the highest and lowest); the criteria are averaged, and the average is
expressed in points of the scale's best rating (best = 100). Ratings are exact: a numeric
rating is read with up to 2 decimals, a letter is worth the points its scale gives it.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from assessor.engine import series as s
from assessor.engine.exact import EXACT, Exact
from assessor.model import scheme as m
from assessor.model.registry import RATINGS, RowRule

if TYPE_CHECKING:
    from assessor.engine.plan import Planner

# numeric ratings are read in hundredths: 3.5 -> 350 / 100
_HUNDREDTHS = 100


def common_denominator(scale: m.Scale) -> int:
    """A denominator every rating on the scale is a whole multiple of."""
    if not scale.letters:
        return _HUNDREDTHS
    return math.lcm(*(points.denominator for _, points in scale.letters))


def rating_numerator(scale: m.Scale, score: ir.StringValue) -> ir.Value:
    """A rating as an integer over ``common_denominator``; null when it is not on the scale."""
    denominator = common_denominator(scale)
    if scale.letters:
        return ibis.cases(
            *(
                (score.strip() == letter, ibis.literal(int(points * denominator), type=EXACT))
                for letter, points in scale.letters
            ),
            else_=ibis.null(EXACT),
        )
    value = score.strip().try_cast("decimal(38, 9)")
    hundredths = value * _HUNDREDTHS
    on_scale = (
        (value >= float(scale.low))
        & (value <= float(scale.high))
        & (hundredths == hundredths.floor())
    )
    return ibis.ifelse(on_scale, hundredths.cast(EXACT), ibis.null(EXACT))


def rated(planner: Planner, scale: m.Scale, criteria: tuple[str, ...]) -> ir.Table:
    """The ratings of the given criteria in the plan's periods, as exact integers."""
    table = planner.with_store(planner.inputs[RATINGS])
    rows = table.filter(table.criterion.isin(list(criteria)))
    return rows.select(
        period=s.period_start(rows.period, planner.cadence),
        store=rows[s.STORE],
        subject=rows.subject,
        criterion=rows.criterion,
        num=rating_numerator(scale, rows.score),
    )


def rating_rules(scheme: m.Scheme) -> tuple[RowRule, ...]:
    """What the scheme's rubrics require of the ratings table: every rating is of a criterion
    some rubric rates (E312), on that rubric's scale (E307).
    """
    rubrics = [x.definition for x in scheme.metrics if isinstance(x.definition, m.RubricScore)]
    if not rubrics:
        return ()
    criteria = sorted({c for r in rubrics for c in r.criteria})

    def known(table: ir.Table) -> ir.BooleanValue:
        return table.criterion.isin(criteria)

    def on_scale(table: ir.Table) -> ir.BooleanValue:
        return ibis.or_(
            *(
                table.criterion.isin(list(r.criteria))
                & rating_numerator(r.scale, table.score).notnull()
                for r in rubrics
            )
        )

    scales = "; ".join(sorted({_describe_scale(r.scale) for r in rubrics}))
    return (
        RowRule(
            "known_criterion",
            "评分项须属于方案的评分表",
            "the criterion is one a rubric of the scheme rates",
            ("criterion",),
            known,
            code="E312",
            hint="criteria of the scheme: " + ", ".join(criteria),
        ),
        RowRule(
            "on_scale",
            "评分须在量表内",
            f"the rating is on its rubric's scale ({scales})",
            ("criterion", "score"),
            lambda table: ~known(table) | on_scale(table),
            code="E307",
            hint="correct the ratings, or declare the scale the evaluators used",
        ),
    )


def _describe_scale(scale: m.Scale) -> str:
    if scale.letters:
        return ", ".join(letter for letter, _ in scale.letters)
    return f"{scale.low} to {scale.high}"


def rubric_series(planner: Planner, metric: m.Metric, rubric: m.RubricScore) -> ir.Table:
    """Points per subject and period: the mean over criteria of the aggregated ratings."""
    denominator = common_denominator(rubric.scale)
    ratings = rated(planner, rubric.scale, rubric.criteria)
    per_criterion = _across_evaluators(ratings, rubric.aggregate, denominator)
    totals = s.group_sum(per_criterion, s.KEYS)
    frame = planner.frame(metric.grain, planner.cadence)
    joined = frame.left_join(totals, s.KEYS).select(*s.KEYS, "num", "den", "count")
    rated_count = joined["count"].fill_null(0)
    total = Exact(joined.num.fill_null(0), joined.den.fill_null(1))
    criteria = len(rubric.criteria)
    if isinstance(rubric.unrated, Fraction):
        assumed = s.constant(rubric.unrated) * Exact.of(criteria - rated_count)
        mean = (total + assumed) / s.constant(Fraction(criteria))
        ok = ibis.literal(True)
    elif rubric.unrated == "exclude":
        mean = total / Exact.of(rated_count)
        ok = rated_count > 0
    else:
        mean = total / s.constant(Fraction(criteria))
        ok = rated_count == criteria
    points = mean / s.constant(rubric.scale.maximum) * s.constant(Fraction(100))
    return joined.select(
        *s.KEYS,
        num=ibis.ifelse(ok, points.num, ibis.null(EXACT)),
        den=ibis.ifelse(ok, points.den, ibis.null(EXACT)),
    )


def _across_evaluators(ratings: ir.Table, aggregate: str, denominator: int) -> ir.Table:
    """One exact value per (period, subject, criterion) from its evaluators' ratings."""
    keys = [*s.KEYS, "criterion"]
    ratings = ratings.filter(ratings.num.notnull())
    if aggregate == "median":
        ordered = ratings.mutate(
            position=ibis.row_number().over(group_by=keys, order_by=ratings.num) + 1,
            n=ratings.num.count().over(group_by=keys),
        )
        middle = ordered.filter(
            (ordered.position == (ordered.n + 1) // 2) | (ordered.position == ordered.n // 2 + 1)
        )
        grouped = middle.group_by(keys).aggregate(total=middle.num.sum(), n=middle.num.count())
    else:
        grouped = ratings.group_by(keys).aggregate(
            total=ratings.num.sum(),
            n=ratings.num.count(),
            high=ratings.num.max(),
            low=ratings.num.min(),
        )
        if aggregate == "trimmed":
            trim = grouped.n >= 3
            grouped = grouped.select(
                *keys,
                total=ibis.ifelse(trim, grouped.total - grouped.high - grouped.low, grouped.total),
                n=ibis.ifelse(trim, grouped.n - 2, grouped.n),
            )
    value = Exact(grouped.total.cast(EXACT), Exact.of(grouped.n).num * denominator)
    reduced = s.reduced(value)
    return grouped.select(*keys, num=reduced.num, den=reduced.den)
