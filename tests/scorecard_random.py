"""Seeded generators of random scorecard schemes (with their DSL text) and random data.

A scheme (see `random_scheme`) is one of the family that `scorecard_reference` evaluates:
monthly or quarterly, a scorecard of two or three dimensions (or of top-level items only)
whose integer percent weights add up to 100%, indicators scored by every method, rubrics on
numeric and letter scales, every ``missing`` policy at every level where the family allows
it, cap and floor options, deductions, a veto, a grade with quotas, a bonus by grade and
rules with peer references. `scheme_text` writes it in the scheme language.

A dataset (see `random_dataset`) has 3 to 8 teams over 3 to 6 months: values that are
missing on purpose (single months, and whole periods of one team), values exactly at the
thresholds and breakpoints of the scheme, teams that copy another team's data (ties in the
totals, so quotas meet ties), and ratings from 1 to 5 evaluators. Situations that the
specification leaves open (see `scorecard_reference.Ambiguity`) are steered clear of by
adding a value where the reference met one.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from scorecard_reference import (
    Ambiguity,
    Attainment,
    Bands,
    Bonus,
    Deduct,
    DeductEach,
    Dimension,
    Direct,
    Grade,
    Indicator,
    Item,
    LetterScale,
    Linear,
    MeanRule,
    Metric,
    NumericScale,
    Policy,
    RankRule,
    Rubric,
    Rule,
    Scheme,
    Scorecard,
    Veto,
    all_items,
    evaluate,
    month_label,
    months_of,
    parse_period_label,
)

F = Fraction

# (indicator in kpi_values, metric name, indicator name); names are unique in a scheme.
PERCENT_KPIS = (
    ("24小时响应率", "响应率", "响应"),
    ("回访完成率", "回访率", "回访"),
    ("一次修复率", "修复率", "修复"),
    ("预约达成率", "预约率", "预约"),
    ("配件及时率", "配件率", "配件"),
    ("客户满意度", "满意率", "满意"),
)
NUMBER_KPIS = (
    ("产值", "产值额", "产值指标"),
    ("台次", "台次数", "台次指标"),
    ("保养单数", "保养数", "保养"),
    ("精品销售额", "精品额", "精品"),
)
COUNT_KPIS = (
    ("返修次数", "返修数", "返修"),
    ("超时工单", "超时数", "超时"),
    ("有效投诉", "投诉数", "投诉"),
)
SCORE_KPIS = (
    ("现场评分", "现场分", "现场"),
    ("神秘顾客得分", "神秘分", "神秘顾客"),
    ("5S检查得分", "五S分", "五S"),
)
DEDUCT_KPIS = (("三类投诉", "三类投诉数"), ("违规次数", "违规数"))
VETO_KPI = ("一类投诉", "一类投诉数")
DIMENSIONS = (
    ("客户", "客户满意 / customers"),
    ("运营", "运营效率 / operations"),
    ("质量", "服务质量 / quality"),
)
RUBRICS = (
    ("协作", "团队协作评价", ("培训参与", "跨部门协作", "团队凝聚力")),
    ("纪律", "劳动纪律", ("出勤", "着装规范")),
    ("创新", "改进与创新", ("合理化建议", "流程改进", "知识分享", "带教")),
)
TEAMS = ("一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组")
EVALUATORS = ("张主管", "李经理", "王总监", "赵专员", "陈顾问")
GRADE_NAMES = (("优秀", "良好", "合格", "不合格"), ("A", "B", "C", "D"))
KINDS = ("percent", "number", "count", "score")
"""Kinds of KPI: percent points, a plain amount, a count, and points already."""


# --- random schemes -------------------------------------------------------------------


def split_percent(rng: random.Random, parts: int) -> list[Fraction]:
    """``parts`` integer percents, each at least 5%, adding up to 100%."""
    cuts = sorted(rng.sample(range(1, 20), parts - 1))
    fives = [b - a for a, b in zip([0, *cuts], [*cuts, 20], strict=True)]
    spare = [rng.randint(0, 4) for _ in range(parts - 1)]
    percents = [5 * f for f in fives]
    for index, extra in enumerate(spare):
        moved = min(extra, percents[index + 1] - 5)
        percents[index] += moved
        percents[index + 1] -= moved
    return [F(p, 100) for p in percents]


def percent_values(rng: random.Random, count: int, low: int, high: int) -> list[Fraction]:
    """``count`` distinct percent points in [low, high] as ratios, ascending."""
    return sorted(F(p, 100) for p in rng.sample(range(low, high + 1), count))


def descending_points(rng: random.Random, count: int) -> list[Fraction]:
    """``count`` points from 100 down, some with halves."""
    points = sorted(rng.sample(range(20, 200), count - 1), reverse=True)
    return [F(100), *(F(p, 2) for p in points)]


def random_bands(rng: random.Random, kind: str) -> Bands:
    """Bands fitting the KPI kind: percent/number/score downwards, counts upwards."""
    count = rng.randint(1, 3)
    points = descending_points(rng, count)
    if kind == "count":
        thresholds = sorted(rng.sample(range(0, 6), count))
        compare = rng.choice(["<=", "<=", "<"])
        return Bands(
            compare, tuple(zip(map(F, thresholds), points, strict=True)), F(rng.choice([0, 10, 25]))
        )
    if kind == "percent":
        thresholds = percent_values(rng, count, 60, 98)[::-1]
    elif kind == "number":
        thresholds = [F(t) for t in sorted(rng.sample(range(40, 200, 5), count), reverse=True)]
    else:
        thresholds = [F(t) for t in sorted(rng.sample(range(50, 98), count), reverse=True)]
    compare = rng.choice([">=", ">=", ">"])
    return Bands(compare, tuple(zip(thresholds, points, strict=True)), F(rng.choice([0, 0, 20])))


def random_linear(rng: random.Random, kind: str) -> Linear:
    """Two or three breakpoints on the KPI's scale."""
    count = rng.randint(2, 3)
    if kind == "percent":
        xs = percent_values(rng, count, 50, 100)
    elif kind == "number":
        xs = [F(x) for x in sorted(rng.sample(range(0, 200, 10), count))]
    else:
        xs = [F(x) for x in sorted(rng.sample(range(40, 100, 5), count))]
    ps = sorted(F(p, 2) for p in rng.sample(range(0, 201), count))
    if rng.random() < 0.2:
        ps = ps[::-1]
    return Linear(tuple(zip(xs, ps, strict=True)))


