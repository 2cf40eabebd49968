"""Check both benchmark peers against the churn-control acceptance data, as one store and
per store.

One store: runs each peer on ``tests/acceptance/churn-control/data`` with lapse 8 and 12 and
compares its amount per (period, role, subject) with ``expected-lapse8.csv`` /
``expected-lapse12.csv``. There, role ``store_manager`` stands for the template's three
store-level roles.

Per store (``--stores``): builds a dealer group of three stores from the acceptance data, as
``tests/test_stores.py`` does (the data as it is, without every third visit, and with three
groups' names rotated; the stores share customer ids, group and specialist names), runs each
peer once on all three, and compares each store's amounts with ``tests/churn_reference.py``
(an independent plain-Python reference) run on that store's rows alone; the unchanged store
also with the acceptance files.

Exits non-zero and prints the differing rows when a peer disagrees.
"""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent
TESTS = BENCH.parent / "tests"
ACCEPTANCE = TESTS / "acceptance" / "churn-control"
PEERS = ("duckdb_sql.py", "pandas_churn.py")
LAPSES = (8, 12)
STORE_ROLES = ("workshop_supervisor", "service_manager", "golden_bowtie")
WINDOW = ("2015-08", "2015-12")
# The group's stores: the unchanged one first; the rotation is tests/test_stores.py's.
UNCHANGED = "北京店"
ROTATED = {"Alpha": "Bravo", "Bravo": "Charlie", "Charlie": "Alpha"}
Key = tuple[str, str, str, str]
"""(period, store, role, subject); the store is '' when the data are one store."""
Rows = list[dict[str, str]]


def read(path: Path) -> Rows:
    """The rows of a CSV file with a header."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, rows: Rows) -> None:
    """Write ``rows`` (all with the same keys) as a CSV file with a header."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def spread(rows: Rows, store: str = "") -> dict[Key, int]:
    """Amounts of expected rows, with ``store_manager`` spread over the three store roles."""
    amounts: dict[Key, int] = {}
    for row in rows:
        roles = STORE_ROLES if row["role"] == "store_manager" else (row["role"],)
        for role in roles:
            amounts[(row["period"], store, role, row["subject"])] = int(row["amount"])
    return amounts


def expected(lapse: int, store: str = "") -> dict[Key, int]:
    """The acceptance file's amounts at ``lapse``, for ``store``."""
    return spread(read(ACCEPTANCE / f"expected-lapse{lapse}.csv"), store)


def peer_amounts(script: str, data: Path, lapse: int, out: Path, *flags: str) -> dict[Key, int]:
    """Run one peer on ``data`` and read its amounts."""
    command = [sys.executable, str(BENCH / "peers" / script), "--data", str(data), *flags]
    subprocess.run([*command, "--out", str(out), "--lapse", str(lapse)], check=True)
    return {
        (row["period"], row.get("store", ""), row["role"], row["subject"]): int(row["amount"])
        for row in read(out)
    }


def compare(title: str, want: dict[Key, int], got: dict[Key, int]) -> bool:
    """Print how many of ``got`` differ from ``want`` (and the first ten); whether none do."""
    differ = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
    print(f"{title}: {len(got)} rows, {len(differ)} differ")
    for key in differ[:10]:
        print(f"  {key}: expected {want.get(key)}, got {got.get(key)}")
    return not differ


def three_stores() -> dict[str, tuple[Rows, Rows]]:
    """Each store's visits and follow-ups: the acceptance data as it is, without every third
    visit, and with three groups' names rotated.
    """
    visits = read(ACCEPTANCE / "data" / "visits.csv")
    followups = read(ACCEPTANCE / "data" / "followups.csv")

    def rotated(rows: Rows) -> Rows:
        return [
            {**r, "advisor_group": ROTATED.get(r["advisor_group"], r["advisor_group"])}
            for r in rows
        ]

    return {
        UNCHANGED: (visits, followups),
        "上海店": ([v for v in visits if int(v["visit_id"]) % 3], followups),
        "广州店": (rotated(visits), rotated(followups)),
    }


def write_group(root: Path) -> list[str]:
    """Write the three stores' rows, each with its ``store``, into ``root/group``, and each
    store's own rows into ``root/STORE``; the stores' names.
    """
    stores = three_stores()
    for folder, column in (("group", True), *((store, False) for store in stores)):
        (root / folder).mkdir()
        for table, index in (("visits.csv", 0), ("followups.csv", 1)):
            rows = [
                {"store": store, **row} if column else row
                for store, tables in stores.items()
                if column or store == folder
                for row in tables[index]
            ]
            write(root / folder / table, rows)
    return list(stores)


def load_reference() -> ModuleType:
    """``tests/churn_reference.py``, loaded by its path (the tests folder is no package)."""
    spec = importlib.util.spec_from_file_location("churn_reference", TESTS / "churn_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def reference(module: ModuleType, folder: Path, lapse: int, store: str) -> dict[Key, int]:
    """The reference implementation's amounts for one store's own rows in ``folder``."""
    rows = module.reference_outcomes(
        folder / "visits.csv", folder / "followups.csv", *WINDOW, lapse
    )
    return spread(rows, store)


def check_one_store(scratch: Path) -> bool:
    """Every peer at every lapse on the acceptance data as one store."""
    agreed = True
    for script in PEERS:
        for lapse in LAPSES:
            got = peer_amounts(script, ACCEPTANCE / "data", lapse, scratch / "out.csv")
            agreed &= compare(f"{script} lapse {lapse}", expected(lapse), got)
    return agreed


def check_stores(scratch: Path) -> bool:
    """Every peer at every lapse with ``--stores`` on the three stores: each store against
    the reference on its own rows, the unchanged store also against the acceptance file.
    """
    stores = write_group(scratch)
    module = load_reference()
    agreed = True
    for script in PEERS:
        for lapse in LAPSES:
            out = scratch / "out.csv"
            got = peer_amounts(script, scratch / "group", lapse, out, "--stores")
            title = f"{script} --stores lapse {lapse}"
            named = {k[1] for k in got}
            if not named <= set(stores):
                print(f"{title}: stores not in the data: {sorted(named - set(stores))}")
                agreed = False
            for store in stores:
                own = {k: v for k, v in got.items() if k[1] == store}
                want = reference(module, scratch / store, lapse, store)
                agreed &= compare(f"{title}, {store} against the reference", want, own)
            own = {k: v for k, v in got.items() if k[1] == UNCHANGED}
            want = expected(lapse, UNCHANGED)
            agreed &= compare(f"{title}, {UNCHANGED} against expected-lapse{lapse}", want, own)
    return agreed


def main() -> None:
    """Check every peer at every lapse, as one store and per store; report each result."""
    with tempfile.TemporaryDirectory() as scratch:
        one_store = check_one_store(Path(scratch))
        per_store = check_stores(Path(scratch))
    if not (one_store and per_store):
        sys.exit("FAILED: a peer does not reproduce the acceptance data")
    print("both peers reproduce the acceptance data exactly, as one store and per store")


if __name__ == "__main__":
    main()
