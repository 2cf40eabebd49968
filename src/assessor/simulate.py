"""`assessor simulate`: what a scheme would pay under other parameter values, or what another
scheme would have paid, over the same past periods, side by side.

Every variant is a full run on the same data. The first variant is the reference: for every
other one, a subject counts as changed in a period when its grade or net amount differs.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from statistics import mean

import attrs

from assessor.results import Outcome, build_totals, csv_text, format_amount, summarise_money

COLUMNS = ("variant", "period", "payout", "rewards", "penalties", "changed", "mean_points")


@attrs.frozen
class Variant:
    """One way to run: a label, the scheme file and its parameter overrides."""

    label: str
    scheme: Path
    overrides: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class Summary:
    """One variant in one period: money out, rewards, penalties, subjects changed against the
    reference variant and the mean scorecard points.
    """

    variant: str
    period: str
    payout: Decimal
    rewards: Decimal
    penalties: Decimal
    changed: int
    mean_points: str

    def as_record(self) -> dict[str, str]:
        """A row of the comparison table."""
        record = {name: str(getattr(self, name)) for name in COLUMNS}
        for name in ("payout", "rewards", "penalties"):
            record[name] = format_amount(getattr(self, name))
        return record


def vary(scheme: Path, name: str, values: Sequence[str], fixed: dict[str, str]) -> list[Variant]:
    """One variant per value of a parameter, the other overrides fixed."""
    return [
        Variant(f"{name}={value}", scheme, tuple({**fixed, name: value}.items()))
        for value in values
    ]


def summarise(variant: str, outcomes: Iterable[Outcome], reference: dict | None) -> list[Summary]:
    """Per period: the variant's money and points, and how many subjects changed."""
    outcomes = list(outcomes)
    standings = by_period(outcomes)
    summaries = []
    for period, money in summarise_money(outcomes, key=lambda o: o.period).items():
        points = [
            Decimal(o.points)
            for o in outcomes
            if o.period == period and o.kind == "scorecard" and o.points
        ]
        changed = 0
        if reference is not None:
            mine, theirs = standings[period], reference.get(period, {})
            changed = sum(mine.get(key) != theirs.get(key) for key in mine.keys() | theirs.keys())
        summaries.append(
            Summary(
                variant,
                period,
                money.net,
                money.rewards,
                money.penalties,
                changed,
                f"{mean(points):.2f}" if points else "",
            )
        )
    return summaries


def by_period(outcomes: Iterable[Outcome]) -> dict[str, dict[tuple[str, str], tuple]]:
    """Per period, each subject's grades and net amount: what "changed" compares."""
    standings: dict[str, dict[tuple[str, str], tuple]] = {}
    for total in build_totals(outcomes):
        standings.setdefault(total.period, {})[(total.role, total.who)] = (
            total.grade,
            total.amount,
        )
    return standings


def to_csv(summaries: Iterable[Summary]) -> str:
    """The comparison as CSV."""
    return csv_text(COLUMNS, (s.as_record() for s in summaries))


def to_html(summaries: Sequence[Summary], title: str) -> str:
    """The comparison as a self-contained page: the table and a bar chart of the payout per
    period and variant (inline SVG, no scripts, no network).
    """
    from assessor.report_html import bar_chart

    variants = list(dict.fromkeys(s.variant for s in summaries))
    periods = list(dict.fromkeys(s.period for s in summaries))
    payout = {(s.variant, s.period): float(s.payout) for s in summaries}
    chart = bar_chart(periods, {v: [payout.get((v, p), 0.0) for p in periods] for v in variants})
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in s.as_record().values()) + "</tr>"
        for s in summaries
    )
    return (
        f'<!doctype html>\n<html lang="zh"><head><meta charset="utf-8"><title>'
        f"{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><h2>发放总额 / payout per period</h2>"
        f"{chart}"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>\n"
    )


_STYLE = (
    "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;"
    "margin:2rem}table{border-collapse:collapse}th,td{border:1px solid #ccc;"
    "padding:.2rem .5rem;text-align:right}"
)
