"""Shared fixtures: the repository's paths and an in-process command-line runner."""

from __future__ import annotations

import csv
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from assessor.cli import main

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "schemes" / "auto-aftersales" / "churn-control.assess"
SAMPLE_DATA = ROOT / "schemes" / "auto-aftersales" / "sample-data"
ACCEPTANCE = ROOT / "tests" / "acceptance" / "churn-control"
STORE_ROLES = ("workshop_supervisor", "service_manager", "golden_bowtie")


@attrs.frozen
class Outcome:
    """What a command did: its exit code and what it printed."""

    exit_code: int
    stdout: str
    stderr: str


def invoke(*args: str) -> Outcome:
    """Run the command line in process, as a user would from a shell."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_scheme(scheme: Path, data: Path, out: Path, *options: str) -> list[dict[str, str]]:
    """Run a scheme, insist that it succeeds, and return the rows of its results.csv."""
    outcome = invoke("run", scheme, "--data", data, "--out", out, *options)
    assert outcome.exit_code == 0, outcome.stderr
    with (out / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def cli():
    """The command line as a function: cli("check", path) -> Outcome."""
    return invoke
