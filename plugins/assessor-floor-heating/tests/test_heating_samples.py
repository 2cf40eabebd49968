"""The committed sample data is exactly what the seeded generator writes, and tells the
story all domains share: worse just after the equity transfer, then better month by month.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assessor_floor_heating import sample, tables

SAMPLE = Path(__file__).resolve().parents[3] / "schemes" / "floor-heating" / "sample-data"


def test_committed_sample_data_is_regenerated_byte_for_byte(tmp_path):
    sample.write_sample(tmp_path)
    files = {f"{spec.name}.csv" for spec in tables.all_tables()}
    assert {p.name for p in SAMPLE.iterdir()} == files
    assert {p.name for p in tmp_path.iterdir()} == files
    for name in sorted(files):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_the_generator_is_deterministic_and_small():
    first, again = sample.generate(), sample.generate()
    assert first == again
    assert all(0 < len(rows) <= 4000 for rows in first.values())


def test_the_records_cover_six_months_before_and_six_after_the_transfer():
    rows = sample.generate()[tables.TICKETS]
    months = sorted({r["opened_at"][:7] for r in rows})
    assert months[0] == "2025-07" and months[-1] == "2026-06" and len(months) == 12
    assert {r["team"] for r in rows} == set(sample.TEAMS)


def test_service_is_worse_after_the_transfer_then_improves():
    # tickets first answered within 24 hours, per month
    rows = sample.generate()[tables.TICKETS]
    share = {}
    for month in sorted({r["opened_at"][:7] for r in rows}):
        opened = [r for r in rows if r["opened_at"].startswith(month)]
        within = [r for r in opened if r["first_response_at"] and _hours(r) <= 24]
        share[month] = len(within) / len(opened)
    assert share["2026-01"] < min(share[m] for m in share if m < "2026-01")
    assert share["2026-01"] < share["2026-03"] < share["2026-06"]


def test_more_customers_leave_just_after_the_transfer():
    rows = sample.generate()[tables.CUSTOMERS]
    lost = {}
    for row in rows:
        if row["lost_on"] >= "2025-07":
            lost[row["lost_on"][:7]] = lost.get(row["lost_on"][:7], 0) + 1
    assert lost["2026-01"] > max(lost[m] for m in lost if m < "2026-01")
    assert lost["2026-06"] < lost["2026-01"]


def _hours(row: dict[str, str]) -> float:
    opened = dt.datetime.fromisoformat(row["opened_at"])
    answered = dt.datetime.fromisoformat(row["first_response_at"])
    return (answered - opened).total_seconds() / 3600