def random_method(rng: random.Random, kind: str):
    """A scoring method fitting the KPI kind."""
    if kind == "count":
        if rng.random() < 0.6:
            return DeductEach(
                F(rng.choice([2, 5, 10, 25]), rng.choice([1, 2])), F(rng.choice([1, 2])), F(100)
            )
        return random_bands(rng, kind)
    choices = {
        "percent": ["bands", "bands", "linear", "attainment"],
        "number": ["bands", "linear", "attainment", "attainment"],
        "score": ["direct", "direct", "bands", "linear"],
    }[kind]
    method = rng.choice(choices)
    if method == "bands":
        return random_bands(rng, kind)
    if method == "linear":
        return random_linear(rng, kind)
    if method == "attainment":
        target = (
            percent_values(rng, 1, 80, 100)[0]
            if kind == "percent"
            else F(rng.choice([80, 100, 120, 150]))
        )
        return Attainment(target)
    return Direct()


def random_options(rng: random.Random, method) -> tuple[Fraction | None, Fraction | None]:
    """An indicator's (cap, floor) options, at 100 or beyond and at 0."""
    cap = floor = None
    if isinstance(method, Attainment) and rng.random() < 0.7:
        cap = F(rng.choice([100, 110, 120]))
    elif isinstance(method, Direct) and rng.random() < 0.5:
        cap = F(100)
    if isinstance(method, DeductEach) and rng.random() < 0.7:
        floor = F(0)
    return cap, floor


ITEM_POLICIES = ("n/a", "exclude", "exclude", "carry", "default", "default", None, None, None)


def random_policy(rng: random.Random, choices=ITEM_POLICIES) -> Policy | None:
    """A missing policy for an indicator, a dimension or the scorecard (default in points)."""
    kind = rng.choice(choices)
    if kind is None:
        return None
    if kind == "default":
        return Policy("default", rng.choice([F(0), F(50), F(60), F(151, 2)]))
    return Policy(kind)


def metric_default(kind: str, rng: random.Random) -> Fraction:
    """A metric-level default in the metric's unit."""
    return {
        "percent": F(rng.choice([60, 80, 90]), 100),
        "number": F(rng.choice([0, 100])),
        "count": F(0),
        "score": F(rng.choice([0, 60])),
    }[kind]


