"""Outcome rows for people: values shown exactly rounded, a reason for every number, totals,
a manifest.

Works from the checked scheme and the engine's raw rows only (a few per subject and period);
rounding happens here, for display, never before a comparison.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    "item",
    "kind",
    "value",
    "reference",
    "points",
    "grade",
    "amount",
    "status",
    "explanation",
)
TOTAL_COLUMNS = ("period", "role", "subject", "points", "grade", "amount")
_RELATION = {-1: "<", 0: "=", 1: ">"}
MONEY_KINDS = ("rule", "bonus", "limit", "pool")


class _SubjectRow:
    """What an outcome and a total share: whose period they are, and their CSV record."""

    period: str
    store: str
    role: str
    subject: str
    amount: Decimal
    columns: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Which subject's period this row belongs to."""
        return self.period, self.store, self.role, self.subject

    @property
    def who(self) -> str:
        """The subject as people name it: with its store when there are many."""
        return m.subject_name(self.store, self.subject)

    def as_record(self) -> dict[str, str]:
        """The row as written to its CSV file (with ``store`` when there are many)."""
        record = {name: str(getattr(self, name)) for name in self.columns}
        record["amount"] = format_amount(self.amount)
        return {"store": self.store, **record} if self.store else record


@attrs.frozen
class Outcome(_SubjectRow):
    """One subject's outcome of one item (a rule, an indicator, a grade...) in one period."""

    columns = COLUMNS
    period: str
    role: str
    subject: str
    item: str
    kind: str
    value: str
    reference: str
    points: str
    grade: str
    amount: Decimal
    status: str
    explanation: str
    # the subject's store, in a scheme assessed per store (`stores by`); else empty
    store: str = ""


@attrs.frozen
class Total(_SubjectRow):
    """A subject's period in one row: scorecard points, grade and net money."""

    columns = TOTAL_COLUMNS
    period: str
    role: str
    subject: str
    points: str
    grade: str
    amount: Decimal
    store: str = ""


def build_outcomes(
    scheme: m.Scheme, rows: Iterable[Mapping[str, Any]], language: Language = "en"
) -> list[Outcome]:
    """Turn the engine's raw rows into outcomes with displayed values and explanations."""
    explainer = _Explainer(scheme, language)
    return [explainer.outcome(row) for row in rows]


def build_totals(outcomes: Iterable[Outcome]) -> list[Total]:
    """Per period, role and subject: the scorecards' points, the grades and the net amount."""
    groups = by_subject(outcomes)
    totals = []
    for (period, store, role, subject), rows in groups.items():
        points = "; ".join(o.points for o in rows if o.kind == "scorecard" and o.points)
        grades = "; ".join(o.grade for o in rows if o.kind == "grade" and o.grade)
        amount = sum((o.amount for o in rows if o.kind in MONEY_KINDS), Decimal(0))
        totals.append(Total(period, role, subject, points, grades, amount, store))
    return totals


