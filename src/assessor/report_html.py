"""The HTML report: one self-contained page (no scripts, no network) with a summary per role,
charts drawn as inline SVG (payout per period, distributions of points and amounts, each
subject's amounts over the periods) and a card per subject with its reasons.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from assessor.results import Outcome, Total, by_subject, format_amount, summarise_money

_WORDS = {
    "zh": {
        "summary": "汇总",
        "payout": "各期发放合计",
        "points": "得分分布",
        "amounts": "金额分布",
        "trend": "各对象各期金额",
        "cards": "逐人明细",
        "head": ("期间", "对象类别", "人数", "奖励", "处罚", "合计"),
    },
    "en": {
        "summary": "Summary",
        "payout": "Net payout per period",
        "points": "Distribution of points",
        "amounts": "Distribution of amounts",
        "trend": "Each subject's amount per period",
        "cards": "Subjects",
        "head": ("period", "role", "subjects", "rewards", "penalties", "net"),
    },
}
_COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d")
_STYLE = (
    "body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC','Microsoft YaHei',system-ui,"
    "sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;line-height:1.5}"
    "table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #ccc;"
    "padding:.2rem .5rem}td.n{text-align:right}.cards{display:flex;flex-wrap:wrap;gap:.8rem}"
    ".card{border:1px solid #ddd;border-radius:6px;padding:.6rem .8rem;width:30rem}"
    ".card h3{margin:.2rem 0;font-size:1rem}.card ul{margin:.3rem 0;padding-left:1.1rem;"
    "font-size:.9rem}.neg{color:#c0392b}.pos{color:#1e8449}figure{margin:1rem 0}"
)


def page(
    title: str,
    outcomes: Sequence[Outcome],
    totals: Sequence[Total],
    language: str,
    sections: Sequence[tuple[str, Any]] = (),
) -> str:
    """The whole report page; ``sections`` (label, ``ReportTable``) are the plugins', after
    the summary.
    """
    words = _WORDS[language]
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f"<h2>{words['summary']}</h2>",
        _summary(outcomes, words),
        *(_section(label, table) for label, table in sections),
        _figure(words["payout"], _bars(_payout_per_period(totals))),
        _figure(words["points"], _bars(_histogram(_points(totals)))),
        _figure(words["amounts"], _bars(_histogram([float(t.amount) for t in totals]))),
        _figure(words["trend"], _lines(totals)),
        f"<h2>{words['cards']}</h2>",
        _cards(outcomes, totals),
    ]
    return (
        f'<!doctype html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        + "".join(parts)
        + "</body></html>\n"
    )


def _section(label: str, table: Any) -> str:
    """A plugin's section: its heading, its table and its note, every text escaped."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
        for row in table.rows
    )
    note = f"<p>{html.escape(table.note)}</p>" if table.note else ""
    return f"<h2>{html.escape(label)}</h2><table><tr>{head}</tr>{body}</table>{note}"


def _summary(outcomes: Sequence[Outcome], words: dict) -> str:
    rows = []
    for (period, role), money in summarise_money(outcomes).items():
        cells = [html.escape(period), html.escape(role)]
        numbers = [str(money.subjects), *map(format_amount, (money.rewards, money.penalties))]
        numbers.append(format_amount(money.net))
        rows.append(
            "<tr>"
            + "".join(f"<td>{c}</td>" for c in cells)
            + "".join(f'<td class="n">{n}</td>' for n in numbers)
            + "</tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in words["head"])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _figure(caption: str, svg: str) -> str:
    return f"<figure><figcaption>{html.escape(caption)}</figcaption>{svg}</figure>"


def _payout_per_period(totals: Sequence[Total]) -> list[tuple[str, float]]:
    by_period: dict[str, Decimal] = {}
    for total in totals:
        by_period[total.period] = by_period.get(total.period, Decimal(0)) + total.amount
    return [(period, float(amount)) for period, amount in by_period.items()]


def _points(totals: Sequence[Total]) -> list[float]:
    """The first scorecard's points of every subject and period that has them."""
    found = []
    for total in totals:
        first = total.points.split(";")[0].strip()
        if first:
            found.append(float(first))
    return found


def _histogram(values: list[float], bins: int = 8) -> list[tuple[str, float]]:
    if not values:
        return []
    low, high = min(values), max(values)
    width = (high - low) / bins or 1
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / width), bins - 1)] += 1
    return [(f"{low + i * width:.0f}", float(c)) for i, c in enumerate(counts)]


def _bars(pairs: list[tuple[str, float]]) -> str:
    """One series of bars, coloured by sign."""
    return bar_chart([label for label, _ in pairs], {"": [value for _, value in pairs]})


