"""The ``assessor`` program runs a plain ``assessor check FILE`` without click
(``console.main``): it must print and exit exactly as the click command does.

Each scheme of the error cases checked with ``check FILE`` alone (cases/errors), and the
templates, is checked twice in fresh processes, by the program and by click's command line,
and the two must agree byte for byte on standard output, standard error and the exit code.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from test_errors import CASES, _scheme

PROGRAM = Path(sys.executable).parent / "assessor"
CLICK = (sys.executable, "-c", "from assessor.cli import main; main(prog_name='assessor')")
PLAIN = [p for p in CASES if yaml.safe_load(p.read_text("utf-8"))["args"] == ["check", "{scheme}"]]
TEMPLATES = sorted((ROOT / "schemes").glob("*/*.assess"))


def _both(folder: Path, *arguments: str) -> tuple[tuple, tuple]:
    """(exit code, stdout, stderr) of the program and of click's command line."""
    found = []
    for command in ((str(PROGRAM),), CLICK):
        done = subprocess.run(
            [*command, *arguments], cwd=folder, capture_output=True, text=True, check=False
        )
        found.append((done.returncode, done.stdout, done.stderr))
    return found[0], found[1]


@pytest.mark.parametrize("path", PLAIN, ids=[p.stem for p in PLAIN])
def test_a_plain_check_says_what_the_click_command_says(path: Path, tmp_path: Path) -> None:
    _scheme(yaml.safe_load(path.read_text("utf-8")), tmp_path)
    program, click = _both(tmp_path, "check", "scheme.assess")
    assert program == click
    assert program[0] in (0, 1) and "Traceback" not in program[2]


@pytest.mark.parametrize("template", TEMPLATES, ids=[p.stem for p in TEMPLATES])
def test_a_template_checks_the_same_both_ways(template: Path) -> None:
    program, click = _both(template.parent, "check", template.name)
    assert program == click
    assert program[0] == 0 and ": ok — " in program[1]


def test_a_plain_check_does_not_import_click(tmp_path: Path) -> None:
    shown = (
        "import sys; from assessor.console import main; sys.argv = ['assessor', 'check', "
        f"{str(ROOT / 'schemes' / 'auto-aftersales' / 'churn-control.assess')!r}]; main(); "
        "print('click' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", shown], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False"


@pytest.mark.parametrize(
    "arguments",
    [
        ("check", "--set", "lapse_months=12", "churn-control.assess"),  # an option: click's
        ("check", "no-such.assess"),  # no such file: click says so (exit 2)
        ("check",),
    ],
)
def test_other_command_lines_go_to_click(arguments: tuple[str, ...]) -> None:
    program, click = _both(ROOT / "schemes" / "auto-aftersales", *arguments)
    assert program == click