@dataclass
class Builder:
    """Draws the parts of one random scheme, keeping names unique."""

    rng: random.Random
    period: str
    kpis: list[tuple[str, tuple[str, str, str]]]
    rubrics: list[tuple[str, str, tuple[str, ...]]]
    card_policy: Policy | None = None

    def rollup(self, kind: str) -> str | None:
        """A roll-up fitting the KPI kind, in quarter schemes."""
        if self.period == "month":
            return None
        return self.rng.choice(
            {
                "percent": ["mean", "last"],
                "number": ["sum", "mean", "last"],
                "count": ["sum"],
                "score": ["mean", "last"],
            }[kind]
        )

    def indicator(self, weight: Fraction, dim_policy: Policy | None) -> Indicator:
        """A random indicator; a policy somewhere on its chain, or else on its metric."""
        kind, (kpi, metric_name, name) = self.kpis.pop()
        method = random_method(self.rng, kind)
        policy = random_policy(self.rng)
        metric = Metric(metric_name, kpi, kpi, kind == "percent", self.rollup(kind))
        if (policy or dim_policy or self.card_policy) is None:
            if self.period == "month" and self.rng.random() < 0.7:
                metric = self.metric_with_policy(metric, kind)
            else:
                policy = Policy(self.rng.choice(["n/a", "exclude", "carry"]))
        inline = self.period == "month" and metric.missing is None and self.rng.random() < 0.3
        cap, floor = random_options(self.rng, method)
        return Indicator(name, f"{kpi}指标", weight, metric, method, inline, policy, cap, floor)

    def metric_with_policy(self, metric: Metric, kind: str) -> Metric:
        """The metric with its own ``missing`` (month schemes only, see the module doc)."""
        choice = self.rng.choice(["n/a", "carry", "default"])
        value = metric_default(kind, self.rng) if choice == "default" else None
        return replace(metric, missing=Policy(choice, value))

    def rubric(self, weight: Fraction) -> Rubric:
        """A random rubric with its own ``missing`` policy."""
        name, label, criteria = self.rubrics.pop()
        if self.rng.random() < 0.6:
            scale = NumericScale(1, 5)
        else:
            letters = self.rng.choice([("A", "B", "C", "D"), ("优", "良", "中", "差")])
            top = self.rng.choice([5, 10])
            step = 1 if top == 5 else 2
            scale = LetterScale(
                tuple((letter, F(top - step * k)) for k, letter in enumerate(letters))
            )
        how = self.rng.choice([None, "mean", "median", "median", "trimmed mean", "trimmed mean"])
        kind = self.rng.choice(["n/a", "exclude", "exclude", "default", "default"])
        values = [F(2), F(3)] if isinstance(scale, NumericScale) else [v for _, v in scale.letters]
        missing = Policy(kind, self.rng.choice(values[1:]) if kind == "default" else None)
        cap = F(90) if self.rng.random() < 0.15 else None
        return Rubric(name, label, weight, scale, how, criteria, missing, cap)

    def items(self, count: int, dim_policy: Policy | None) -> tuple[Item, ...]:
        """``count`` items whose weights add up to 100%, at most one rubric."""
        weights = split_percent(self.rng, count)
        rubric_at = self.rng.randrange(count) if self.rubrics and self.rng.random() < 0.6 else -1
        return tuple(
            self.rubric(w) if k == rubric_at else self.indicator(w, dim_policy)
            for k, w in enumerate(weights)
        )


def random_kpi_pool(rng: random.Random) -> list[tuple[str, tuple[str, str, str]]]:
    """All indicator KPIs with their kinds, shuffled."""
    pool = [
        (kind, entry)
        for kind, entries in zip(
            KINDS, (PERCENT_KPIS, NUMBER_KPIS, COUNT_KPIS, SCORE_KPIS), strict=True
        )
        for entry in entries
    ]
    rng.shuffle(pool)
    return pool


def random_scorecard(rng: random.Random, period: str) -> Scorecard:
    """A scorecard of 2-3 dimensions of 1-3 items, or of 2-4 top-level items."""
    rubrics = list(RUBRICS)
    rng.shuffle(rubrics)
    card_policy = random_policy(rng, ("exclude", "n/a", "carry", "default", None, None))
    builder = Builder(rng, period, random_kpi_pool(rng), rubrics, card_policy)
    items: tuple[Item, ...] = ()
    dims: tuple[Dimension, ...] = ()
    if rng.random() < 0.75:
        names = list(DIMENSIONS[: rng.randint(2, 3)])
        dims = tuple(
            random_dimension(builder, name, label, w)
            for (name, label), w in zip(names, split_percent(rng, len(names)), strict=True)
        )
    else:
        items = builder.items(rng.randint(2, 4), None)
    deducts = tuple(
        Deduct(
            F(rng.choice([1, 2, 3, 5]), rng.choice([1, 2])),
            Metric(
                metric,
                kpi,
                kpi,
                False,
                "sum" if period == "quarter" else None,
                Policy("default", F(0)),
            ),
            f"{kpi}扣分",
        )
        for kpi, metric in rng.sample(DEDUCT_KPIS, rng.randint(0, 2))
    )
    return Scorecard(
        "总分",
        "综合得分",
        items,
        dims,
        card_policy,
        F(100) if rng.random() < 0.4 else None,
        F(0) if deducts and rng.random() < 0.6 else None,
        deducts,
        random_veto(rng, period),
    )