def by_subject(outcomes: Iterable[Outcome]) -> dict[tuple[str, str, str, str], list[Outcome]]:
    """The outcomes of each period, store, role and subject (``Outcome.key``), in order."""
    groups: dict[tuple[str, str, str, str], list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(outcome.key, []).append(outcome)
    return groups


@attrs.frozen
class Money:
    """A group's money in a period: its subjects, rewards and penalties (each money outcome
    counted on its own, so a reward and a penalty of one subject both show) and n/a outcomes.
    """

    subjects: int
    rewards: Decimal
    penalties: Decimal
    not_available: int

    @property
    def net(self) -> Decimal:
        """Rewards less penalties."""
        return self.rewards - self.penalties


def summarise_money(
    outcomes: Iterable[Outcome], key: Callable[[Outcome], Any] = lambda o: (o.period, o.role)
) -> dict[Any, Money]:
    """Per group (by default each period and role): subjects, rewards, penalties, n/a."""
    groups: dict[Any, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(key(outcome), []).append(outcome)
    summary = {}
    for group, rows in groups.items():
        money = [o.amount for o in rows if o.kind in MONEY_KINDS]
        summary[group] = Money(
            len({(o.store, o.role, o.subject) for o in rows}),
            sum((a for a in money if a > 0), Decimal(0)),
            sum((-a for a in money if a < 0), Decimal(0)),
            sum(o.status == "n/a" for o in rows),
        )
    return summary


@functools.lru_cache(maxsize=1024)  # one per period and cadence, asked for by every outcome
def period_label(date: Any, cadence: str) -> str:
    """``2026-03``, ``2026-Q1``, ``2026-H1`` or ``2026`` for a period's first day."""
    month = m.Month(date.year * 12 + date.month - 1)
    return str(m.Period.containing(month, cadence))


def _fraction(num: Any, den: Any) -> Fraction | None:
    if num is None or den is None or den == 0:
        return None
    return Fraction(int(num), int(den))


# many outcomes show the same value (a store's rate beside each of its groups): formatted
# once, from the engine's numerator and denominator (building and hashing a Fraction per
# value cost more than the formatting)
@functools.lru_cache(maxsize=4096)
def _shown(num: Any, den: Any, unit: Unit) -> str:
    return format_value(_fraction(num, den), unit)


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


def format_points(value: Fraction | None) -> str:
    """Points rounded half-up to 4 decimals without trailing zeros: 87.5, 100, 66.6667."""
    if value is None:
        return ""
    return format_amount(_half_up(value))


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
        "previous": "it needs a value in each of the previous {} periods",
        "derived": "a value it is computed from is n/a",
        "other": "a value this rule reads is n/a: no reward or penalty",
        "clause": "condition {} of the rule holds",
        "clauses": "{} conditions of the rule hold",
        "none": "no condition holds",
        "points": "{} points",
        "scored": "{value} -> {points} ({method})",
        "weighted": "{points}, weight {weight}",
        "item_na": "n/a: no value, and the missing-data policy leaves it n/a",
        "total": "total {points}",
        "veto": "veto (一票否决) {label}: {effects}",
        "veto_score": "total set to {}",
        "veto_grade": "grade capped at {}",
        "grade": "{total} -> {band}",
        "quota": "; the quota moved it to {}",
        "capped": "; veto {} capped it at {}",
        "no_grade": "no grade: the total is n/a",
        "by_grade": "grade {grade}: {paid}",
        "vetoed": "no bonus: veto {}",
        "bonus": "{value}: {paid}",
        "no_bonus": "no bonus: {} is n/a",
        "limit": "limit on rewards and penalties: {}",
        "pool": "rewards scaled down to the pool: {}",
    },
    "zh": {
        "then": "，",
        "reward": "奖励 {}",
        "penalty": "处罚 {}",
        "zero": "不做奖惩",
        "na": "{}无法计算（{}），不做奖惩",
        "plugin": "无可计算的记录",
        "mapping": "所含各项均无数值",
        "previous": "需要前 {} 期均有数值",
        "derived": "其计算所依据的数值缺失",
        "other": "本规则所用的数值缺失，不做奖惩",
        "clause": "满足第 {} 条条件",
        "clauses": "同时满足 {} 条条件",
        "none": "不满足任何条件",
        "points": "{} 分",
        "scored": "{value} → {points}（{method}）",
        "weighted": "{points}，权重 {weight}",
        "item_na": "无数值，按缺失数据规则记为无法计算",
        "total": "总分 {points}",
        "veto": "一票否决：{label}，{effects}",
        "veto_score": "总分记为 {}",
        "veto_grade": "等级最高为 {}",
        "grade": "{total} → {band}",
        "quota": "；受比例限制调整为 {}",
        "capped": "；因 {} 等级限为 {}",
        "no_grade": "总分无法计算，不评等级",
        "by_grade": "等级 {grade}：{paid}",
        "vetoed": "一票否决（{}），无奖金",
        "bonus": "{value}：{paid}",
        "no_bonus": "{}无法计算，无奖金",
        "limit": "奖惩上限调整：{}",
        "pool": "奖励按奖金池比例调整：{}",
    },
}


