"""`assessor diff A B`: what a second version of a scheme changes, in words.

Both schemes are rendered as the readable document (`assessor doc`), so a change reads the
way the client reads the scheme: "客户保留率 — 权重: 28% → 30%". Every table row is known
by its section, the table's caption (a scorecard or grade) and its first cell, counted when
it repeats (a rule's clauses); a row in both versions with other cells is a change, a row in
one only was added or removed. Sentences (periods, limits, vetoes) are added or removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from assessor.document import Block, scheme_document
from assessor.model import scheme as m

_WORDS = {
    "zh": {"changed": "修改", "added": "新增", "removed": "删除", "same": "两个版本没有区别。"},
    "en": {
        "changed": "changed",
        "added": "added",
        "removed": "removed",
        "same": "The two versions say the same.",
    },
}


@attrs.frozen
class _Row:
    """One table row of the document: where it is, what it is called, its other cells."""

    place: tuple[str, ...]
    cells: tuple[tuple[str, str], ...]  # (heading, value)


def scheme_changes(before: m.Scheme, after: m.Scheme, language: str = "zh") -> list[str]:
    """The changes from ``before`` to ``after``, one line each, in reading order."""
    words = _WORDS[language]
    old_rows, old_items = _facts(scheme_document(before, language))
    new_rows, new_items = _facts(scheme_document(after, language))
    lines = []
    if before.title != after.title:
        lines.append(f"{words['changed']}: {before.title} → {after.title}")
    for key in dict.fromkeys([*old_items, *new_items]):
        if key not in new_items:
            lines.append(f"{words['removed']}: {_place(key)}")
        elif key not in old_items:
            lines.append(f"{words['added']}: {_place(key)}")
    for key in dict.fromkeys([*old_rows, *new_rows]):
        old, new = old_rows.get(key), new_rows.get(key)
        if new is None:
            lines.append(f"{words['removed']}: {_place(key)}: {_cells(old)}")
        elif old is None:
            lines.append(f"{words['added']}: {_place(key)}: {_cells(new)}")
        elif old != new:
            lines.append(f"{words['changed']}: {_place(key)}: {_changed(old, new)}")
    return lines or [words["same"]]


def _facts(blocks: Iterable[Block]) -> tuple[dict[tuple[str, ...], _Row], dict[tuple, None]]:
    """The document's table rows by place and name, and its sentences by place."""
    rows: dict[tuple[str, ...], _Row] = {}
    items: dict[tuple, None] = {}
    for place, block in _placed(blocks):
        if block.kind == "items":
            items.update(dict.fromkeys((*place, row[0]) for row in block.rows))
            continue
        headings, *body = block.rows
        seen: dict[str, int] = {}
        for row in body:
            name = row[0].strip("\u3000 ")  # scorecard parts are indented with wide spaces
            seen[name] = seen.get(name, 0) + 1
            key = (*place, name if seen[name] == 1 else f"{name} #{seen[name]}")
            rows[key] = _Row(key, tuple(zip(headings[1:], row[1:], strict=True)))
    return rows, items


def _placed(blocks: Iterable[Block]) -> Iterator[tuple[tuple[str, ...], Block]]:
    """Each list and table with where it stands: its section and caption."""
    section, caption = "", ""
    for block in blocks:
        if block.kind == "heading":
            section, caption = block.text, ""
        elif block.kind == "text":
            caption = block.text
        elif block.kind in ("items", "table"):
            yield tuple(x for x in (section, caption) if x), block


def _place(key: tuple[str, ...]) -> str:
    return " › ".join(key)


def _cells(row: _Row | None) -> str:
    assert row is not None
    return "; ".join(f"{heading} {value}" for heading, value in row.cells if value)


def _changed(old: _Row, new: _Row) -> str:
    return "; ".join(
        f"{heading}: {a or '—'} → {b or '—'}"
        for (heading, a), (_, b) in zip(old.cells, new.cells, strict=True)
        if a != b
    )