def random_dimension(builder: Builder, name: str, label: str, weight: Fraction) -> Dimension:
    """A dimension of 1-3 items with optional policy and cap."""
    rng = builder.rng
    policy = random_policy(rng, ("exclude", "default", "carry", None, None, None))
    cap = F(rng.choice([90, 95])) if rng.random() < 0.2 else None
    return Dimension(name, label, weight, builder.items(rng.randint(1, 3), policy), policy, cap)


GRADE_PLACEHOLDER = "?"
"""The veto's capped grade until the grade's names are drawn (see `random_grade`)."""


def random_veto(rng: random.Random, period: str) -> Veto | None:
    """A veto on class-1 complaints with a random non-empty set of effects."""
    if rng.random() < 0.4:
        return None
    kpi, name = VETO_KPI
    metric = Metric(
        name, kpi, kpi, False, "sum" if period == "quarter" else None, Policy("default", F(0))
    )
    effects = rng.choice([(1, 1, 1), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (0, 1, 1)])
    return Veto(
        f"{kpi}一票否决",
        metric,
        F(rng.choice([0, 0, 1])),
        F(rng.choice([0, 0, 20])) if effects[0] else None,
        GRADE_PLACEHOLDER if effects[1] else None,
        bool(effects[2]),
    )


def random_grade(rng: random.Random, veto: Veto | None) -> tuple[Grade, Veto | None]:
    """Grade bands and quotas; the veto's capped grade is drawn from them."""
    names = rng.choice(GRADE_NAMES)[: rng.randint(3, 4)]
    thresholds = sorted(rng.sample(range(40, 96), len(names) - 1), reverse=True)
    quotas = [(F(rng.choice([10, 20, 25, 30, 40, 50]), 100), names[0])]
    if rng.random() < 0.3:
        quotas.append((F(rng.choice([30, 40, 50]), 100), names[1]))
    if rng.random() < 0.2:
        quotas = []
    grade = Grade(
        "等级",
        "综合等级",
        rng.choice([">=", ">=", ">"]),
        tuple(zip(map(F, thresholds), names[:-1], strict=True)),
        names[-1],
        tuple(quotas),
    )
    if veto is not None and veto.cap_grade is not None:
        veto = replace(veto, cap_grade=rng.choice(names[1:]))
    return grade, veto


def random_bonus(rng: random.Random, grade: Grade) -> Bonus:
    """Money for the better grades."""
    paid = grade.order[: rng.randint(1, len(grade.order) - 1)]
    amounts = sorted(
        (Decimal(rng.choice([300, 500, 800, 1200.5, 2000])) for _ in paid), reverse=True
    )
    return Bonus(
        "奖金", "绩效奖金", tuple(zip(paid, amounts, strict=True)), Decimal(rng.choice([0, 0, 100]))
    )


def random_rules(rng: random.Random, card: Scorecard) -> tuple[Rule, ...]:
    """Zero to two rules with peer references on the total or a dimension."""
    targets = [card.name, *(dim.name for dim in card.dimensions)]
    rules: list[Rule] = []
    if rng.random() < 0.5:
        rules.append(
            RankRule(
                "排名奖",
                "排名奖励",
                rng.choice(targets),
                rng.randint(1, 3),
                Decimal(rng.choice([100, 300, 500])),
            )
        )
    if rng.random() < 0.5:
        rules.append(
            MeanRule(
                "均值奖惩",
                "高于平均奖励",
                rng.choice(targets),
                Decimal(rng.choice([100, 200])),
                Decimal(rng.choice([50, 100])),
            )
        )
    return tuple(rules)


@dataclass(frozen=True)
class Window:
    """The months the data span (month numbers, both included)."""

    first_month: int
    last_month: int