@attrs.define
class _Explainer:
    """Displays a raw row's values and says in words how they came about."""

    scheme: m.Scheme
    language: Language
    _described: dict[tuple[Any, ...], str] = attrs.field(factory=dict, init=False)

    @property
    def words(self) -> Mapping[str, str]:
        return _WORDS[self.language]

    def outcome(self, row: Mapping[str, Any]) -> Outcome:
        kind = row["kind"]
        amount = Decimal(row["amount"])
        value, reference = self.shown_values(row)
        return Outcome(
            period=period_label(row["period"], row["cadence"]),
            role=row["role"],
            subject=row["subject"],
            item=row["item"],
            kind=kind,
            value=value,
            reference=reference,
            points=format_points(_fraction(row["points_num"], row["points_den"])),
            grade=row["grade"] or "",
            amount=amount,
            status=row["status"],
            explanation=getattr(self, f"explain_{kind}")(row, amount),
            store=row.get("store") or "",
        )

    def shown_values(self, row: Mapping[str, Any]) -> tuple[str, str]:
        value = row["value_num"], row["value_den"]
        if row["kind"] == "rule":
            rule = self.rule(row["item"])
            return (
                _shown(*value, _unit(rule.subject_value)),
                _shown(row["reference_num"], row["reference_den"], _unit(rule.reference_value)),
            )
        if row["kind"] == "indicator":
            return _shown(*value, self.value_unit(row)), ""
        if row["kind"] == "bonus":
            return _shown(*value, Unit.MONEY), ""
        return "", ""

    def describe(self, expr: m.Expr | None, value: tuple[Any, Any]) -> str:
        """``_describe`` of a compared side, once per side and value: a store's rate is the
        reference of each of its groups.
        """
        key = (id(expr), *value)
        found = self._described.get(key)
        if found is None:
            found = self._described[key] = _describe(self.scheme, expr, value, self.language)
        return found

    def rule(self, name: str) -> m.Rule:
        return next(r for r in self.scheme.rules if r.id == name)

    def item(self, row: Mapping[str, Any]) -> m.Item | None:
        for card in self.scheme.scorecards:
            for item in card.items:
                if item.name == row["item"] and card.role == row["role"]:
                    return item
        return None

    def value_unit(self, row: Mapping[str, Any]) -> Unit:
        item = self.item(row)
        return self.scheme.metric(item.value).unit if item and item.value else Unit.NUMBER

    def label(self, name: str, label: str | None) -> str:
        return label_in(label, self.language) or name

    def points(self, row: Mapping[str, Any]) -> str:
        points = _fraction(row["points_num"], row["points_den"])
        return self.words["points"].format(format_points(points))

    def item_heading(self, row: Mapping[str, Any]) -> tuple[m.Item | None, str]:
        item = self.item(row)
        return item, self.label(row["item"], item.label if item else None)

    # -- one method per kind of row ----------------------------------------------------

    def explain_rule(self, row: Mapping[str, Any], amount: Decimal) -> str:
        words = self.words
        rule = self.rule(row["item"])
        if row["status"] == "n/a":
            return self.explain_missing(rule, row)
        if rule.hit == "collect" and (row["matches"] or 0) > 1:
            reason = words["clauses"].format(row["matches"])
        elif rule.subject_value is None or row["relation"] is None:
            clause = row["clause"] or 0
            reason = words["clause"].format(clause) if clause else words["none"]
        else:
            sides = (
                (rule.subject_value, (row["value_num"], row["value_den"])),
                (rule.reference_value, (row["reference_num"], row["reference_den"])),
            )
            left, right = (self.describe(e, v) for e, v in sides)
            reason = f"{left} {_RELATION[row['relation']]} {right}"
        return reason + words["then"] + _paid(amount, words)

    def explain_missing(self, rule: m.Rule, row: Mapping[str, Any]) -> str:
        """Name the compared side that is n/a and why; or say that another value the rule
        reads (in a later clause) is n/a.
        """
        words = self.words
        sides = (
            (rule.subject_value, row["value_den"]),
            (rule.reference_value, row["reference_den"]),
        )
        missing = next((e for e, den in sides if e is not None and den is None), None)
        if missing is None:
            return words["other"]
        return words["na"].format(
            _describe(self.scheme, missing, None, self.language),
            _why_missing(self.scheme, missing, words),
        )

    def explain_indicator(self, row: Mapping[str, Any], amount: Decimal) -> str:
        item, name = self.item_heading(row)
        if row["status"] == "n/a":
            return f"{name}: {self.words['item_na']}"
        unit = self.value_unit(row)
        shown = _shown(row["value_num"], row["value_den"], unit)
        shown += "%" if unit == Unit.RATIO else ""
        method = item.method if item else ""
        return f"{name} " + self.words["scored"].format(
            value=shown if row["value_den"] else "n/a", points=self.points(row), method=method
        )

    def explain_rubric(self, row: Mapping[str, Any], amount: Decimal) -> str:
        item, name = self.item_heading(row)
        if row["status"] == "n/a":
            return f"{name}: {self.words['item_na']}"
        return f"{name}: {self.points(row)} ({item.method if item else ''})"

    def explain_dimension(self, row: Mapping[str, Any], amount: Decimal) -> str:
        item, name = self.item_heading(row)
        if row["status"] == "n/a":
            return f"{name}: {self.words['item_na']}"
        return f"{name}: " + self.words["weighted"].format(
            points=self.points(row), weight=item.weight_text if item else ""
        )

    def explain_scorecard(self, row: Mapping[str, Any], amount: Decimal) -> str:
        card = next(c for c in self.scheme.scorecards if c.name == row["item"])
        name = self.label(card.name, card.label)
        if row["status"] == "n/a":
            return f"{name}: {self.words['item_na']}"
        return f"{name}: " + self.words["total"].format(points=self.points(row))

    def explain_veto(self, row: Mapping[str, Any], amount: Decimal) -> str:
        effects = []
        if row["points_den"] is not None:
            effects.append(self.words["veto_score"].format(self.points(row)))
        if row["grade"]:
            effects.append(self.words["veto_grade"].format(row["grade"]))
        return self.words["veto"].format(label=row["item"], effects=", ".join(effects))

    def explain_grade(self, row: Mapping[str, Any], amount: Decimal) -> str:
        if row["status"] == "n/a":
            return self.words["no_grade"]
        text = self.words["grade"].format(total=self.points(row), band=row["band"])
        if row["note"]:
            return text + self.words["capped"].format(row["note"], row["grade"])
        if row["band"] != row["grade"]:
            return text + self.words["quota"].format(row["grade"])
        return text

    def explain_bonus(self, row: Mapping[str, Any], amount: Decimal) -> str:
        words = self.words
        if row["note"]:
            return words["vetoed"].format(row["note"])
        if row["status"] == "n/a":
            return words["no_bonus"].format(row["item"])
        if row["grade"]:
            return words["by_grade"].format(grade=row["grade"], paid=_paid(amount, words))
        value = _shown(row["value_num"], row["value_den"], Unit.MONEY)
        return words["bonus"].format(value=value, paid=_paid(amount, words))

    def explain_limit(self, row: Mapping[str, Any], amount: Decimal) -> str:
        return self.words["limit"].format(format_amount(amount))

    def explain_pool(self, row: Mapping[str, Any], amount: Decimal) -> str:
        return self.words["pool"].format(format_amount(amount))