def bar_chart(labels: Sequence[str], series: dict[str, Sequence[float]], height: int = 140) -> str:
    """Bars per label, one bar per series side by side, with a legend when there are several
    series; negative bars hang below the axis, and each bar is titled with its value.
    """
    values = [v for bars in series.values() for v in bars]
    if not labels or not values:
        return "<p>—</p>"
    top = max(abs(v) for v in values) or 1
    bar, gap = (30, 14) if len(series) == 1 else (12, 24)
    step = len(series) * bar + gap
    axis = height // 2 if any(v < 0 for v in values) else height
    scale = (axis - 8) / top
    shapes = []
    for i, label in enumerate(labels):
        x0 = 30 + i * step
        shapes.append(
            f'<text x="{x0}" y="{height + 14}" font-size="10">{html.escape(label)}</text>'
        )
        for s, (name, bars) in enumerate(series.items()):
            value = bars[i]
            size = abs(value) * scale
            y = axis - size if value >= 0 else axis
            colour = _COLOURS[s % 7] if len(series) > 1 else _COLOURS[0 if value >= 0 else 3]
            shapes.append(
                f'<rect x="{x0 + s * bar}" y="{y:.1f}" width="{bar - 2}" height="{size:.1f}" '
                f'fill="{colour}"><title>{html.escape(f"{name} {label}".strip())}: {value:g}'
                "</title></rect>"
            )
    width = 40 + len(labels) * step
    chart = (
        f'<svg width="{width}" height="{height + 20}" role="img">'
        f'<line x1="26" y1="{axis}" x2="{width}" y2="{axis}" stroke="#999"/>'
        + "".join(shapes)
        + "</svg>"
    )
    return chart + (legend(list(series)) if len(series) > 1 else "")


def legend(names: Sequence[str]) -> str:
    """The colour of each series, in order."""
    items = "".join(
        f'<li><span style="color:{_COLOURS[i % 7]}">■</span> {html.escape(name)}</li>'
        for i, name in enumerate(names)
    )
    return f'<ul style="list-style:none;padding:0;font-size:.85rem">{items}</ul>'


def _lines(totals: Sequence[Total], height: int = 160) -> str:
    """Each subject's net amount over the periods, one polyline per subject."""
    periods = list(dict.fromkeys(t.period for t in totals))
    series: dict[str, dict[str, float]] = {}
    for total in totals:
        series.setdefault(f"{total.role} {total.who}", {})[total.period] = float(total.amount)
    if len(periods) < 2 or not series:
        return "<p>—</p>"
    values = [v for points in series.values() for v in points.values()]
    low, high = min([*values, 0.0]), max([*values, 0.0])
    span = (high - low) or 1
    step = 60

    def y(value: float) -> float:
        return 8 + (high - value) / span * (height - 16)

    lines = []
    for i, (name, points) in enumerate(series.items()):
        coordinates = " ".join(
            f"{40 + periods.index(p) * step},{y(v):.1f}" for p, v in points.items()
        )
        lines.append(
            f'<polyline points="{coordinates}" fill="none" stroke="{_COLOURS[i % 7]}" '
            f'stroke-width="1.5"><title>{html.escape(name)}</title></polyline>'
        )
    labels = "".join(
        f'<text x="{40 + i * step - 18}" y="{height + 14}" font-size="10">{html.escape(p)}</text>'
        for i, p in enumerate(periods)
    )
    width = 60 + (len(periods) - 1) * step
    zero = f'<line x1="36" y1="{y(0):.1f}" x2="{width}" y2="{y(0):.1f}" stroke="#999"/>'
    body = zero + "".join(lines) + labels
    return f'<svg width="{width}" height="{height + 20}" role="img">{body}</svg>' + legend(
        list(series)
    )


def _cards(outcomes: Sequence[Outcome], totals: Sequence[Total]) -> str:
    grouped = by_subject(outcomes)
    cards = []
    for total in totals:
        tone = "neg" if total.amount < 0 else "pos" if total.amount > 0 else ""
        facts = ", ".join(html.escape(x) for x in (total.points, total.grade) if x)
        cards.append(
            f'<div class="card"><h3>{html.escape(total.who)} · {html.escape(total.role)} · '
            f"{html.escape(total.period)}</h3><p>{facts} "
            f'<span class="{tone}">{format_amount(total.amount)}</span></p><ul>'
            + "".join(
                f"<li><b>{html.escape(o.item)}</b>: {html.escape(o.explanation)}</li>"
                for o in grouped[total.key]
            )
            + "</ul></div>"
        )
    return f'<div class="cards">{"".join(cards)}</div>'