def random_scheme(rng: random.Random) -> tuple[Scheme, Window]:
    """A random scheme of the family, and the months its data should span."""
    period = rng.choice(["month", "quarter"])
    year = rng.randint(2024, 2027)
    if period == "month":
        start = year * 12 + rng.randint(0, 11)
        months = rng.randint(3, 6)
        first, last = start + rng.randint(0, 1), start + months - 1
        labels = (month_label(first), month_label(last))
    else:
        start = year * 12 + 3 * rng.randint(0, 3)
        months = rng.choice([3, 6, 6])
        first_q, last_q = (
            start // 3 + (months == 6 and rng.random() < 0.3),
            (start + months) // 3 - 1,
        )
        labels = tuple(f"{q // 4:04d}-Q{q % 4 + 1}" for q in (first_q, last_q))
    card = random_scorecard(rng, period)
    grade, veto = random_grade(rng, card.veto)
    card = replace(card, veto=veto)
    bonus = random_bonus(rng, grade) if rng.random() < 0.8 else None
    scheme = Scheme(
        "随机考核方案", period, labels[0], labels[1], card, grade, bonus, random_rules(rng, card)
    )
    return scheme, Window(start, start + months - 1)


# --- DSL text -------------------------------------------------------------------------


def decimal_text(value: Fraction) -> str:
    """An exact decimal for a fraction with a finite expansion: 95, 87.5, 0.25."""
    digits = 0
    while (value * 10**digits).denominator != 1:
        digits += 1
        assert digits < 12, f"{value} has no short decimal expansion"
    sign = "-" if value < 0 else ""
    units = abs(value * 10**digits).numerator
    if not digits:
        return f"{sign}{units}"
    whole, fraction = divmod(units, 10**digits)
    return f"{sign}{whole}.{fraction:0{digits}d}"


def quantity(value: Fraction, percent: bool) -> str:
    """A number in the value's unit: ``95%`` for a ratio, ``95`` otherwise."""
    return f"{decimal_text(value * 100)}%" if percent else decimal_text(value)


def policy_text(policy: Policy, percent: bool = False) -> str:
    """``missing P``."""
    if policy.kind == "default":
        return f"missing {quantity(policy.value, percent)}"
    return f"missing {policy.kind}"


def options_text(policy: Policy | None, cap: Fraction | None, floor: Fraction | None) -> str:
    """Options of an item, a dimension or the scorecard, with a leading space if any."""
    parts = []
    if policy is not None:
        parts.append(policy_text(policy))
    if cap is not None:
        parts.append(f"cap {decimal_text(cap)}")
    if floor is not None:
        parts.append(f"floor {decimal_text(floor)}")
    return "".join(f"  {part}" for part in parts)


def kpi_call(metric: Metric) -> str:
    """``kpi("X")`` or ``kpi_percent("X")``."""
    return f'{"kpi_percent" if metric.percent else "kpi"}("{metric.kpi}")'


def metric_text(metric: Metric) -> str:
    """A metric declaration."""
    text = f'metric {metric.name} "{metric.label}" for team = {kpi_call(metric)}'
    if metric.rollup:
        text += f" rollup {metric.rollup}"
    if metric.missing:
        text += f" {policy_text(metric.missing, metric.percent)}"
    return text


def method_text(method, percent: bool) -> str:
    """An indicator's scoring method."""
    if isinstance(method, Bands):
        bands = [
            f"{method.compare} {quantity(t, percent)} -> {decimal_text(p)}" for t, p in method.bands
        ]
        return "bands " + " | ".join([*bands, f"else {decimal_text(method.otherwise)}"])
    if isinstance(method, Linear):
        return "linear " + ", ".join(
            f"{quantity(x, percent)} -> {decimal_text(p)}" for x, p in method.points
        )
    if isinstance(method, Attainment):
        return f"attainment of {quantity(method.target, percent)}"
    if isinstance(method, DeductEach):
        return (
            f"deduct {decimal_text(method.deduct)} per {quantity(method.per, percent)} "
            f"from {decimal_text(method.start)}"
        )
    return "score"


def weight_text(weight: Fraction) -> str:
    """``weight 40%``."""
    return f"weight {decimal_text(weight * 100)}%"