def _paid(amount: Decimal, words: Mapping[str, str]) -> str:
    if amount > 0:
        return words["reward"].format(format_amount(amount))
    if amount < 0:
        return words["penalty"].format(format_amount(-amount))
    return words["zero"]


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
    shown = _shown(*value, _unit(expr)) + ("%" if _unit(expr) == Unit.RATIO else "")
    if isinstance(expr, m.MetricValue) and _shows_fraction(scheme.metric(expr.metric)):
        open_, close = ("（", "）") if language == "zh" else (" (", ")")
        shown += f"{open_}{int(value[0])}/{int(value[1])}{close}"
    return f"{name} {shown}"


def _label(scheme: m.Scheme, expr: m.Expr, language: Language) -> str:
    if not isinstance(expr, m.MetricValue):
        return "value" if language == "en" else "值"
    metric = scheme.metric(expr.metric)
    return label_in(metric.label, language) or metric.name


def label_in(label: str | None, language: Language) -> str:
    """The part of a ``中文 / English`` label in one language (the Chinese when that is all)."""
    if not label:
        return ""
    chinese, _, english = label.partition(" / ")
    return (english or chinese) if language == "en" else chinese


def _shows_fraction(metric: m.Metric) -> bool:
    definition = metric.definition
    return isinstance(definition, m.PluginMetric) and definition.spec.shows_fraction


