"""Members a mapping table names that are no subject: a follow-up assignment naming an
advisor group that never appears in the visits.

A metric ``mean(group_churn of followups.advisor_group)`` reads, for each specialist, the
groups the mapping table assigns. A group that is no subject of ``group_churn``'s role (a typo,
a group renamed in one export but not the other) has no value, so the mean silently leaves it
out. Each such member is reported as a warning (W301), not an error: a new group may have had
no visits yet. The check is one query per mapping on the engine, like the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import ibis.expr.types as ir

from assessor.engine import series as s
from assessor.errors import Diagnostic, Location
from assessor.model import scheme as m

# how many unknown members a warning names
SHOWN = 5


def unknown_members(
    scheme: m.Scheme,
    fetch: Callable[[ir.Table], list[dict[str, Any]]],
    where: Mapping[str, Location | None],
) -> list[Diagnostic]:
    """A warning for each mapping a metric aggregates over that names members unknown to the
    member metric's role. ``fetch`` runs an expression on the engine holding the inputs
    and returns its rows;
    ``where`` locates each input table (its file).
    """
    inputs = s.input_tables(scheme)
    keys = [s.STORE] if scheme.stores is not None else []
    found = []
    for mapping, role in _mappings(scheme):
        members = _unknown(inputs, mapping, role, keys)
        rows = fetch(members.order_by([*keys, "member"]).limit(SHOWN + 1))
        if rows:
            found.append(_warning(mapping, role, rows, where.get(mapping.table)))
    return found


def _mappings(scheme: m.Scheme) -> Iterator[tuple[m.OverMapping, m.Role]]:
    """Each distinct mapping (table, member column) with the role its members should be of."""
    seen = set()
    for metric in scheme.metrics:
        mapping = metric.definition
        if not isinstance(mapping, m.OverMapping):
            continue
        grain = scheme.metric(mapping.metric).grain
        role = scheme.role(grain) if grain is not None else None
        key = (mapping.table, mapping.member_column, grain)
        if role is None or role.store_level or key in seen:
            continue
        seen.add(key)
        yield mapping, role


def _unknown(
    inputs: Mapping[str, ir.Table], mapping: m.OverMapping, role: m.Role, keys: list[str]
) -> ir.Table:
    """The members (per store) of the mapping that no row of the role's table names."""
    table = inputs[mapping.table]
    members = table.select(*keys, member=table[mapping.member_column].cast("string"))
    members = members.filter(members.member.notnull()).distinct()
    subjects = inputs[role.table]
    known = subjects.select(*keys, member=subjects[role.column].cast("string"))
    return members.anti_join(known.filter(known.member.notnull()), [*keys, "member"])


def _warning(
    mapping: m.OverMapping, role: m.Role, rows: list[dict], location: Location | None
) -> Diagnostic:
    named = [f"{r[s.STORE]} / {r['member']}" if s.STORE in r else r["member"] for r in rows[:SHOWN]]
    more = " and more" if len(rows) > SHOWN else ""
    return Diagnostic(
        "W301",
        f"{mapping.table}.{mapping.member_column} names {', '.join(map(repr, named))}{more}, "
        f"which {role.table}.{role.column} never names: no {role.name} of that name, so "
        f"aggregates over {mapping.table} leave it out",
        location,
        f"check the spelling against {role.table}.{role.column}; one that has no records "
        "yet is fine",
        severity="warning",
    )