def item_text(item: Item, indent: str) -> list[str]:
    """The lines of an indicator or a rubric."""
    if isinstance(item, Indicator):
        value = kpi_call(item.metric) if item.inline else item.metric.name
        return [
            f'{indent}indicator {item.name} "{item.label}" {weight_text(item.weight)}',
            f"{indent}  value {value}",
            f"{indent}  {method_text(item.method, item.metric.percent)}"
            + options_text(item.missing, item.cap, item.floor),
        ]
    lines = [f'{indent}rubric {item.name} "{item.label}" {weight_text(item.weight)}']
    if isinstance(item.scale, NumericScale):
        lines.append(f"{indent}  scale {item.scale.low}..{item.scale.high}")
    else:
        letters = ", ".join(f'"{letter}" = {decimal_text(v)}' for letter, v in item.scale.letters)
        lines.append(f"{indent}  scale {letters}")
    if item.aggregate:
        lines.append(f"{indent}  aggregate {item.aggregate}")
    criteria = ", ".join(c if k % 2 == 0 else f'"{c}"' for k, c in enumerate(item.criteria))
    lines.append(
        f"{indent}  criteria {criteria}" + options_text(item.missing, item.cap, item.floor)
    )
    return lines


def scorecard_text(card: Scorecard) -> list[str]:
    """The lines of the scorecard."""
    lines = [
        f'scorecard {card.name} "{card.label}" for team'
        + options_text(card.missing, card.cap, card.floor)
    ]
    for item in card.items:
        lines.extend(item_text(item, "  "))
    for dim in card.dimensions:
        lines.append(
            f'  dimension {dim.name} "{dim.label}" {weight_text(dim.weight)}'
            + options_text(dim.missing, dim.cap, dim.floor)
        )
        for item in dim.items:
            lines.extend(item_text(item, "    "))
    for deduct in card.deducts:
        lines.append(
            f'  deduct {decimal_text(deduct.factor)} * {deduct.metric.name} "{deduct.label}"'
        )
    if card.veto is not None:
        lines.append("  " + veto_text(card.veto))
    return lines


def veto_text(veto: Veto) -> str:
    """``veto "label" when M > T effects``."""
    effects = []
    if veto.score is not None:
        effects.append(f"score {decimal_text(veto.score)}")
    if veto.cap_grade is not None:
        effects.append(f'cap grade "{veto.cap_grade}"')
    if veto.no_bonus:
        effects.append("no bonus")
    return (
        f'veto "{veto.label}" when {veto.metric.name} > {decimal_text(veto.threshold)} '
        + " ".join(effects)
    )


def grade_text(grade: Grade, card: str) -> list[str]:
    """The lines of the grade."""
    bands = [f'{grade.compare} {decimal_text(t)} -> "{name}"' for t, name in grade.bands]
    lines = [
        f'grade {grade.name} "{grade.label}" for team on {card}',
        "  " + " | ".join([*bands, f'else "{grade.otherwise}"']),
    ]
    lines.extend(f'  at most {decimal_text(share * 100)}% "{name}"' for share, name in grade.quotas)
    return lines


def bonus_text(bonus: Bonus, grade: str) -> list[str]:
    """The lines of the bonus."""
    bands = [f'"{name}" -> {amount:f} 元' for name, amount in bonus.amounts]
    return [
        f'bonus {bonus.name} "{bonus.label}" for team by {grade}',
        "  " + " | ".join([*bands, f"else {bonus.otherwise:f}"]),
    ]


def rule_text(rule: Rule) -> list[str]:
    """The lines of a rule with a peer reference."""
    head = f'rule {rule.name} "{rule.label}" for team'
    if isinstance(rule, RankRule):
        return [
            head,
            f"  when rank({rule.of} over all) <= {rule.best} reward {rule.reward}",
            "  otherwise 0",
        ]
    peers = f"mean({rule.of} over all)"
    return [
        head,
        f"  when {rule.of} > {peers} reward {rule.reward}",
        f"  when {rule.of} < {peers} penalty {rule.penalty}",
        "  otherwise 0",
    ]


def scheme_text(scheme: Scheme) -> str:
    """The scheme in the scheme language."""
    lines = [
        f'scheme "{scheme.title}"',
        f"  period {scheme.period}  window {scheme.first} .. {scheme.last}",
        "",
        'role team "服务小组 / team" from kpi_values.subject',
        "",
    ]
    lines.extend(metric_text(metric) for metric in scheme.metrics())
    lines.append("")
    lines.extend(scorecard_text(scheme.scorecard))
    if scheme.grade is not None:
        lines.extend(["", *grade_text(scheme.grade, scheme.scorecard.name)])
    if scheme.bonus is not None:
        lines.extend(["", *bonus_text(scheme.bonus, scheme.grade.name)])
    for rule in scheme.rules:
        lines.extend(["", *rule_text(rule)])
    return "\n".join(lines) + "\n"