# -- files -------------------------------------------------------------------------------


def results_csv(outcomes: Iterable[Outcome]) -> str:
    """results.csv as text: UTF-8, a header row, newline line ends; a ``store`` column first
    when the outcomes are of many stores.
    """
    outcomes = list(outcomes)
    return csv_text(_with_store(COLUMNS, outcomes), (o.as_record() for o in outcomes))


def totals_csv(totals: Iterable[Total]) -> str:
    """totals.csv as text, like results.csv."""
    totals = list(totals)
    return csv_text(_with_store(TOTAL_COLUMNS, totals), (t.as_record() for t in totals))


def _with_store(columns: tuple[str, ...], rows: list[Outcome] | list[Total]) -> tuple[str, ...]:
    return ("store", *columns) if any(r.store for r in rows) else columns


def csv_text(columns: Sequence[str], records: Iterable[Mapping[str, str]]) -> str:
    """Records as CSV text (LF line ends), readable back whatever the values hold."""
    buffer = io.StringIO()
    plain = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    # Python 3.11 quotes a field holding a line feed but not one holding a lone carriage
    # return (a subject's name may), which readers take for the end of the row: a row with
    # one is written with every field quoted
    quoted = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", quoting=csv.QUOTE_ALL)
    plain.writeheader()
    for record in records:
        writer = quoted if any("\r" in value for value in record.values()) else plain
        writer.writerow(record)
    return buffer.getvalue()


def manifest_json(manifest: Mapping[str, Any]) -> str:
    """The manifest as stable JSON (sorted keys), so equal runs give equal bytes."""
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_atomically(folder: Path, files: Mapping[str, str]) -> None:
    """Write every file to a temporary name, then rename: no half-written output is left.

    Every file is written before any is renamed, so a failure while writing (a full disk, an
    interrupted run) leaves the folder's earlier outputs as they were.
    """
    write_files_atomically(
        folder, {name: functools.partial(_write_text, text) for name, text in files.items()}
    )


def write_files_atomically(folder: Path, writers: Mapping[str, Callable[[Path], None]]) -> None:
    """Like ``write_atomically``, for files of any kind: each writer writes its file to the
    path it is given (a temporary name in ``folder``, renamed once all are written).
    """
    folder.mkdir(parents=True, exist_ok=True)
    staged = []
    try:
        for name, write in writers.items():
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            os.close(handle)
            staged.append((temporary, folder / name))
            write(Path(temporary))
        for temporary, final in staged:
            os.replace(temporary, final)
    finally:
        for temporary, _ in staged:
            if os.path.exists(temporary):
                os.unlink(temporary)


def _write_text(text: str, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(text)
