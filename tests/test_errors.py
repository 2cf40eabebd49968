"""Every bad input gets exit 1 (or 2 for a wrong command line) and a located, helpful message.

Each case is a YAML file in cases/errors: the scheme (written out, or the churn-control
template with replacements), other scheme files beside it, the data files, the arguments, and
what must be printed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ACCEPTANCE, TEMPLATE, invoke

CASES = sorted((Path(__file__).parent / "cases" / "errors").glob("*.yaml"))


def _scheme(case: dict, folder: Path) -> Path:
    text = case.get("scheme") or TEMPLATE.read_text("utf-8")
    for old, new in (case.get("replace") or {}).items():
        assert old in text, f"replacement target {old!r} not in the template"
        text = text.replace(old, new, 1)
    path = folder / "scheme.assess"
    path.write_text(text, "utf-8")
    for name, content in (case.get("files") or {}).items():
        (folder / name).write_text(content, "utf-8")  # templates it extends
    return path


def _data(case: dict, folder: Path) -> Path:
    data = folder / "data"
    shutil.copytree(ACCEPTANCE / "data", data)
    for name, content in (case.get("data") or {}).items():
        if content is None:
            (data / name).unlink()
        else:
            (data / name).write_bytes(content.encode(case.get("encoding", "utf-8")))
    return data


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_bad_input_gets_a_clear_message(path: Path, tmp_path: Path, monkeypatch) -> None:
    case = yaml.safe_load(path.read_text("utf-8"))
    monkeypatch.chdir(tmp_path)
    scheme = _scheme(case, tmp_path)
    data = _data(case, tmp_path)
    args = [a.format(scheme="scheme.assess", data="data", out="out") for a in case["args"]]
    outcome = invoke(*args)
    assert outcome.exit_code == case["exit"], outcome.stderr + outcome.stdout
    for fragment in case["expect"]:
        assert fragment in outcome.stderr, f"{fragment!r} not in:\n{outcome.stderr}"
    assert outcome.stderr.count("error[") == case.get("errors", outcome.stderr.count("error["))
    assert "Traceback" not in outcome.stderr + outcome.stdout
    assert not (tmp_path / "out" / "results.csv").exists()
    del scheme, data


def test_an_undecodable_byte_deep_in_a_large_file_names_its_line(tmp_path: Path) -> None:
    """The header and 3,999 rows are UTF-8 (ASCII); line 4001 holds GB18030 text and a byte
    (0xFF) that neither encoding has.
    """
    data = tmp_path / "data"
    shutil.copytree(ACCEPTANCE / "data", data)
    lines = (data / "visits.csv").read_text("utf-8").splitlines()
    lines[4000] = lines[4000].rsplit(",", 1)[0] + ",业务接待组\xff"
    text = ("\n".join(lines) + "\n").encode("gb18030").replace("\xff".encode("gb18030"), b"\xff")
    (data / "visits.csv").write_bytes(text)
    outcome = invoke("run", TEMPLATE, "--data", data, "--out", tmp_path / "out")
    assert outcome.exit_code == 1
    assert (
        "visits.csv:4001: error[E303] visits.csv is neither UTF-8 nor GB18030 (GBK) text: line 4001"
    ) in outcome.stderr
    assert not (tmp_path / "out" / "results.csv").exists()


def test_an_excerpt_of_a_long_line_shows_the_part_around_the_span() -> None:
    """A line of 1,003 characters: the excerpt shows 30 before the span and 100 in all, cut
    with "…" on both sides, and the carets stand under the three spanned characters.
    """
    from assessor.errors import EXCERPT_CHARACTERS, Diagnostic, Span, render

    line = "x" * 500 + "BAD" + "y" * 500
    shown, carets = render(Diagnostic("E101", "here", Span("f", 1, 501, 1, 504)), line).split("\n")[
        1:3
    ]
    text = shown.split(" | ", 1)[1]
    assert text == "…" + "x" * 30 + "BAD" + "y" * 67 + "…"
    assert len(text) == EXCERPT_CHARACTERS + 2
    assert carets.split("| ", 1)[1] == " " * 31 + "^^^"
