"""Outcome rows for people: values shown exactly rounded, a reason for every amount, a manifest.

Works from the checked scheme and the engine's raw rows only (a few per subject and period);
rounding happens here, for display, never before a comparison.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import attrs

from assessor.model import scheme as m
from assessor.model.units import Unit, describe_quantity

Language = Literal["en", "zh"]
COLUMNS = (
    "period",
    "role",
    "subject",
    "rule",
    "value",
    "reference",
    "amount",
    "status",
    "explanation",
)
_RELATION = {-1: "<", 0: "=", 1: ">"}


@attrs.frozen
class Outcome:
    """One subject's outcome of one rule in one period."""

    period: str
    role: str
    subject: str
    rule: str
    value: str
    reference: str
    amount: Decimal
    status: str
    explanation: str

    def as_record(self) -> dict[str, str]:
        """The row as written to results.csv."""
        record = {name: str(getattr(self, name)) for name in COLUMNS}
        record["amount"] = format_amount(self.amount)
        return record


def build_outcomes(
    scheme: m.Scheme, rows: Iterable[Mapping[str, Any]], language: Language = "en"
) -> list[Outcome]:
    """Turn the engine's raw rows into outcomes with displayed values and explanations."""
    rules = {rule.id: rule for rule in scheme.rules}
    return [_outcome(scheme, rules[row["rule"]], row, language) for row in rows]


def _outcome(scheme: m.Scheme, rule: m.Rule, row: Mapping[str, Any], language: Language) -> Outcome:
    value = _fraction(row["value_num"], row["value_den"])
    reference = _fraction(row["reference_num"], row["reference_den"])
    amount = Decimal(row["amount"])
    return Outcome(
        period=row["period"].strftime("%Y-%m"),
        role=row["role"],
        subject=row["subject"],
        rule=rule.id,
        value=format_value(value, _unit(rule.subject_value)),
        reference=format_value(reference, _unit(rule.reference_value)),
        amount=amount,
        status=row["status"],
        explanation=_explain(scheme, rule, row, amount, language),
    )


def _fraction(num: Any, den: Any) -> Fraction | None:
    if num is None or den is None or den == 0:
        return None
    return Fraction(int(num), int(den))


def _unit(expr: m.Expr | None) -> Unit:
    return expr.unit if expr is not None else Unit.NUMBER


def format_value(value: Fraction | None, unit: Unit) -> str:
    """Rates in percent with 4 decimals, other values to 4 decimals (whole numbers as they
    are), rounded half-up; '' when n/a.
    """
    if value is None:
        return ""
    if unit == Unit.RATIO:
        return str(_half_up(value * 100))
    return str(value.numerator) if value.denominator == 1 else str(_half_up(value))


def _half_up(value: Fraction) -> Decimal:
    """Round a fraction half-up to 4 decimals exactly (no float or context rounding first)."""
    scaled = value * 10_000
    sign = -1 if scaled < 0 else 1
    magnitude = abs(scaled)
    whole = (magnitude.numerator * 2 + magnitude.denominator) // (magnitude.denominator * 2)
    return (Decimal(sign * whole) / 10_000).quantize(Decimal("0.0001"))


def format_amount(amount: Decimal) -> str:
    """A signed amount without trailing zeros: 200, -200, 0, 12.5."""
    text = format(amount.normalize(), "f")
    return "0" if text in ("-0", "0") else text


# -- explanations ------------------------------------------------------------------------

_WORDS = {
    "en": {
        "then": ": ",
        "reward": "reward {}",
        "penalty": "penalty {}",
        "zero": "no reward or penalty",
        "na": "{} is n/a ({}): no reward or penalty",
        "plugin": "no records to divide by",
        "mapping": "none of its members has a value",
        "previous": "it needs a value in each of the previous {} months",
        "derived": "a value it is computed from is n/a",
        "other": "a value this rule reads is n/a: no reward or penalty",
        "clause": "condition {} of the rule holds",
        "none": "no condition holds",
    },
    "zh": {
        "then": "，",
        "reward": "奖励 {}",
        "penalty": "处罚 {}",
        "zero": "不做奖惩",
        "na": "{}无法计算（{}），不做奖惩",
        "plugin": "无可计算的记录",
        "mapping": "所含各项均无数值",
        "previous": "需要前 {} 个月均有数值",
        "derived": "其计算所依据的数值缺失",
        "other": "本规则所用的数值缺失，不做奖惩",
        "clause": "满足第 {} 条条件",
        "none": "不满足任何条件",
    },
}


