"""`assessor explain`: one subject's period as a tree of reasons.

Scorecards unfold into dimensions and indicators with their weights, values, points and
methods; then grades, bonuses and rules. A rule that compares a count-based value (lost
customers / visits) with a reference also says how far the subject was from the other side:
the smallest change of the count that would have changed the money, found by evaluating the
rule's own clauses on exact fractions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from assessor.model import scheme as m
from assessor.results import Outcome, format_amount

_ORDER = ("scorecard", "dimension", "indicator", "rubric", "veto", "grade", "bonus", "rule")


def explain_subject(
    scheme: m.Scheme, outcomes: Iterable[Outcome], rows: Iterable[Mapping[str, Any]]
) -> list[str]:
    """The subject's outcomes (already narrowed to one subject and period) as indented lines."""
    outcomes = list(outcomes)
    raw = {(r["role"], r["item"], r["kind"]): r for r in rows}
    lines: list[str] = []
    for card in scheme.scorecards:
        mine = {o.item: o for o in outcomes if o.role == card.role}
        lines += _card_lines(card, mine)
    for outcome in outcomes:
        if outcome.kind in ("scorecard", "dimension", "indicator", "rubric"):
            continue
        lines.append(f"{outcome.kind} {outcome.item}: {_result(outcome)} — {outcome.explanation}")
        if outcome.kind == "rule":
            row = raw.get((outcome.role, outcome.item, "rule"))
            hint = _rule_distance(scheme, outcome, row) if row else None
            if hint:
                lines.append(f"  {hint}")
    return lines


def _card_lines(card: m.Scorecard, mine: Mapping[str, Outcome]) -> list[str]:
    lines = []
    for item, depth in card.tree():
        outcome = mine.get(item.name)
        if outcome is not None:
            weight = f" ({item.weight_text})" if item.weight_text else ""
            lines.append(
                "  " * depth + f"{item.kind} {item.name}{weight}: {_result(outcome)} — "
                f"{outcome.explanation}"
            )
    return lines


def _result(outcome: Outcome) -> str:
    parts = [x for x in (outcome.value, outcome.points and f"{outcome.points} 分") if x]
    if outcome.grade:
        parts.append(outcome.grade)
    if outcome.kind in ("rule", "bonus", "limit", "pool"):
        parts.append(format_amount(outcome.amount))
    return ", ".join(parts) or outcome.status


# -- how far from the other side of a rule ---------------------------------------------------


def _rule_distance(scheme: m.Scheme, outcome: Outcome, row: Mapping[str, Any]) -> str | None:
    """``13/58 → 10/58 would have turned -200 into 200``, when it can be worked out."""
    rule = next(r for r in scheme.rules if r.id == outcome.item)
    value = rule.subject_value
    if not isinstance(value, m.MetricValue) or row["value_num"] is None:
        return None
    definition = scheme.metric(value.metric).definition
    if not (isinstance(definition, m.PluginMetric) and definition.spec.shows_fraction):
        return None  # only counts a person can change one by one
    if row["reference_num"] is None or row["reference_den"] is None:
        return None
    num, den = int(row["value_num"]), int(row["value_den"])
    ref = Fraction(int(row["reference_num"]), int(row["reference_den"]))
    now = _paid(rule, Fraction(num, den), ref)
    if now is None or now != outcome.amount:
        return None  # the clauses are not a plain comparison of the two values
    for step in range(1, den + 1):
        for changed in (num - step, num + step):
            if 0 <= changed <= den:
                then = _paid(rule, Fraction(changed, den), ref)
                if then is not None and then > now:
                    return (
                        f"{num}/{den} → {changed}/{den} would have turned "
                        f"{format_amount(now)} into {format_amount(then)} "
                        "(the reference as it was)"
                    )
    return None


def _paid(rule: m.Rule, value: Fraction, reference: Fraction) -> Decimal | None:
    """What the rule pays for these two values, if every clause compares exactly them."""
    total = Decimal(0)
    for clause in rule.clauses:
        holds = _holds(rule, clause.condition, value, reference)
        if holds is None:
            return None
        if holds:
            total += clause.amount
            if rule.hit != "collect":
                return total
    if total == 0 and rule.otherwise is not None:
        return rule.otherwise
    return total


def _holds(rule: m.Rule, condition: m.Expr, value: Fraction, reference: Fraction) -> bool | None:
    if not isinstance(condition, m.Comparison):
        return None
    left = _side(condition.left, rule, value, reference)
    right = _side(condition.right, rule, value, reference)
    if left is None or right is None:
        return None
    return {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
        "==": left == right,
        "!=": left != right,
    }.get(condition.operator)


def _side(expr: m.Expr, rule: m.Rule, value: Fraction, reference: Fraction) -> Fraction | None:
    """One side of a clause: the rule's value, its reference, or a constant (spans differ
    from clause to clause, so metrics are matched by name).
    """
    if isinstance(expr, m.MetricValue):
        for side, known in ((rule.subject_value, value), (rule.reference_value, reference)):
            if isinstance(side, m.MetricValue) and side.metric == expr.metric:
                return known
        return None
    if isinstance(expr, m.Constant):
        return expr.value
    return None