# --- random data ----------------------------------------------------------------------


def special_values(item: Indicator) -> list[Fraction]:
    """The values a method treats specially (thresholds, breakpoints, target), in % points
    for percent KPIs."""
    method = item.method
    if isinstance(method, Bands):
        values = [t for t, _ in method.bands]
    elif isinstance(method, Linear):
        values = [x for x, _ in method.points]
    elif isinstance(method, Attainment):
        values = [method.target]
    else:
        values = []
    return [v * 100 if item.metric.percent else v for v in values]


def ordinary_value(rng: random.Random, kind: str) -> Fraction:
    """A plausible value of a KPI kind, as written in kpi_values."""
    if kind == "percent":
        return F(rng.randint(100, 200), 2)
    if kind == "number":
        return F(rng.randint(0, 400), 2)
    if kind == "count":
        return F(rng.choice([0, 0, 1, 1, 2, 3, 5]))
    return F(rng.randint(70, 210), 2)


def kpi_kind(item: Indicator) -> str:
    """The kind of KPI behind an indicator (from the catalogue)."""
    for kind, entries in zip(
        KINDS, (PERCENT_KPIS, NUMBER_KPIS, COUNT_KPIS, SCORE_KPIS), strict=True
    ):
        if any(entry[0] == item.metric.kpi for entry in entries):
            return kind
    raise KeyError(item.metric.kpi)


def indicator_value(rng: random.Random, item: Indicator) -> Fraction:
    """A value for an indicator's KPI: often exactly a special value."""
    specials = special_values(item)
    if specials and rng.random() < 0.35:
        return rng.choice(specials)
    return ordinary_value(rng, kpi_kind(item))


@dataclass
class Dataset:
    """Rows of ``kpi_values`` and ``ratings`` being built; keys keep one row per cell."""

    kpi: dict[tuple[str, int, str], Fraction]
    ratings: dict[tuple[str, int, str, str], str]

    def kpi_rows(self) -> list[dict[str, str]]:
        """``kpi_values`` rows in a stable order."""
        return [
            {"subject": s, "period": month_label(m), "indicator": i, "value": decimal_text(v)}
            for (s, m, i), v in sorted(self.kpi.items())
        ]

    def rating_rows(self) -> list[dict[str, str]]:
        """``ratings`` rows in a stable order."""
        return [
            {"subject": s, "period": month_label(m), "evaluator": e, "criterion": c, "score": score}
            for (s, m, e, c), score in sorted(self.ratings.items())
        ]


def rating_text(rng: random.Random, rubric: Rubric) -> str:
    """A random rating on the rubric's scale."""
    if isinstance(rubric.scale, LetterScale):
        return rng.choice([letter for letter, _ in rubric.scale.letters])
    return str(rng.randint(rubric.scale.low, rubric.scale.high))