def _explain(
    scheme: m.Scheme, rule: m.Rule, row: Mapping[str, Any], amount: Decimal, language: Language
) -> str:
    words = _WORDS[language]
    if row["status"] == "n/a":
        return _explain_missing(scheme, rule, row, language)
    if rule.subject_value is None or row["relation"] is None:
        clause = row["clause"] or 0
        reason = words["clause"].format(clause) if clause else words["none"]
    else:
        left = _describe(scheme, rule.subject_value, (row["value_num"], row["value_den"]), language)
        right = _describe(
            scheme, rule.reference_value, (row["reference_num"], row["reference_den"]), language
        )
        reason = f"{left} {_RELATION[row['relation']]} {right}"
    return reason + words["then"] + _paid(amount, words)


def _paid(amount: Decimal, words: Mapping[str, str]) -> str:
    if amount > 0:
        return words["reward"].format(format_amount(amount))
    if amount < 0:
        return words["penalty"].format(format_amount(-amount))
    return words["zero"]


def _explain_missing(
    scheme: m.Scheme, rule: m.Rule, row: Mapping[str, Any], language: Language
) -> str:
    """Name the compared side that is n/a and why; or say that another value the rule reads
    (in a later clause) is n/a.
    """
    words = _WORDS[language]
    sides = ((rule.subject_value, row["value_den"]), (rule.reference_value, row["reference_den"]))
    missing = next((e for e, den in sides if e is not None and den is None), None)
    if missing is None:
        return words["other"]
    return words["na"].format(
        _describe(scheme, missing, None, language), _why_missing(scheme, missing, words)
    )


def _why_missing(scheme: m.Scheme, expr: m.Expr | None, words: Mapping[str, str]) -> str:
    """Why a value can be n/a, from how its metric is defined."""
    if not isinstance(expr, m.MetricValue):
        return words["derived"]
    definition = scheme.metric(expr.metric).definition
    if isinstance(definition, m.PluginMetric):
        return words["plugin"]
    if isinstance(definition, m.OverMapping):
        return words["mapping"]
    if isinstance(definition, m.OverPrevious):
        return words["previous"].format(definition.count)
    return words["derived"]


def _describe(
    scheme: m.Scheme, expr: m.Expr | None, value: tuple[Any, Any] | None, language: Language
) -> str:
    """``group churn 3.2000% (8/250)``: the label, the value and, for counts, the fraction."""
    if expr is None:
        return "?"
    if isinstance(expr, m.Constant):
        return describe_quantity(expr.value, expr.unit)
    name = _label(scheme, expr, language)
    if value is None:
        return name
    exact = _fraction(*value)
    shown = format_value(exact, _unit(expr)) + ("%" if _unit(expr) == Unit.RATIO else "")
    if isinstance(expr, m.MetricValue) and _shows_fraction(scheme.metric(expr.metric)):
        open_, close = ("（", "）") if language == "zh" else (" (", ")")
        shown += f"{open_}{int(value[0])}/{int(value[1])}{close}"
    return f"{name} {shown}"


def _label(scheme: m.Scheme, expr: m.Expr, language: Language) -> str:
    if not isinstance(expr, m.MetricValue):
        return "value" if language == "en" else "值"
    metric = scheme.metric(expr.metric)
    if not metric.label:
        return metric.name
    chinese, _, english = metric.label.partition(" / ")
    return (english or chinese) if language == "en" else chinese


def _shows_fraction(metric: m.Metric) -> bool:
    definition = metric.definition
    return isinstance(definition, m.PluginMetric) and definition.spec.shows_fraction


# -- files -------------------------------------------------------------------------------


def results_csv(outcomes: Iterable[Outcome]) -> str:
    """results.csv as text: UTF-8, a header row, newline line ends."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(o.as_record() for o in outcomes)
    return buffer.getvalue()


def manifest_json(manifest: Mapping[str, Any]) -> str:
    """The manifest as stable JSON (sorted keys), so equal runs give equal bytes."""
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_atomically(folder: Path, files: Mapping[str, str]) -> None:
    """Write every file to a temporary name, then rename: no half-written output is left."""
    folder.mkdir(parents=True, exist_ok=True)
    staged = []
    try:
        for name, text in files.items():
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            staged.append((temporary, folder / name))
        for temporary, final in staged:
            os.replace(temporary, final)
    finally:
        for temporary, _ in staged:
            if os.path.exists(temporary):
                os.unlink(temporary)
