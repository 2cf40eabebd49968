"""`assessor doc`: a scheme as the document a client signs, in Markdown or HTML, zh or en.

The churn-control expectations are read off the scheme file by hand.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, TEMPLATE, invoke

TEMPLATES = sorted((ROOT / "schemes").rglob("*.assess"))


def test_the_churn_control_document_says_what_the_scheme_says() -> None:
    outcome = invoke("doc", TEMPLATE)
    assert outcome.exit_code == 0, outcome.stderr
    text = outcome.stdout
    assert text.startswith("# 售后客户流失率控制考核方案（试行）\n")
    for line in (
        "| 业务接待组 | 按 visits.advisor_group 区分 |",
        "| 车间主管 | 全店（整体） |",
        "- 考核周期：月度。",
        "- 试行期：2015-08 至 2015-12。",
        "| 业务接待组流失率考核 | 组月流失率 < 售后月流失率 | 奖励 200 元 |",
        "| 业务接待组流失率考核 | 组月流失率 > 售后月流失率 | 处罚 200 元 |",
        "| 管理岗流失率考核 | 售后月流失率 ≤ 前三个月平均流失率 | 奖励 200 元 |",
        "| 管理岗流失率考核 | 其余 | 处罚 200 元 |",
        "| 流失判定月数 | 8 个月 |",
    ):
        assert line in text, line


class _Balanced(HTMLParser):
    """Checks that every opened element is closed in order (void elements aside)."""

    VOID = frozenset({"meta", "br", "img", "hr", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("scheme", TEMPLATES, ids=lambda p: p.stem)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_template_renders_as_a_page(scheme: Path, lang: str, tmp_path: Path) -> None:
    out = tmp_path / "doc.html"
    outcome = invoke("doc", scheme, "--format", "html", "--lang", lang, "--out", out)
    assert outcome.exit_code == 0, outcome.stderr
    page = _Balanced()
    page.feed(out.read_text("utf-8"))
    assert page.open == []
    text = "".join(page.text)
    markdown = invoke("doc", scheme, "--lang", lang).stdout
    for heading in [line[3:] for line in markdown.splitlines() if line.startswith("## ")]:
        assert heading in text
    assert "<script" not in out.read_text("utf-8")
