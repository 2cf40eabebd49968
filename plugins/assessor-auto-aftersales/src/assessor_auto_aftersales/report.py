"""The after-sales section of the reports: each rule's outcomes per period at a glance.

For a churn scheme the managers want one line per month and rule: the reference the subjects
were held to (the store's churn rate, the same for every group) and how many were rewarded,
penalised, neither, or could not be assessed (n/a). Built from the outcomes only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assessor import api

_COLUMNS = {
    "zh": ("期间", "考核项", "对照值", "奖励", "处罚", "无奖罚", "不适用"),
    "en": ("period", "rule", "reference", "rewarded", "penalised", "neither", "n/a"),
}
_SEVERAL = {"zh": "各不相同", "en": "varies"}


def rules_at_a_glance(
    outcomes: Sequence[Any], totals: Sequence[Any], language: str
) -> api.ReportTable | None:
    """Per period and rule: the shared reference (or "varies") and the subjects' outcomes."""
    counts: dict[tuple[str, str], list] = {}
    for o in outcomes:
        if o.kind != "rule":
            continue
        references, tally = counts.setdefault((o.period, o.item), [set(), [0, 0, 0, 0]])
        if o.reference:
            references.add(o.reference)
        place = 3 if o.status == "n/a" else 0 if o.amount > 0 else 1 if o.amount < 0 else 2
        tally[place] += 1
    if not counts:
        return None
    rows = tuple(
        (period, rule, _shared(references, language), *map(str, tally))
        for (period, rule), (references, tally) in sorted(counts.items())
    )
    return api.ReportTable(_COLUMNS[language], rows)


def _shared(references: set[str], language: str) -> str:
    if len(references) == 1:
        return next(iter(references))
    return _SEVERAL[language] if references else ""
