"""Check both benchmark peers against the churn-control acceptance data.

Runs each peer on ``tests/acceptance/churn-control/data`` with lapse 8 and 12 and compares
its amount per (period, role, subject) with ``expected-lapse8.csv`` / ``expected-lapse12.csv``.
There, role ``store_manager`` stands for the template's three store-level roles.
Exits non-zero and prints the differing rows when a peer disagrees.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ACCEPTANCE = BENCH.parent / "tests" / "acceptance" / "churn-control"
PEERS = ("duckdb_sql.py", "pandas_churn.py")
LAPSES = (8, 12)
STORE_ROLES = ("workshop_supervisor", "service_manager", "golden_bowtie")
Key = tuple[str, str, str]


def expected(lapse: int) -> dict[Key, int]:
    """The expected amounts, with ``store_manager`` spread over the three store roles."""
    path = ACCEPTANCE / f"expected-lapse{lapse}.csv"
    amounts: dict[Key, int] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            roles = STORE_ROLES if row["role"] == "store_manager" else (row["role"],)
            for role in roles:
                amounts[(row["period"], role, row["subject"])] = int(row["amount"])
    return amounts


def peer_amounts(script: str, lapse: int, out: Path) -> dict[Key, int]:
    """Run one peer on the acceptance data and read its amounts."""
    command = [sys.executable, str(BENCH / "peers" / script), "--data", str(ACCEPTANCE / "data")]
    subprocess.run([*command, "--out", str(out), "--lapse", str(lapse)], check=True)
    with out.open(newline="", encoding="utf-8") as handle:
        return {
            (row["period"], row["role"], row["subject"]): int(row["amount"])
            for row in csv.DictReader(handle)
        }


def main() -> None:
    """Check every peer at every lapse; report each result."""
    failed = False
    with tempfile.TemporaryDirectory() as scratch:
        for script in PEERS:
            for lapse in LAPSES:
                want = expected(lapse)
                got = peer_amounts(script, lapse, Path(scratch) / "out.csv")
                differ = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
                print(f"{script} lapse {lapse}: {len(got)} rows, {len(differ)} differ")
                for key in differ[:10]:
                    print(f"  {key}: expected {want.get(key)}, got {got.get(key)}")
                failed = failed or bool(differ)
    if failed:
        sys.exit("FAILED: a peer does not reproduce the acceptance data")
    print("both peers reproduce the acceptance data exactly")


if __name__ == "__main__":
    main()
