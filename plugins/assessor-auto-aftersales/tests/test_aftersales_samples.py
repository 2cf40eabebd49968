"""The committed sample data is exactly what the seeded generators write."""

from __future__ import annotations

from pathlib import Path

import pytest
from assessor_auto_aftersales import sample, sample_sales, sample_service

SCHEMES = Path(__file__).resolve().parents[3] / "schemes" / "auto-aftersales"


@pytest.mark.parametrize(
    ("write", "folder", "files"),
    [
        (
            sample_service.write_service_sample,
            "sample-data-service-kpi",
            {
                "aftersales_tickets.csv",
                "aftersales_calls.csv",
                "aftersales_complaints.csv",
                "ratings.csv",
            },
        ),
        (sample_sales.write_sales_sample, "sample-data-sales-churn", {"sales_customers.csv"}),
        (sample.write_sample, "sample-data", {"visits.csv", "followups.csv"}),
    ],
    ids=["service-kpi", "sales-churn", "churn-control"],
)
def test_committed_sample_data_is_regenerated_byte_for_byte(write, folder, files, tmp_path):
    write(tmp_path)
    committed = SCHEMES / folder
    assert {p.name for p in committed.iterdir()} == files
    assert {p.name for p in tmp_path.iterdir()} == files
    for name in sorted(files):
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name


def test_the_story_service_is_worse_after_the_transfer_then_improves():
    # Tickets answered within 24 hours, per month of the story (2025-07 .. 2026-06).
    rows = sample_service.generate_service()["aftersales_tickets"]
    share = {}
    for month in sorted({r["opened_at"][:7] for r in rows}):
        opened = [r for r in rows if r["opened_at"].startswith(month)]
        late = [
            r
            for r in opened
            if not r["first_response_at"] or _hours(r["opened_at"], r["first_response_at"]) > 24
        ]
        share[month] = 1 - len(late) / len(opened)
    before = [share[m] for m in share if m < "2026-01"]
    assert share["2026-01"] < min(before)
    assert share["2026-06"] > share["2026-01"]


def test_the_story_sales_lose_more_customers_just_after_the_transfer():
    rows = sample_sales.generate_customers()
    lost = {}
    for row in rows:
        if row["lost_on"]:
            lost[row["lost_on"][:7]] = lost.get(row["lost_on"][:7], 0) + 1
    assert lost["2026-01"] > max(lost[m] for m in lost if m < "2026-01")
    assert lost["2026-06"] < lost["2026-01"]
    # the newcomer has only customers won from March 2026 on
    newcomer = [r for r in rows if r["salesperson"] == sample_sales.NEWCOMER[0]]
    assert newcomer and min(r["since"] for r in newcomer) >= "2026-03-01"


def _hours(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 3600