def team_values(
    rng: random.Random, scheme: Scheme, team: str, window: Window, data: Dataset, gaps: float
) -> None:
    """One team's KPI values and ratings, with gaps."""
    months = range(window.first_month, window.last_month + 1)
    for item in all_items(scheme.scorecard):
        absent = {rng.choice(months)} if rng.random() < 0.3 else set()
        if scheme.period == "quarter" and rng.random() < 0.2:
            absent |= set(months_of(rng.choice(months) // 3, "quarter"))
        for month in months:
            if month in absent or rng.random() < gaps:
                continue
            if isinstance(item, Indicator):
                data.kpi[(team, month, item.metric.kpi)] = indicator_value(rng, item)
            else:
                add_ratings(rng, item, team, month, data)
    for deduct in scheme.scorecard.deducts:
        for month in months:
            if rng.random() > gaps:
                data.kpi[(team, month, deduct.metric.kpi)] = F(rng.choice([0, 0, 1, 2]))
    veto = scheme.scorecard.veto
    if veto is not None:
        for month in months:
            if rng.random() < 0.5:
                data.kpi[(team, month, veto.metric.kpi)] = F(rng.choice([0] * 6 + [1, 2]))


def add_ratings(rng: random.Random, rubric: Rubric, team: str, month: int, data: Dataset) -> None:
    """Ratings of some criteria by 1-5 evaluators in one month."""
    evaluators = rng.sample(EVALUATORS, rng.randint(1, 5))
    for criterion in rubric.criteria:
        if rng.random() < 0.25:
            continue
        for evaluator in evaluators:
            data.ratings[(team, month, evaluator, criterion)] = rating_text(rng, rubric)


def copy_team(data: Dataset, source: str, target: str) -> None:
    """Give ``target`` exactly ``source``'s values and ratings (a tie in everything)."""
    for (s, m, i), v in list(data.kpi.items()):
        if s == source:
            data.kpi[(target, m, i)] = v
    for (s, m, e, c), score in list(data.ratings.items()):
        if s == source:
            data.ratings[(target, m, e, c)] = score


def make_present(scheme: Scheme, team: str, month: int, data: Dataset) -> None:
    """Make sure the team has some row in the first month, so that it exists from the start."""
    if not any(s == team and m == month for s, m, _ in data.kpi):
        first = next((i for i in all_items(scheme.scorecard) if isinstance(i, Indicator)), None)
        kpi = first.metric.kpi if first else VETO_KPI[0]
        data.kpi[(team, month, kpi)] = F(0) if first is None else special_or_zero(first)


def special_or_zero(item: Indicator) -> Fraction:
    """A value that every method accepts: the first special value, or 0."""
    specials = special_values(item)
    return specials[0] if specials else F(0)


def resolve(scheme: Scheme, ambiguity: Ambiguity, data: Dataset) -> None:
    """Add or change data so that the reference no longer meets an open question."""
    period = parse_period_label(ambiguity.period, scheme.period)
    month = months_of(period, scheme.period)[0]
    subject = ambiguity.subject
    if ambiguity.kind == "veto-on-na-total":
        for m in months_of(period, scheme.period):
            data.kpi[(subject, m, scheme.scorecard.veto.metric.kpi)] = F(0)
        return
    if ambiguity.kind == "dimension-all-excluded":
        dim = next(d for d in scheme.scorecard.dimensions if d.name == ambiguity.item)
        item = dim.items[0]
    else:
        item = next(i for i in all_items(scheme.scorecard) if i.name == ambiguity.item)
    if isinstance(item, Indicator):
        data.kpi[(subject, month, item.metric.kpi)] = special_or_zero(item)
    else:
        evaluator = EVALUATORS[0]
        score = item.scale.letters[1][0] if isinstance(item.scale, LetterScale) else "4"
        data.ratings[(subject, month, evaluator, item.criteria[0])] = score


def random_dataset(rng: random.Random, scheme: Scheme, window: Window) -> Dataset:
    """Random data for a scheme, free of the situations the specification leaves open."""
    teams = list(TEAMS[: rng.randint(3, 8)])
    data = Dataset({}, {})
    gaps = rng.choice([0.05, 0.15, 0.3])
    originals = teams[: max(2, len(teams) - rng.randint(0, 2))]
    for team in originals:
        team_values(rng, scheme, team, window, data, gaps)
    for team in teams[len(originals) :]:
        copy_team(data, rng.choice(originals), team)
    for team in teams:
        make_present(scheme, team, window.first_month, data)
    for _ in range(50):
        ambiguities = evaluate(scheme, data.kpi_rows(), data.rating_rows()).ambiguities
        if not ambiguities:
            return data
        for ambiguity in ambiguities:
            resolve(scheme, ambiguity, data)
    raise AssertionError("could not steer the data clear of open questions")


# --- writing files --------------------------------------------------------------------


def write_csv(path: Path, rows: list[dict[str, str]], header: tuple[str, ...]) -> None:
    """Write rows as a UTF-8 CSV file with a header row."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


KPI_HEADER = ("subject", "period", "indicator", "value")
RATING_HEADER = ("subject", "period", "evaluator", "criterion", "score")


def write_dataset(data: Dataset, folder: Path, with_ratings: bool) -> None:
    """Write ``kpi_values.csv`` (and ``ratings.csv``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "kpi_values.csv", data.kpi_rows(), KPI_HEADER)
    if with_ratings:
        write_csv(folder / "ratings.csv", data.rating_rows(), RATING_HEADER)


@dataclass(frozen=True)
class Case:
    """One random case: the scheme, its text and its data."""

    seed: int
    scheme: Scheme
    text: str
    data: Dataset

    @property
    def has_rubrics(self) -> bool:
        """Whether the scheme reads ``ratings``."""
        return any(isinstance(i, Rubric) for i in all_items(self.scheme.scorecard))


def random_case(seed: int) -> Case:
    """The random scheme and dataset of a seed; the same seed always gives the same case."""
    rng = random.Random(seed)
    scheme, window = random_scheme(rng)
    data = random_dataset(rng, scheme, window)
    return Case(seed, scheme, scheme_text(scheme), data)
