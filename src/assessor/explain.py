"""`assessor explain`: one subject's period as a tree of reasons.

Scorecards unfold into dimensions and indicators with their weights, values, points and
methods; then grades, bonuses and rules. A rule that compares a count-based value (lost
customers / visits) with a reference also says how far the subject was from the other side:
the smallest change of the count that would have changed the money, found by evaluating the
rule's own clauses on exact fractions. Under a rule, indicator or veto whose value (or
reference) is a plugin metric with evidence, a line lists the records behind its numerator:
``lost customers (13, Alpha): C0012 (visit date 2015-01-03, visit number 4411, …), … and 3
more``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from assessor.engine.evidence import Evidence, shown_metrics
from assessor.engine.series import STORE_SUBJECT
from assessor.model import scheme as m
from assessor.results import Language, Outcome, format_amount

_ORDER = ("scorecard", "dimension", "indicator", "rubric", "veto", "grade", "bonus", "rule")
# how many records a line names before "… and N more"
SHOWN_RECORDS = 20


def explain_subject(
    scheme: m.Scheme,
    outcomes: Iterable[Outcome],
    rows: Iterable[Mapping[str, Any]],
    evidence: Mapping[str, Evidence] | None = None,
    language: Language = "en",
) -> list[str]:
    """The subject's outcomes (already narrowed to one subject and period) as indented lines;
    ``evidence`` (by metric, from the assessment) adds the records behind the numbers.
    """
    outcomes = list(outcomes)
    raw = {(r["role"], r["item"], r["kind"]): r for r in rows}
    records = _Records(scheme, evidence or {}, language, {o.role for o in outcomes})
    lines: list[str] = []
    for card in scheme.scorecards:
        mine = {o.item: o for o in outcomes if o.role == card.role}
        lines += _card_lines(card, mine, records)
    # a subject in several roles (the store's managers) is paid by each: say whose line it is,
    # and tell what the rule was measured on once
    several = len({o.role for o in outcomes}) > 1
    told: set[tuple[str, str]] = set()
    for outcome in outcomes:
        if outcome.kind in ("scorecard", "dimension", "indicator", "rubric"):
            continue
        whose = f" ({outcome.role})" if several else ""
        lines.append(
            f"{outcome.kind} {outcome.item}{whose}: {_result(outcome)} — {outcome.explanation}"
        )
        if (outcome.kind, outcome.item) in told:
            continue
        told.add((outcome.kind, outcome.item))
        if outcome.kind == "rule":
            row = raw.get((outcome.role, outcome.item, "rule"))
            hint = _rule_distance(scheme, outcome, row, language) if row else None
            if hint:
                lines.append(f"  {hint}")
        lines += records.lines(outcome.kind, outcome.item, depth=1)
    return lines


def _card_lines(card: m.Scorecard, mine: Mapping[str, Outcome], records: _Records) -> list[str]:
    lines = []
    for item, depth in card.tree():
        outcome = mine.get(item.name)
        if outcome is not None:
            weight = f" ({item.weight_text})" if item.weight_text else ""
            lines.append(
                "  " * depth + f"{item.kind} {item.name}{weight}: {_result(outcome)} — "
                f"{outcome.explanation}"
            )
            lines += records.lines(item.kind, item.name, depth + 1)
    return lines


def _result(outcome: Outcome) -> str:
    parts = [x for x in (outcome.value, outcome.points and f"{outcome.points} 分") if x]
    if outcome.grade:
        parts.append(outcome.grade)
    if outcome.kind in ("rule", "bonus", "limit", "pool"):
        parts.append(format_amount(outcome.amount))
    return ", ".join(parts) or outcome.status


# -- how far from the other side of a rule ---------------------------------------------------


_DISTANCE = {
    "en": "{} → {} would have turned {} into {} (the reference as it was)",
    "zh": "{} → {}：金额将由 {} 变为 {}（对比值不变）",
}


def _rule_distance(
    scheme: m.Scheme, outcome: Outcome, row: Mapping[str, Any], language: Language
) -> str | None:
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
                    return _DISTANCE[language].format(
                        f"{num}/{den}", f"{changed}/{den}", format_amount(now), format_amount(then)
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


# -- the records behind a number -------------------------------------------------------------

_WORDS = {
    "en": {
        "open": " (",
        "close": ")",
        "inner": ", ",
        "between": ", ",
        "count": "{label} ({total}, {whose}): ",
        "none": "none",
        "more": ", … and {} more",
        "store": "store",
    },
    "zh": {
        "open": "（",
        "close": "）",
        "inner": "，",
        "between": "、",
        "count": "{label}（{total}，{whose}）：",
        "none": "无",
        "more": "……另有 {} 条",
        "store": "全店",
    },
}


@attrs.frozen
class _Records:
    """Writes the evidence lines under the outcomes that read a metric with evidence."""

    scheme: m.Scheme
    evidence: Mapping[str, Evidence]
    language: Language
    roles: set[str]
    shown: dict[tuple[str, str], list[str]] = attrs.field(init=False)

    @shown.default
    def _shown(self) -> dict[tuple[str, str], list[str]]:
        return shown_metrics(self.scheme, self.roles)

    def lines(self, kind: str, item: str, depth: int) -> list[str]:
        """The evidence lines under one outcome, indented to ``depth``."""
        found = [self.evidence[n] for n in self.shown.get((kind, item), ()) if n in self.evidence]
        return ["  " * depth + evidence_text(self.scheme, e, self.language) for e in found]


def evidence_text(scheme: m.Scheme, evidence: Evidence, language: Language) -> str:
    """``lost customers (13, Alpha): C0012 (visit date 2015-01-03, …), … and 3 more``."""
    words = _WORDS[language]
    chinese, english = evidence.label_zh, evidence.label_en
    label = (chinese or english) if language == "zh" else (english or chinese)
    whose = words["store"] if evidence.subject == STORE_SUBJECT else evidence.subject
    head = words["count"].format(label=label or evidence.metric, total=evidence.total, whose=whose)
    if evidence.total == 0:
        return head + words["none"]
    labels = _column_labels(scheme, evidence, language)
    entries = [_entry(row, labels, words) for row in evidence.rows[:SHOWN_RECORDS]]
    text = head + words["between"].join(entries)
    hidden = evidence.total - len(entries)
    return text + (words["more"].format(hidden) if hidden > 0 else "")


def _entry(row: tuple[Any, ...], labels: list[str], words: Mapping[str, str]) -> str:
    """The first value bare (the customer id), the others with their column's label."""
    first, *rest = (_text(v) for v in row)
    if not rest:
        return first
    details = words["inner"].join(f"{lab} {v}" for lab, v in zip(labels[1:], rest, strict=True))
    return f"{first}{words['open']}{details}{words['close']}"


def _column_labels(scheme: m.Scheme, evidence: Evidence, language: Language) -> list[str]:
    """Each column's label from the metric's input tables, short (without its note in
    brackets); the column's name when no input declares it.
    """
    spec = scheme.metric(evidence.metric).definition.spec
    declared = {}
    for table in reversed([t for t in scheme.tables if t.name in spec.inputs]):
        declared.update({c.name: c for c in table.columns})
    labels = []
    for name in evidence.columns:
        column = declared.get(name)
        text = (column.label_zh if language == "zh" else column.label_en) if column else name
        labels.append(re.split(r"（| \(", text, maxsplit=1)[0])
    return labels


def _text(value: Any) -> str:
    """A record's value as a person reads it: dates as 2015-01-03, times to the minute."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
